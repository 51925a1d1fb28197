//! celint: a linter for Celery worker life-cycle hazards in signal handlers.
//!
//! The pipeline, one way: discover files -> read and decode -> parse -> per-module facts
//! -> project index -> effect summaries -> rules -> diagnostics -> renderers.
//! See ARCHITECTURE.md for the map.

// Input must never make celint panic: no unwrap, expect or unchecked indexing outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod add_noqa;
pub mod catalog;
pub(crate) mod celery_config;
pub mod celery_version;
pub(crate) mod checker;
pub mod cli;
pub mod commands;
pub(crate) mod config;
pub mod diagnostic;
pub(crate) mod discover;
pub(crate) mod effects;
pub(crate) mod facts;
pub mod fix;
pub(crate) mod fork;
pub(crate) mod handlers;
pub mod invariants;
pub(crate) mod loader;
pub(crate) mod noqa;
mod pipeline;
pub(crate) mod prescan;
pub(crate) mod project;
pub(crate) mod render;
pub(crate) mod resolve;
pub mod rules;
pub(crate) mod scope;
pub mod source;
pub mod syntax;
pub mod worker;
pub(crate) mod write;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::project::Project;
use crate::rules::cel000_syntax_error::{decode_diagnostic, parse_diagnostic};
use crate::rules::Rule;

/// The project's public home: Cargo.toml's `repository`, the one place that names it. `None`
/// while it is unset, and then no output carries a URL of celint's (a made-up address could
/// one day lead users to someone else's code).
pub fn home() -> Option<&'static str> {
    home_from(env!("CARGO_PKG_REPOSITORY"))
}

fn home_from(repository: &'static str) -> Option<&'static str> {
    let home = repository.trim().trim_end_matches('/');
    (!home.is_empty()).then_some(home)
}

/// A `worker_proc_alive_timeout` given to celint rather than found in the project.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeoutOverride {
    pub seconds: f64,
    /// Where it was given, for notes: `--proc-alive-timeout`, or the configuration file.
    pub source: String,
}

/// What a run is asked to do: the command line and the configuration, resolved.
#[derive(Clone)]
pub struct Settings {
    pub paths: Vec<PathBuf>,
    /// Rule selection from the command line; each file's configuration comes first.
    pub selection: config::CliSelection,
    pub configs: Arc<config::Configs>,
    pub proc_alive_timeout: Option<TimeoutOverride>,
    /// The Celery versions given to celint (`--celery-version`, `celery-version`) rather than
    /// read from the project's dependency files.
    pub celery_version: Option<celery_version::Pin>,
    /// The user's blocking calls: entries from the configuration, names from both.
    pub extra_blocking: catalog::blocking::UserEntries,
    /// Extra source roots (`src` in the configuration).
    pub src: Vec<PathBuf>,
    pub excludes: discover::Excludes,
    /// `--stdin-filename`: this file's source is given, not read.
    pub stdin: Option<(PathBuf, String)>,
    /// Project mode (the command line's): the project around `paths` is analysed too, and
    /// what concerns `paths` reported (see `scope.rs`). Off: `paths` are all there is.
    pub whole_project: bool,
    /// Parse only the files that can matter (see `prescan.rs`). Off only to prove that it
    /// loses nothing.
    pub prescan: bool,
    /// Do not free the project's memory at the end of the run (the process is about to exit).
    pub leak_at_exit: bool,
    /// Threads for walking and parsing (default: `RAYON_NUM_THREADS`, else one per core).
    pub threads: Option<usize>,
    /// Describe the worker model in `Report::worker` (`--show-worker`).
    pub show_worker: bool,
}

impl Settings {
    /// Defaults for `paths`: every default rule, no configuration file.
    pub fn new(paths: Vec<PathBuf>) -> Self {
        Settings {
            paths,
            selection: config::CliSelection::default(),
            configs: Arc::new(config::Configs::new(None, true)),
            proc_alive_timeout: None,
            celery_version: None,
            extra_blocking: catalog::blocking::UserEntries::default(),
            src: Vec::new(),
            excludes: discover::Excludes::default(),
            stdin: None,
            whole_project: false,
            prescan: true,
            leak_at_exit: false,
            threads: None,
            show_worker: false,
        }
    }

