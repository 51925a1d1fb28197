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

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

pub use celint_catalog::releases::{
    settle, spec, Given, Origin, Pin, Source, Version, VersionSet, KNOWN, NEWEST,
};
pub use files::is_candidate as is_dependency_file;
use files::{Form, Found};

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
        if let Some(text) = celint_project::loader::read_text(&path) {
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
        celint_project::discover::PROJECT_MARKERS
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
            .or_insert_with(|| celint_project::loader::read_text(path))
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
                let inc = celint_project::project::canonical(&inc);
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
                at: format!("{}:{}", celint_syntax::source::display_path(&path), f.line),
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
