//! Which Celery the project runs: read from its dependency files, or given to celint
//! (`--celery-version`, `celery-version` in the configuration), and where that came from.
//!
//! Each directory that declares Celery is a (sub-)project of its own: a Python file takes the
//! version of the nearest such directory above it. Within a directory the first kind of file
//! that names Celery decides (`files::Form`: lock files, then requirements files, then
//! `pyproject.toml`, then `setup.cfg`/`setup.py`, then conda's `environment.yml`); files of one
//! kind together allow what any of them allows. A range allows the versions it admits; a
//! requirement without a version, or none at all, is the newest celint describes.
//!
//! - `spec.rs`: specifiers (PEP 440, Poetry, conda) to the minors they allow;
//! - `files.rs`, `pyproject.rs`: Celery's requirement in each kind of file.

mod files;
mod pyproject;
mod spec;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

pub use crate::catalog::signals::Version;
pub use files::is_candidate as is_dependency_file;
use files::{Form, Found};
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
pub const NEWEST: Version = crate::catalog::signals::NEWEST;

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
    pub fn of(versions: &crate::catalog::signals::Versions) -> VersionSet {
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

/// The Celery versions each part of the project may run.
#[derive(Clone, Debug)]
pub struct ProjectVersions {
    given: Option<Pin>,
    /// Directories that declare Celery, with what they declare.
    dirs: Vec<(PathBuf, Pin)>,
    /// For files under none of them.
    rest: Pin,
}

impl Default for ProjectVersions {
    fn default() -> Self {
        ProjectVersions {
            given: None,
            dirs: Vec::new(),
            rest: Pin::newest(),
        }
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
                by: format!("`celery-version` in {}", crate::source::display_path(path)),
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
fn settle(a: spec::Allowed) -> (VersionSet, bool) {
    if !a.set.is_empty() {
        return (a.set, false);
    }
    let oldest = KNOWN.first().copied().unwrap_or(NEWEST);
    let nearest = if a.older && !a.newer { oldest } else { NEWEST };
    (VersionSet::only(nearest), true)
}

impl ProjectVersions {
    /// The versions the file at `path` (absolute) runs under.
    pub fn for_path(&self, path: &Path) -> &Pin {
        if let Some(given) = &self.given {
            return given;
        }
        self.dirs
            .iter()
            .filter(|(dir, _)| path.starts_with(dir))
            .max_by_key(|(dir, _)| dir.components().count())
            .map_or(&self.rest, |(_, pin)| pin)
    }

    /// Each directory that declares Celery with its pin (for `--show-worker`), or the one pin
    /// that holds everywhere.
    pub fn pins(&self) -> Vec<(Option<&Path>, &Pin)> {
        if let Some(given) = &self.given {
            return vec![(None, given)];
        }
        if self.dirs.is_empty() {
            return vec![(None, &self.rest)];
        }
        self.dirs
            .iter()
            .map(|(d, p)| (Some(d.as_path()), p))
            .collect()
    }
}

/// How many directories above an analysed directory are looked at, at most (up to the project's
/// top).
const ABOVE: usize = 4;

/// Is the file at `path` one that can declare Celery? (`text_files` reads them.)
pub fn is_dependency_path(path: &Path) -> bool {
    files::form(path).is_some()
}

/// The project's Celery versions from its dependency files (`files`: those under the analysed
/// `roots`, as `Loader::text_files` gives them) and those in the directories above the roots,
/// up to the repository's top; or the versions `given`.
pub fn from_files(
    files: Vec<(PathBuf, String)>,
    roots: &[PathBuf],
    given: Option<&Pin>,
) -> ProjectVersions {
    if let Some(pin) = given {
        return ProjectVersions {
            given: Some(pin.clone()),
            ..ProjectVersions::default()
        };
    }
    let mut texts: BTreeMap<PathBuf, String> = files.into_iter().collect();
    for path in above(roots) {
        if let Some(text) = crate::loader::read_text(&path) {
            texts.entry(path).or_insert(text);
        }
    }
    let mut by_dir: BTreeMap<PathBuf, Vec<Declared>> = BTreeMap::new();
    let mut reader = Reader {
        texts: &texts,
        extra: BTreeMap::new(),
    };
    for (path, text) in &texts {
        let Some(form) = files::form(path).map(|f| files::refine(f, text)) else {
            continue;
        };
        let found = reader.effective(form, path, text);
        if found.is_empty() {
            continue;
        }
        by_dir.entry(owner(path)).or_default().push(Declared {
            tier: form.tier(),
            auxiliary: files::is_auxiliary(path),
            found,
        });
    }
    let dirs: Vec<(PathBuf, Pin)> = by_dir
        .into_iter()
        .filter_map(|(dir, files)| Some((dir, pin_of(files)?)))
        .collect();
    // A file under no directory that declares Celery: where only one does, it is the
    // project's; where several do, none of them speaks for it.
    let rest = match dirs.as_slice() {
        [] => Pin::newest(),
        [(_, only)] => only.clone(),
        _ => Pin {
            source: Source::NoneAbove,
            ..Pin::newest()
        },
    };
    ProjectVersions {
        given: None,
        dirs,
        rest,
    }
}

/// The directory a dependency file speaks for: its own, or for a file in a directory of
/// requirements files (`requirements/base.txt`), the one above.
fn owner(path: &Path) -> PathBuf {
    let dir = path.parent().unwrap_or(Path::new(""));
    if files::in_requirements_dir(path) {
        dir.parent().unwrap_or(dir).to_path_buf()
    } else {
        dir.to_path_buf()
    }
}

/// The dependency files in the directories above the roots (and in their requirements
/// directories), up to the repository's top (`.git`); for a root outside a repository that is
/// not a project's top itself, up to the nearest directory with a project marker
/// (`pyproject.toml`, `setup.py`, `setup.cfg`). A sub-project linted alone still finds the
/// Celery its repository declares.
fn above(roots: &[PathBuf]) -> Vec<PathBuf> {
    let marked = |d: &Path| {
        crate::scope::PROJECT_MARKERS
            .iter()
            .any(|m| d.join(m).exists())
    };
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let repository = |d: &Path| d.join(".git").exists();
    for root in roots {
        if repository(root) {
            continue;
        }
        // Outside any project (no marker within reach), nothing above speaks for it.
        let mut up = root.ancestors().skip(1).take(ABOVE);
        let top = match up.clone().position(repository) {
            Some(top) => top,
            None if marked(root) => continue,
            None => match up.position(marked) {
                Some(top) => top,
                None => continue,
            },
        };
        for dir in root.ancestors().skip(1).take(top + 1) {
            if !seen.insert(dir.to_path_buf()) {
                break;
            }
            let subdirs = files::REQUIREMENTS_DIRS.iter().map(|d| dir.join(d));
            for d in std::iter::once(dir.to_path_buf()).chain(subdirs) {
                let Ok(entries) = std::fs::read_dir(&d) else {
                    continue;
                };
                for e in entries.flatten() {
                    let p = e.path();
                    if e.file_type().is_ok_and(|t| t.is_file()) && files::form(&p).is_some() {
                        out.push(p);
                    }
                }
            }
        }
    }
    out
}

/// Reads files, following requirements files' `-r` and `-c` (to files found by the walk, or
/// read now), each chain at most [`INCLUDE_DEPTH`] deep.
struct Reader<'t> {
    texts: &'t BTreeMap<PathBuf, String>,
    extra: BTreeMap<PathBuf, Option<String>>,
}

const INCLUDE_DEPTH: usize = 8;

impl Reader<'_> {
    fn text(&mut self, path: &Path) -> Option<String> {
        if let Some(t) = self.texts.get(path) {
            return Some(t.clone());
        }
        self.extra
            .entry(path.to_path_buf())
            .or_insert_with(|| crate::loader::read_text(path))
            .clone()
    }

    /// What the file says of Celery: for a requirements file, with what it includes, and
    /// narrowed by its constraints files.
    fn effective(&mut self, form: Form, path: &Path, text: &str) -> Vec<Entry> {
        if !form.is_requirements() {
            return files::read(form, path, text)
                .found
                .into_iter()
                .map(|f| (f, path.to_path_buf()))
                .collect();
        }
        let mut seen = HashSet::new();
        let (found, constraints) = self.requirements(path, text, 0, &mut seen);
        constrained(found, constraints)
    }

    fn requirements(
        &mut self,
        path: &Path,
        text: &str,
        depth: usize,
        seen: &mut HashSet<PathBuf>,
    ) -> (Vec<Entry>, Vec<Entry>) {
        if depth > INCLUDE_DEPTH || !seen.insert(path.to_path_buf()) {
            return (Vec::new(), Vec::new());
        }
        let read = files::read(Form::Requirements, path, text);
        let mut found: Vec<Entry> = read
            .found
            .into_iter()
            .map(|f| (f, path.to_path_buf()))
            .collect();
        let mut constraints = Vec::new();
        for (list, is_constraint) in [(read.includes, false), (read.constraints, true)] {
            for inc in list {
                let inc = crate::project::canonical(&inc);
                let Some(t) = self.text(&inc) else {
                    continue;
                };
                let (f, c) = self.requirements(&inc, &t, depth + 1, seen);
                if is_constraint {
                    constraints.extend(f);
                } else {
                    found.extend(f);
                }
                constraints.extend(c);
            }
        }
        (found, constraints)
    }
}

type Entry = (Found, PathBuf);

/// Requirements narrowed by constraints: where both name Celery, the versions both allow.
fn constrained(found: Vec<Entry>, constraints: Vec<Entry>) -> Vec<Entry> {
    if found.is_empty() || constraints.is_empty() {
        return if found.is_empty() { constraints } else { found };
    }
    // Both are kept (both are where the versions come from); `pin_of` intersects.
    let mut out = found;
    out.extend(constraints.into_iter().map(|(mut f, p)| {
        f.constraint = true;
        (f, p)
    }));
    out
}

/// What one dependency file declares.
struct Declared {
    tier: u8,
    /// A file for tests, documentation or development (`files::is_auxiliary`).
    auxiliary: bool,
    found: Vec<Entry>,
}

/// The pin of a directory: its first kind of file that names Celery, among the files for the
/// project itself (a test matrix's pins are not what the worker runs), else among the files
/// for its tests or documentation. Versioned requirements join; one without a version adds
/// nothing to them (alone, it is the newest); constraints narrow the result where they leave
/// something.
fn pin_of(files: Vec<Declared>) -> Option<Pin> {
    let auxiliary = files.iter().all(|d| d.auxiliary);
    let tier = files
        .iter()
        .filter(|d| auxiliary || !d.auxiliary)
        .map(|d| d.tier)
        .min()?;
    let mut versions = VersionSet::EMPTY;
    let mut narrowed: Option<VersionSet> = None;
    let mut beyond = false;
    let mut origins: Vec<Origin> = Vec::new();
    let chosen = files
        .into_iter()
        .filter(|d| d.tier == tier && (auxiliary || !d.auxiliary));
    for Declared { found, .. } in chosen {
        for (f, path) in found {
            if let Some(a) = f.allowed {
                let (set, out_of_range) = settle(a);
                if f.constraint {
                    narrowed = Some(narrowed.unwrap_or(VersionSet::all()).intersect(set));
                } else {
                    versions = versions.union(set);
                }
                beyond |= out_of_range;
            }
            let origin = Origin {
                at: format!("{}:{}", crate::source::display_path(&path), f.line),
                written: if f.constraint {
                    format!("{} (a constraint)", f.written)
                } else {
                    f.written
                },
            };
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
    }
    let versions = match narrowed {
        Some(n) if versions.is_empty() && !n.is_empty() => n,
        Some(n) if !versions.intersect(n).is_empty() => versions.intersect(n),
        _ if versions.is_empty() => VersionSet::only(NEWEST),
        _ => versions,
    };
    (!versions.is_empty()).then_some(Pin {
        versions,
        source: Source::Files(origins),
        beyond,
    })
}

#[cfg(test)]
mod tests;
