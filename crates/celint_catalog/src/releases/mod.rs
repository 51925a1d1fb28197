//! The Celery releases celint describes (minors 3.0 to 5.7), sets of them, and a part of the
//! project's versions with where they came from (`Pin`). Data every layer speaks: the version
//! facts (`versions.rs`) and the signal table hold on sets of these; the analysis reads the
//! project's dependency files into pins (`celint_analysis::celery_version`).
//!
//! - `spec.rs`: specifiers (PEP 440, Poetry, conda) to the minors they allow.

pub mod spec;

use std::path::Path;

pub use crate::signals::Version;
use spec::Dialect;

/// The Celery minors celint describes, oldest first. Version facts (`catalog/versions.toml`)
/// and the signal table speak of these.
pub const KNOWN: &[Version] = &[
    (3, 0),
    (3, 1),
    (4, 0),
    (4, 1),
    (4, 2),
    (4, 3),
    (4, 4),
    (5, 0),
    (5, 1),
    (5, 2),
    (5, 3),
    (5, 4),
    (5, 5),
    (5, 6),
    (5, 7),
];

/// The newest Celery celint describes.
pub const NEWEST: Version = crate::signals::NEWEST;

/// A set of the minors in [`KNOWN`] (bit `i` is `KNOWN[i]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct VersionSet(u32);

impl VersionSet {
    pub const EMPTY: VersionSet = VersionSet(0);

    pub fn only(v: Version) -> VersionSet {
        KNOWN
            .iter()
            .position(|k| *k == v)
            .map_or(VersionSet::EMPTY, |i| VersionSet::EMPTY.with(i))
    }

    /// Every minor `versions` (a range of the signal table's form) contains.
    pub fn of(versions: &crate::signals::Versions) -> VersionSet {
        VersionSet::all().filter(|v| versions.contains(v))
    }

    pub fn all() -> VersionSet {
        VersionSet((1u32 << KNOWN.len()) - 1)
    }

    pub(crate) fn with(self, i: usize) -> VersionSet {
        VersionSet(self.0 | (1 << i))
    }

