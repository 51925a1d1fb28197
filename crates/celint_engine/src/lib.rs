//! celint's engine: one lint run (`run`, `run_with`: the pipeline's stages, `pipeline.rs`), the
//! settings it is given (`Settings`, from the command line and `config.rs`), project mode
//! (`scope.rs`), fixes over passes (`fix_all.rs`), and what must hold for any input
//! (`invariants.rs`). The command line and the language server are its front ends.

// Input must never make celint panic: no unwrap, expect or unchecked indexing outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod config;
mod engine;
mod files;
pub mod fix_all;
pub mod invariants;
mod pipeline;
pub mod scope;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use celint_analysis::celery_config::TimeoutOverride;
use celint_analysis::{celery_version, effects};
use celint_catalog as catalog;
use celint_linter::checker;
use celint_linter::diagnostic::Diagnostic;
use celint_linter::rules::cel000_syntax_error::{decode_diagnostic, parse_diagnostic};
use celint_linter::rules::Rule;
pub use celint_project::loader::Overlay;
use celint_project::project::Project;
use celint_project::{discover, loader};
use celint_syntax::source;
pub use engine::Engine;

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunError {
    pub path: String,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub errors: Vec<RunError>,
    pub files: usize,
    /// What celint believes about the project's workers, when `Settings::show_worker` asks.
    pub worker: Option<String>,
}

impl Report {
    /// The findings by file: the canonical path of the file each is in (a file that could not
    /// be decoded: its shown path, made canonical), in report order within a file.
    pub fn by_file(self) -> std::collections::BTreeMap<PathBuf, Vec<Diagnostic>> {
        let mut out: std::collections::BTreeMap<PathBuf, Vec<Diagnostic>> = Default::default();
        for d in self.diagnostics {
            let path = match &d.file.module {
                Some(m) => celint_project::project::canonical(&m.source.path),
                None => celint_project::project::canonical(Path::new(&d.file.display)),
            };
            out.entry(path).or_default().push(d);
        }
        out
    }
}

/// Parsing and analysis recurse over syntax trees; deeply nested input needs a deep stack.
pub const STACK_SIZE: usize = 256 * 1024 * 1024;

pub fn run(settings: &Settings) -> Report {
    run_with(settings, &Overlay::new())
}

/// Lints what `settings` say, with `overlay`'s texts standing in for files on disk: an
/// [`Engine`] used once. Runs on a thread of its own with a deep stack (see [`STACK_SIZE`]), so
/// callers need none.
pub fn run_with(settings: &Settings, overlay: &Overlay) -> Report {
    let mut engine = Engine::new(settings.clone());
    for (path, text) in overlay {
        engine.set_text(path, text.clone());
    }
    let report = engine.check();
    if settings.leak_at_exit {
        // The command line exits right after printing: freeing every syntax tree one node at
        // a time would only delay that (by about a tenth of the run on a large corpus).
        std::mem::forget(engine);
    }
    report
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
