//! Project mode: the paths given are linted with the whole project behind them. celint finds
//! the project's root above them, walks all of it (the pre-scan keeps that cheap), analyses
//! every handler as `celint ROOT` would, and reports the findings located in the given files
//! or whose trace passes through one of them.
//!
//! Without project mode (the library's default, `Settings::whole_project` off) the given paths
//! are the whole world, as they always were.

use std::path::{Path, PathBuf};

use crate::{RunError, Settings};
use celint_linter::diagnostic::{Diagnostic, FileRef, Place, TraceEntry};
use celint_project::discover;
pub use celint_project::discover::{project_root, PROJECT_MARKERS};
use celint_project::project::canonical;

/// What one run covers: the paths given, and in project mode the project around them.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The paths given (absolute, `.` and `..` folded).
    given: Vec<PathBuf>,
    /// Project mode: the project's directories (roots, configured `src`; a given path outside
    /// them as it is), none inside another.
    roots: Vec<PathBuf>,
    /// Standard input stands in for the one given file: the walk is of the project alone.
    stdin: bool,
}

impl Scope {
    pub fn new(settings: &Settings) -> Self {
        let given: Vec<PathBuf> = settings.paths.iter().map(|p| canonical(p)).collect();
        let stdin = settings.stdin.is_some();
        let mut roots = Vec::new();
        if settings.whole_project {
            // A path that does not exist has no project (its error is reported); standard
            // input's file need not exist.
            let exists: Vec<&PathBuf> = given.iter().filter(|p| stdin || p.exists()).collect();
            let found: Vec<PathBuf> = exists
                .iter()
                .filter_map(|p| project_root(p))
                .chain(
                    settings
                        .src
                        .iter()
                        .map(|s| canonical(s))
                        .filter(|s| s.is_dir()),
                )
                .collect();
            if !found.is_empty() {
                // A given path outside every project is analysed as it is.
                roots = outermost(
                    found
                        .into_iter()
                        .chain(exists.into_iter().cloned())
                        .collect(),
                );
            }
        }
        Scope {
            given,
            roots,
            stdin,
        }
    }

    pub fn project_mode(&self) -> bool {
        !self.roots.is_empty()
    }

    /// Is this (absolute) file one of those given, or in a directory given? Outside project
    /// mode everything the run reads from the walk is.
    pub fn is_given(&self, path: &Path) -> bool {
        !self.project_mode() || self.given.iter().any(|g| discover::within(path, g))
    }

    /// What the walk goes over: the given paths first (their files are the ones linted; a file
    /// is visited once, by the first walk that finds it), then the project's directories.
    pub fn walk(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = if self.stdin {
            Vec::new()
        } else {
            self.given.clone()
        };
        for r in &self.roots {
            if !out.contains(r) {
                out.push(r.clone());
            }
        }
        out
    }

    /// What the analysis is of: the paths `celint` would have been given to lint the whole
    /// project (the roots), or the given paths.
    pub fn analysed(&self) -> &[PathBuf] {
        if self.project_mode() {
            &self.roots
        } else {
            &self.given
        }
    }

    fn file_given(&self, file: &FileRef) -> bool {
        match &file.module {
            Some(m) => m.linted,
            None => self.is_given(&canonical(Path::new(&file.display))),
        }
    }

    /// Does the finding concern a given file: located in one, or its trace (or what its
    /// estimate adds up, for CEL004) passes through one? Returns that place: of the trace, the
    /// deepest call in a given file first (nearest the hazard), then the related places.
    pub fn touches(&self, d: &Diagnostic) -> Option<Place> {
        if self.file_given(&d.file) {
            return Some(Place {
                file: d.file.clone(),
                span: d.span,
            });
        }
        let trace = d.trace.iter().rev().map(|t| Place {
            file: t.file.clone(),
            span: t.span,
        });
        trace
            .chain(d.related.iter().cloned())
            .find(|p| self.file_given(&p.file))
    }

    /// In project mode, the findings that concern the given files. One located elsewhere is
    /// moved to where its trace passes through a given file, so that the first line of every
    /// output (concise, GitHub annotations) names the file that was given, pre-commit's changed
    /// helper; the trace gains the finding's own place, and a note says why it moved.
    pub fn reported(&self, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        if !self.project_mode() {
            return diagnostics;
        }
        diagnostics
            .into_iter()
            .filter_map(|d| {
                if self.file_given(&d.file) {
                    return Some(d);
                }
                let place = self.touches(&d)?;
                Some(relocate(d, place))
            })
            .collect()
    }

