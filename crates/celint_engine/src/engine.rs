//! A project kept in memory between checks: open it with the run's settings, set or remove a
//! file's text (an editor's buffer) or say that files changed on disk, and check. Only what a
//! change can affect is done again:
//!
//! - the walk is made once (again only when files are created or deleted);
//! - each file's parse and symbols are kept in the store until its text changes;
//! - module lookups and the deployment and dependency files' texts are kept until files are
//!   created or deleted, or a file other than Python's changes;
//! - the analysis (handlers, effects, settings, worker model, rules) is run again only when a
//!   changed file is one it read, or one that can matter to it (the pre-scan's verdict before
//!   or after the change); otherwise the last report stands.
//!
//! `celint::run` is this used once. Results never depend on what was kept: a check after any
//! edits gives what a fresh engine gives on the final texts (`tests/engine.rs`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use celint_project::discover;
use celint_project::loader::{self, Overlay};
use celint_project::project::canonical;
use celint_project::store::Store;

use crate::files::{Files, Found};
use crate::pipeline::{self, Checked, Run};
use crate::scope::Scope;
use crate::{on_deep_stack, Report, Settings};

pub struct Engine {
    settings: Settings,
    scope: Scope,
    overlay: Overlay,
    store: Arc<Store>,
    pool: Option<Arc<rayon::ThreadPool>>,
    /// `None` until the first check, and after files were created or deleted: walk again.
    files: Option<Files>,
    /// Files changed since the last check (canonical paths).
    dirty: BTreeSet<PathBuf>,
    last: Option<Checked>,
}

/// What the changes since the last check call for.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum Work {
    /// Nothing the last analysis read, nor anything that can matter to it, changed.
    Nothing,
    /// Analyse again (over the kept parses).
    Analyse,
    /// Files were created or deleted: walk, and forget every parse and lookup.
    Walk,
}