    /// Checks exactly these rules.
    pub fn with_rules(mut self, rules: Vec<Rule>) -> Self {
        self.selection.select = Some(rules);
        self
    }

    /// The rules checked in `file`.
    pub fn rules_for(&self, file: &Path) -> Vec<Rule> {
        let config = match self.configs.for_file(file) {
            Ok(c) => c,
            Err(e) => {
                self.configs.record_error(format!("{e:?}"));
                None
            }
        };
        config::rules_for(file, config.as_deref(), &self.selection)
    }
}

/// A problem that is not a finding: a path that cannot be read.
#[derive(Debug, Clone)]
pub struct RunError {
    pub path: String,
    pub message: String,
}

#[derive(Debug)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub errors: Vec<RunError>,
    pub files: usize,
    /// What celint believes about the project's workers, when `Settings::show_worker` asks.
    pub worker: Option<String>,
}

/// Parsing and analysis recurse over syntax trees; deeply nested input needs a deep stack.
pub const STACK_SIZE: usize = 256 * 1024 * 1024;

/// Texts that stand in for files on disk (fixes applied in memory, standard input).
pub type Overlay = HashMap<PathBuf, String>;

pub fn run(settings: &Settings) -> Report {
    run_with(settings, &Overlay::new())
}

/// Lints what `settings` say, with `overlay`'s texts standing in for files on disk. Runs on a
/// thread of its own with a deep stack (see [`STACK_SIZE`]), so callers need none.
pub fn run_with(settings: &Settings, overlay: &Overlay) -> Report {
    on_deep_stack(|| pipeline::run(settings, overlay))
}

/// Runs `f` on a scoped thread with a [`STACK_SIZE`] stack (on this thread when no thread can
/// be made), passing a panic on to the caller.
fn on_deep_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    // Shared so that `f` can still run here when the thread cannot be spawned (the closure
    // given to the failed spawn is dropped, `f` is not).
    let cell = std::sync::Mutex::new(Some(f));
    let take = || cell.lock().unwrap_or_else(|e| e.into_inner()).take();
    let joined = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("celint-analysis".into())
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, || take().map(|f| f()))
            .ok()
            .map(|handle| handle.join())
    });
    match joined {
        Some(Ok(Some(out))) => out,
        Some(Err(panic)) => std::panic::resume_unwind(panic),
        Some(Ok(None)) | None => match take() {
            Some(f) => f(),
            None => unreachable!("`f` is taken once, by the thread or here"),
        },
    }
}

/// Lints one file's bytes in memory, with nothing read from disk (imports outside it are not
/// followed): the whole pipeline from decoding to findings, every rule on. For fuzzing and
/// property tests.
pub fn check_source(name: &str, bytes: &[u8]) -> Vec<Diagnostic> {
    on_deep_stack(|| check_source_here(name, bytes))
}

fn check_source_here(name: &str, bytes: &[u8]) -> Vec<Diagnostic> {
    let path = PathBuf::from(name);
    let source = match source::SourceFile::decode(name.to_string(), path.clone(), bytes) {
        Ok(s) => s,
        Err(e) => return vec![decode_diagnostic(name.to_string(), &e)],
    };
    let mp = discover::ModulePath {
        name: path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        is_package: false,
        root: PathBuf::new(),
    };
    let module = loader::from_source(source, mp, true);
    let project = Project::isolated(vec![module]);
    let analyzer = effects::Analyzer::new(&project, catalog::blocking::UserEntries::default());
    let linted = project.modules();
    let (mut out, _) = checker::check(&analyzer, &linted, None, None, &[], false);
    out.extend(linted.iter().filter_map(parse_diagnostic));
    out.sort_by_cached_key(|d| d.sort_key());
    out
}

#[cfg(test)]
mod home_tests {
    #[test]
    fn no_home_means_no_url() {
        assert_eq!(super::home_from(""), None);
        assert_eq!(super::home_from("  "), None);
        assert_eq!(
            super::home_from("https://example.org/celint/"),
            Some("https://example.org/celint")
        );
        // Cargo.toml sets no `repository` until the project has a real public home.
        assert_eq!(super::home(), None);
        assert_eq!(crate::rules::Rule::ShutdownBeforeReady.url(), None);
    }
}