    /// In project mode, only the given paths' read errors: a file elsewhere in the project that
    /// cannot be read is no concern of this run.
    pub fn errors(&self, errors: Vec<RunError>) -> Vec<RunError> {
        if !self.project_mode() {
            return errors;
        }
        errors
            .into_iter()
            .filter(|e| self.is_given(&canonical(Path::new(&e.path))))
            .collect()
    }
}

/// The finding reported at `place`, in a given file. Its own place becomes the last entry of
/// its trace; its fix's edits, which are in that other file (never fixed in this run), are
/// dropped, and the note says where to fix or suppress it.
fn relocate(mut d: Diagnostic, place: Place) -> Diagnostic {
    let at = d.file.position(d.span.start);
    let origin = format!("{}:{}", d.file.display, at.row);
    d.notes.push(format!(
        "reported in {} because its trace passes through it; linting the whole project reports \
         it at {origin}, where a `# noqa` goes",
        place.file.display
    ));
    d.trace.push(TraceEntry {
        file: d.file.clone(),
        span: d.span,
        note: "where the finding is".to_string(),
    });
    if d.fix.as_ref().is_some_and(|f| !f.edits.is_empty()) {
        d.fix = None;
    }
    d.file = place.file;
    d.span = place.span;
    d
}

/// The directories, each once, leaving out any inside another.
fn outermost(mut dirs: Vec<PathBuf>) -> Vec<PathBuf> {
    dirs.sort();
    dirs.dedup();
    let all = dirs.clone();
    dirs.retain(|d| !all.iter().any(|o| o != d && d.starts_with(o)));
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outermost_directories() {
        let dirs = vec![
            PathBuf::from("/p/a"),
            PathBuf::from("/p"),
            PathBuf::from("/q"),
            PathBuf::from("/p"),
            PathBuf::from("/pa"),
        ];
        assert_eq!(
            outermost(dirs),
            vec![
                PathBuf::from("/p"),
                PathBuf::from("/pa"),
                PathBuf::from("/q")
            ]
        );
    }

    #[test]
    fn given_paths_outside_the_project_are_analysed_as_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let top = canonical(dir.path());
        for d in ["app", "lib", "proj/pkg"] {
            std::fs::create_dir_all(top.join(d)).unwrap();
        }
        std::fs::write(top.join("proj/setup.py"), "").unwrap();
        let mut settings = Settings::new(vec![top.join("app"), top.join("proj/pkg")]);
        settings.src = vec![top.join("lib")];
        settings.whole_project = true;
        let scope = Scope::new(&settings);
        let expected = [top.join("app"), top.join("lib"), top.join("proj")];
        assert_eq!(scope.analysed(), expected);
        assert_eq!(
            scope.walk(),
            [
                top.join("app"),
                top.join("proj/pkg"),
                top.join("lib"),
                top.join("proj")
            ]
        );
        assert!(scope.is_given(&top.join("proj/pkg/x.py")));
        assert!(!scope.is_given(&top.join("proj/x.py")));
        // Without project mode the given paths are all there is.
        settings.whole_project = false;
        let scope = Scope::new(&settings);
        assert!(!scope.project_mode());
        assert_eq!(scope.analysed(), [top.join("app"), top.join("proj/pkg")]);
        assert!(scope.is_given(&top.join("proj/x.py")));
    }

    #[test]
    fn project_root_is_the_nearest_marked_directory() {
        let dir = tempfile::tempdir().unwrap();
        let top = canonical(dir.path());
        std::fs::create_dir_all(top.join("a/b")).unwrap();
        std::fs::write(top.join("setup.cfg"), "").unwrap();
        std::fs::write(top.join("a/b/x.py"), "").unwrap();
        assert_eq!(project_root(&top.join("a/b/x.py")), Some(top.clone()));
        assert_eq!(project_root(&top.join("a/b/new.py")), Some(top.clone()));
        std::fs::write(top.join("a/pyproject.toml"), "").unwrap();
        assert_eq!(project_root(&top.join("a/b")), Some(top.join("a")));
        assert_eq!(project_root(&top.join("a")), Some(top.join("a")));
    }
}
