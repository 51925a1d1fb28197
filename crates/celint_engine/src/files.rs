//! The project as the walk found it, kept between checks: every Python file with what it is to
//! the analysis, what the walk could not read, and what else it saw (deployment files).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::scope::Scope;
use crate::RunError;
use celint_project::discover;
use celint_project::loader::{Linted, LoadError, Read};
use celint_project::prescan::Relevance;

pub(crate) struct Files {
    pub(crate) found: Arc<FoundFiles>,
    /// How many of `found` were given to celint (the linted files).
    pub(crate) given: usize,
    pub(crate) errors: Vec<RunError>,
    pub(crate) index: discover::WalkIndex,
}

impl Files {
    pub(crate) fn new(
        found: FoundFiles,
        scope: &Scope,
        errors: Vec<RunError>,
        index: discover::WalkIndex,
    ) -> Files {
        let mut files = Files {
            found: Arc::new(found),
            given: 0,
            errors,
            index,
        };
        files.count_given(scope);
        files
    }

    /// Counts the given files again (after files were added).
    pub(crate) fn count_given(&mut self, scope: &Scope) {
        self.given = if scope.project_mode() {
            self.found.paths().filter(|p| scope.is_given(p)).count()
        } else {
            // Outside project mode every file the walk finds was given.
            self.found.len()
        };
    }

    /// The files the loader lints: those of the walk that were given.
    pub(crate) fn linted(&self, scope: &Scope) -> Arc<dyn Linted> {
        Arc::new(Given {
            found: Arc::clone(&self.found),
            scope: scope.clone(),
        })
    }

    /// To change what the walk found (the loader of the last check has let go of it, so this
    /// does not copy).
    pub(crate) fn found_mut(&mut self) -> &mut FoundFiles {
        Arc::make_mut(&mut self.found)
    }
}

/// What a Python file is to the analysis (the pre-scan's verdict, `prescan.rs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Found {
    /// Parsed: names a signal or a setting celint reads (its parse is in the store).
    Relevant,
    /// Parsed only if it names a signal alias some relevant module defines.
    Deferred,
    /// Cannot matter.
    Other,
    /// Could not be read.
    Unreadable(RunError),
}

impl Found {
    pub(crate) fn of(relevance: Relevance) -> Found {
        match relevance {
            Relevance::Matters => Found::Relevant,
            Relevance::MayConnect => Found::Deferred,
            Relevance::No => Found::Other,
        }
    }

    /// What the file is, from reading it (`loader::read_found`).
    pub(crate) fn of_read(read: Result<Read, LoadError>) -> Found {
        match read {
            Ok(r) => Found::of(r.relevance),
            // Read again by `gather`, which reports it.
            Err(LoadError::Decode { .. }) => Found::Relevant,
            Err(LoadError::Io { display, message }) => Found::Unreadable(RunError {
                path: display,
                message,
            }),
        }
    }
}

/// The walk's Python files in path order (`Path::cmp`), each once, with what each is. A sorted
/// vector rather than a map: the walk gives its files sorted, so this costs nothing to make,
/// where a `BTreeMap` sorts them again comparing paths component by component (1.5 ms on the
/// benchmark corpus, after the walk, on one core); a lookup is a binary search.
#[derive(Clone, Debug, Default)]
pub(crate) struct FoundFiles(Vec<(PathBuf, Found)>);

impl FoundFiles {
    /// `files` as the walk gives them: sorted, each once (`discover::Walked`).
    pub(crate) fn from_walk(files: Vec<(PathBuf, Found)>) -> FoundFiles {
        debug_assert!(files
            .iter()
            .zip(files.iter().skip(1))
            .all(|(a, b)| a.0 < b.0));
        FoundFiles(files)
    }

    fn position(&self, path: &Path) -> Result<usize, usize> {
        self.0.binary_search_by(|(p, _)| p.as_path().cmp(path))
    }

    pub(crate) fn get(&self, path: &Path) -> Option<&Found> {
        let at = self.position(path).ok()?;
        self.0.get(at).map(|(_, f)| f)
    }

    pub(crate) fn contains(&self, path: &Path) -> bool {
        self.position(path).is_ok()
    }

    pub(crate) fn insert(&mut self, path: PathBuf, found: Found) {
        match self.position(&path) {
            Ok(at) => {
                if let Some(slot) = self.0.get_mut(at) {
                    slot.1 = found;
                }
            }
            Err(at) => self.0.insert(at, (path, found)),
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&PathBuf, &Found)> {
        self.0.iter().map(|(p, f)| (p, f))
    }

    pub(crate) fn paths(&self) -> impl Iterator<Item = &PathBuf> {
        self.0.iter().map(|(p, _)| p)
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

/// The linted files: found by the walk, and given (`Scope::is_given`).
struct Given {
    found: Arc<FoundFiles>,
    scope: Scope,
}

impl Linted for Given {
    fn is_linted(&self, path: &Path) -> bool {
        self.found.contains(path) && self.scope.is_given(path)
    }
}

#[cfg(test)]
mod tests {
    use super::{Found, FoundFiles};
    use std::path::{Path, PathBuf};

    #[test]
    fn sorted_lookups_and_inserts() {
        let mut files = FoundFiles::from_walk(vec![
            (PathBuf::from("/p/a.py"), Found::Other),
            (PathBuf::from("/p/b/c.py"), Found::Relevant),
        ]);
        assert_eq!(files.get(Path::new("/p/b/c.py")), Some(&Found::Relevant));
        assert!(!files.contains(Path::new("/p/b.py")));
        // Path order: `/p/b/c.py` before `/p/b-c.py` (component by component).
        files.insert(PathBuf::from("/p/b-c.py"), Found::Deferred);
        files.insert(PathBuf::from("/p/a.py"), Found::Relevant);
        let all: Vec<(&PathBuf, &Found)> = files.iter().collect();
        assert_eq!(
            all,
            [
                (&PathBuf::from("/p/a.py"), &Found::Relevant),
                (&PathBuf::from("/p/b/c.py"), &Found::Relevant),
                (&PathBuf::from("/p/b-c.py"), &Found::Deferred),
            ]
        );
        assert_eq!(files.len(), 3);
    }
}