    pub fn contains(self, v: Version) -> bool {
        KNOWN
            .iter()
            .position(|k| *k == v)
            .is_some_and(|i| self.0 & (1 << i) != 0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn union(self, other: VersionSet) -> VersionSet {
        VersionSet(self.0 | other.0)
    }

    pub fn intersect(self, other: VersionSet) -> VersionSet {
        VersionSet(self.0 & other.0)
    }

    pub fn minus(self, other: VersionSet) -> VersionSet {
        VersionSet(self.0 & !other.0)
    }

    pub fn filter(self, keep: impl Fn(Version) -> bool) -> VersionSet {
        VersionSet(
            KNOWN
                .iter()
                .enumerate()
                .filter(|(i, v)| self.0 & (1 << i) != 0 && keep(**v))
                .fold(0, |acc, (i, _)| acc | (1 << i)),
        )
    }

    pub fn iter(self) -> impl Iterator<Item = Version> {
        KNOWN
            .iter()
            .enumerate()
            .filter(move |(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, v)| *v)
    }

    pub fn newest(self) -> Option<Version> {
        self.iter().last()
    }

    /// `5.3`, `5.2 to 5.7`, `4.4, 5.3 to 5.7`, `5.3, 5.4`: runs of three or more as ranges.
    pub fn describe(self) -> String {
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for i in (0..KNOWN.len()).filter(|i| self.0 & (1 << i) != 0) {
            match runs.last_mut() {
                Some((_, end)) if *end + 1 == i => *end = i,
                _ => runs.push((i, i)),
            }
        }
        if runs.is_empty() {
            return "(none)".to_string();
        }
        let name = |i: usize| {
            KNOWN
                .get(i)
                .map_or(String::new(), |(a, b)| format!("{a}.{b}"))
        };
        runs.iter()
            .map(|&(a, b)| match b - a {
                0 => name(a),
                1 => format!("{}, {}", name(a), name(b)),
                _ => format!("{} to {}", name(a), name(b)),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One requirement celint read, where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// `path:line`, as the run displays paths.
    pub at: String,
    /// As written (`celery[redis]==5.3.6`).
    pub written: String,
}

/// Where the versions came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `--celery-version`, or `celery-version` in a configuration file (named).
    Given { spec: String, by: String },
    /// Requirements in the project's dependency files.
    Files(Vec<Origin>),
    /// Nothing the project declares names Celery.
    Newest,
    /// Sub-projects declare Celery, but no directory above this file does.
    NoneAbove,
}

/// The Celery versions one part of the project may run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pin {
    /// Never empty.
    pub versions: VersionSet,
    pub source: Source,
    /// The requirement allows only versions celint does not describe: the nearest it does
    /// (newer ones: 5.7; older ones: 3.0) stands in for them.
    pub beyond: bool,
}

impl Pin {
    pub fn newest() -> Pin {
        Pin {
            versions: VersionSet::only(NEWEST),
            source: Source::Newest,
            beyond: false,
        }
    }

    /// `5.3 (requirements/base.txt:4: `celery==5.3.6`)`.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.versions.describe(), self.source_text())
    }

    /// Where the versions came from, in words.
    pub fn source_text(&self) -> String {
        match &self.source {
            Source::Given { spec, by } => format!("`{spec}` given by {by}"),
            Source::Newest => format!(
                "no Celery requirement found: the newest celint describes, {}.{}",
                NEWEST.0, NEWEST.1
            ),
            Source::NoneAbove => format!(
                "no dependency file above this file names Celery (the project's sub-projects \
                 declare their own): the newest celint describes, {}.{}",
                NEWEST.0, NEWEST.1
            ),
            Source::Files(origins) => {
                let mut text = origins
                    .iter()
                    .map(|o| format!("{}: `{}`", o.at, o.written))
                    .collect::<Vec<_>>()
                    .join("; ");
                if self.beyond {
                    text.push_str("; none of the versions it allows is one celint describes, so the nearest stands in");
                }
                text
            }
        }
    }

    /// For a finding true on `on` only: `None` when every version of the pin is in `on`,
    /// else a note saying which of the project's versions it holds on.
    pub fn only_on(&self, on: VersionSet) -> Option<String> {
        let off = self.versions.minus(on);
        if off.is_empty() {
            return None;
        }
        Some(format!(
            "this holds on Celery {} only; the project's requirement also allows {} ({})",
            self.versions.intersect(on).describe(),
            off.describe(),
            self.source_text()
        ))
    }
}

/// `--celery-version` or `celery-version`: a version (`5.3`, `5.3.6`) or a specifier
/// (`>=5.3,<5.5`), and where it was given.
#[derive(Clone, Debug, PartialEq)]
pub struct Given {
    pub spec: String,
    pub by: String,
}

impl Given {
    /// The version given on the command line, else in the configuration file at the path.
    pub fn from(cli: Option<&str>, config: Option<(&str, &Path)>) -> Option<Given> {
        match (cli, config) {
            (Some(spec), _) => Some(Given {
                spec: spec.to_string(),
                by: "`--celery-version`".to_string(),
            }),
            (None, Some((spec, path))) => Some(Given {
                spec: spec.to_string(),
                by: format!(
                    "`celery-version` in {}",
                    celint_syntax::source::display_path(path)
                ),
            }),
            (None, None) => None,
        }
    }

    /// The pin it gives, or why it cannot be read.
    pub fn pin(&self) -> Result<Pin, String> {
        let text = self.spec.trim();
        let spec = if text.starts_with(|c: char| c.is_ascii_digit()) {
            format!("=={text}.*")
        } else {
            text.to_string()
        };
        let a = spec::allowed(&spec, Dialect::Pep440)
            .ok_or_else(|| format!("`{text}` is not a Celery version or version specifier"))?;
        let (versions, beyond) = settle(a);
        Ok(Pin {
            versions,
            source: Source::Given {
                spec: text.to_string(),
                by: self.by.clone(),
            },
            beyond,
        })
    }
}

/// The versions that stand for what a specifier allows: those celint describes, else the
/// nearest one.
pub fn settle(a: spec::Allowed) -> (VersionSet, bool) {
    if !a.set.is_empty() {
        return (a.set, false);
    }
    let oldest = KNOWN.first().copied().unwrap_or(NEWEST);
    let nearest = if a.older && !a.newer { oldest } else { NEWEST };
    (VersionSet::only(nearest), true)
}