impl Engine {
    /// A project to lint as `settings` say (their `paths` are the roots; in project mode the
    /// project around them is read too). Nothing is read before the first check.
    pub fn new(settings: Settings) -> Engine {
        // Parsing runs on threads with deep stacks (nested input recurses); the same pool loads
        // the modules handlers' calls reach, ahead of the analysis.
        let pool = rayon::ThreadPoolBuilder::new()
            .stack_size(64 * 1024 * 1024)
            .num_threads(settings.threads.unwrap_or(0))
            .build()
            .ok()
            .map(Arc::new);
        if let Some(pool) = &pool {
            // The analysis reads the catalogue of blocking calls (a TOML document parsed on
            // first use): parsed while the first check walks, it is not on the analysis's path.
            pool.spawn(|| {
                celint_catalog::blocking::catalogue();
            });
        }
        let overlay = pipeline::with_stdin(&settings, &Overlay::new());
        Engine {
            scope: Scope::new(&settings),
            settings,
            overlay,
            store: Store::new(),
            pool,
            files: None,
            dirty: BTreeSet::new(),
            last: None,
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// `text` stands in for the file at `path` (an editor's buffer; the file need not exist).
    pub fn set_text(&mut self, path: &Path, text: String) {
        let key = canonical(path);
        if self.overlay.get(&key) == Some(&text) {
            return;
        }
        self.overlay.insert(key.clone(), text);
        self.dirty.insert(key);
    }

    /// The file at `path` is read from disk again (the buffer was closed).
    pub fn remove_text(&mut self, path: &Path) {
        let key = canonical(path);
        if self.overlay.remove(&key).is_some() {
            self.dirty.insert(key);
        }
    }

    /// The file at `path` was changed, created or deleted on disk.
    pub fn changed_on_disk(&mut self, path: &Path) {
        self.dirty.insert(canonical(path));
    }

    /// The texts standing in for files.
    pub fn overlay(&self) -> &Overlay {
        &self.overlay
    }

    /// How many files are kept parsed.
    pub fn parsed_files(&self) -> usize {
        self.store.len()
    }

    /// Lints the project as it is now. Runs on a thread of its own with a deep stack (see
    /// [`crate::STACK_SIZE`]), so callers need none.
    pub fn check(&mut self) -> Report {
        on_deep_stack(|| self.check_here())
    }

    fn check_here(&mut self) -> Report {
        let work = self.take_changes();
        if work == Work::Walk {
            self.store.forget_layout();
            self.files = None;
        }
        let run = Run {
            settings: &self.settings,
            scope: &self.scope,
            overlay: &self.overlay,
            store: &self.store,
            pool: self.pool.as_ref(),
        };
        let files = match self.files.take() {
            Some(files) => files,
            None => {
                let start = std::time::Instant::now();
                let mut files = pipeline::collect(&run);
                if std::env::var_os("CELINT_TIMING").is_some() {
                    eprintln!(
                        "collect (walk, read, pre-scan, parse): {:?}",
                        start.elapsed()
                    );
                }
                self.add_buffers(&mut files);
                files
            }
        };
        let checked = match self.last.take() {
            Some(last) if work == Work::Nothing => last,
            _ => pipeline::check(&run, &files),
        };
        let report = checked.report.clone();
        self.files = Some(files);
        self.last = Some(checked);
        report
    }

    /// Buffers stand in for their files: the walk classified what is on disk, so each buffer
    /// of a Python file is classified again from its text, and one the walk would find but that
    /// is not on disk (a new file not saved yet) is part of the project too.
    fn add_buffers(&self, files: &mut Files) {
        let mut added = false;
        for path in self.overlay.keys() {
            if !discover::is_python_file(path) || self.settings.stdin.is_some() {
                continue;
            }
            let known = files.found.contains(path);
            if !known && !scope_walks(&self.scope, &self.settings, path) {
                continue;
            }
            if let Some(found) = classify(path, &self.overlay, &self.settings) {
                files.found_mut().insert(path.clone(), found);
                added |= !known;
            }
        }
        if added {
            files.count_given(&self.scope);
        }
    }

    /// Brings the walk's picture up to date with the changed files, forgets their parses, and
    /// says what the check must do again.
    fn take_changes(&mut self) -> Work {
        let dirty = std::mem::take(&mut self.dirty);
        let Some(files) = self.files.as_mut() else {
            return Work::Walk;
        };
        let mut work = Work::Nothing;
        let read = self.last.as_ref().map(|c| &c.read);
        for path in dirty {
            self.store.forget(&path);
            if read.is_none_or(|r| r.contains(&path)) {
                work = work.max(Work::Analyse);
            }
            if !discover::is_python_file(&path) {
                // A deployment or dependency file, or a configuration file: the searches for
                // them are made again (a configuration changes the settings: a new engine).
                // One the walk notes, created or deleted: the walk's index is stale.
                let noted = path
                    .file_name()
                    .is_some_and(|n| pipeline::noted(&n.to_string_lossy()));
                if noted && files.index.noted.binary_search(&path).is_ok() != path.is_file() {
                    work = Work::Walk;
                }
                self.store.forget_texts();
                work = work.max(Work::Analyse);
                continue;
            }
            let before = files.found.get(&path).cloned();
            let now = classify(&path, &self.overlay, &self.settings);
            match (&before, &now) {
                (None, None) => {}
                // Created or deleted: lookups and module names may change.
                (None, Some(_)) | (Some(_), None) => work = Work::Walk,
                (Some(b), Some(n)) => {
                    if *b != Found::Other || *n != Found::Other {
                        work = work.max(Work::Analyse);
                    }
                }
            }
            if let (Some(_), Some(n)) = (&before, now) {
                files.found_mut().insert(path, n);
            }
        }
        work
    }
}

/// Would the walk find a file at `path` (under the paths walked, not excluded)?
fn scope_walks(scope: &Scope, settings: &Settings, path: &Path) -> bool {
    scope.walk().iter().any(|w| path.starts_with(w)) && !settings.excludes.is_excluded(path)
}

/// What the file at `path` is now: `None` when it is neither on disk nor in the overlay.
fn classify(path: &Path, overlay: &Overlay, settings: &Settings) -> Option<Found> {
    if let Some(text) = overlay.get(path) {
        let relevance = if settings.prescan {
            celint_project::prescan::classify(text.as_bytes())
        } else {
            celint_project::prescan::Relevance::Matters
        };
        return Some(Found::of(relevance));
    }
    if !path.exists() {
        return None;
    }
    Some(Found::of_read(loader::read_found(
        path,
        settings.prescan,
        false,
    )))
}
