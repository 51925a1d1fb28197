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
pub mod celery_config;
pub mod checker;
pub mod cli;
pub mod commands;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod effects;
pub mod facts;
pub mod fix;
pub mod handlers;
pub mod invariants;
pub mod noqa;
pub mod prescan;
pub mod project;
pub mod render;
pub mod resolve;
pub mod rules;
pub mod source;
pub mod syntax;
pub mod write;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use crate::diagnostic::Diagnostic;
use crate::project::{LoadError, ModuleData, Project};
use crate::rules::cel000_syntax_error::{decode_diagnostic, parse_diagnostic};
use crate::rules::Rule;

/// What a run is asked to do: the command line and the configuration, resolved.
#[derive(Clone)]
pub struct Settings {
    pub paths: Vec<PathBuf>,
    /// Rule selection from the command line; each file's configuration comes first.
    pub selection: config::CliSelection,
    pub configs: Arc<config::Configs>,
    pub proc_alive_timeout: Option<f64>,
    pub extra_blocking: Vec<String>,
    /// Extra source roots (`src` in the configuration).
    pub src: Vec<PathBuf>,
    pub excludes: discover::Excludes,
    /// `--stdin-filename`: this file's source is given, not read.
    pub stdin: Option<(PathBuf, String)>,
    /// Parse only the files that can matter (see `prescan.rs`). Off only to prove that it
    /// loses nothing.
    pub prescan: bool,
    /// Do not free the project's memory at the end of the run (the process is about to exit).
    pub leak_at_exit: bool,
    /// Threads for walking and parsing (default: `RAYON_NUM_THREADS`, else one per core).
    pub threads: Option<usize>,
}

impl Settings {
    /// Defaults for `paths`: every default rule, no configuration file.
    pub fn new(paths: Vec<PathBuf>) -> Self {
        Settings {
            paths,
            selection: config::CliSelection::default(),
            configs: Arc::new(config::Configs::new(None, true)),
            proc_alive_timeout: None,
            extra_blocking: Vec::new(),
            src: Vec::new(),
            excludes: discover::Excludes::default(),
            stdin: None,
            prescan: true,
            leak_at_exit: false,
            threads: None,
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
}

/// Parsing and analysis recurse over syntax trees; deeply nested input needs a deep stack.
pub const STACK_SIZE: usize = 256 * 1024 * 1024;

/// Texts that stand in for files on disk (fixes applied in memory, standard input).
pub type Overlay = HashMap<PathBuf, String>;

pub fn run(settings: &Settings) -> Report {
    run_with(settings, &Overlay::new())
}

pub fn run_with(settings: &Settings, overlay: &Overlay) -> Report {
    let t0 = std::time::Instant::now();
    let timing = std::env::var_os("CELINT_TIMING").is_some();
    let lap = |what: &str| {
        if timing {
            eprintln!("{what}: {:?}", t0.elapsed());
        }
    };
    let mut overlay = overlay.clone();
    if let Some((path, text)) = &settings.stdin {
        overlay
            .entry(project::canonical(path))
            .or_insert_with(|| text.clone());
    }
    let overlay = &overlay;
    let display = |p: &Path| p.to_string_lossy().into_owned();
    // Parsing runs on threads with deep stacks (nested input recurses), as the walker's threads
    // find relevant files: reading, pre-scanning and parsing overlap.
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(64 * 1024 * 1024)
        .num_threads(settings.threads.unwrap_or(0))
        .build()
        .ok();
    let parsed: Mutex<Vec<(PathBuf, Result<ModuleData, LoadError>)>> = Mutex::new(Vec::new());
    let parse_one = |p: &Path, bytes: &[u8]| -> Result<ModuleData, LoadError> {
        match overlay
            .get(&project::canonical(p))
            .filter(|_| !overlay.is_empty())
        {
            Some(text) => Ok(project::from_source(
                source::SourceFile::new(display(p), p.to_path_buf(), text.clone()),
                project::module_path_or_stem(p),
                true,
            )),
            None => project::decode_and_parse(p, display(p), true, bytes),
        }
    };
    let keep = |path: PathBuf, m: Result<ModuleData, LoadError>| {
        parsed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((path, m));
    };
    // Walks the paths; each relevant file is handed to `spawn` to be parsed.
    let walk = |spawn: &(dyn Fn(PathBuf, Vec<u8>) + Sync)| {
        discover::discover_each(
            &settings.paths,
            &settings.excludes,
            settings.threads,
            &|p: &Path| {
                let read = project::read_file(p, &display(p), settings.prescan)?;
                if read.relevance != prescan::Relevance::Matters {
                    return Ok(read);
                }
                spawn(p.to_path_buf(), read.bytes);
                Ok(project::Read {
                    bytes: Vec::new(),
                    relevance: prescan::Relevance::Matters,
                })
            },
        )
    };
    let (read, walk_errors) = match (&settings.stdin, &pool) {
        (Some((path, _)), _) => {
            let excluded = settings.excludes.force && settings.excludes.is_excluded(path);
            let mut entries = Vec::new();
            if !excluded {
                keep(path.clone(), parse_one(path, &[]));
                let r = Ok(project::Read {
                    bytes: Vec::new(),
                    relevance: prescan::Relevance::Matters,
                });
                entries.push((path.clone(), r));
            }
            (entries, Vec::new())
        }
        (None, Some(pool)) => pool.scope(|scope| {
            let (parse_one, keep) = (&parse_one, &keep);
            walk(&|path: PathBuf, bytes: Vec<u8>| {
                scope.spawn(move |_| keep(path.clone(), parse_one(&path, &bytes)));
            })
        }),
        // No pool could be made: parse on the walker's threads.
        (None, None) => {
            walk(&|path: PathBuf, bytes: Vec<u8>| keep(path.clone(), parse_one(&path, &bytes)))
        }
    };
    let mut errors: Vec<RunError> = walk_errors
        .into_iter()
        .map(|e| RunError {
            path: e.path.to_string_lossy().into_owned(),
            message: e.message,
        })
        .collect();
    let files: Vec<PathBuf> = read.iter().map(|(p, _)| p.clone()).collect();
    let mut deferred = Vec::new();
    let mut diagnostics = Vec::new();
    for (path, result) in read {
        match result {
            Ok(r) if r.relevance == prescan::Relevance::MayConnect => {
                deferred.push((path, r.bytes))
            }
            Ok(_) => {}
            Err(LoadError::Io { display, message }) => errors.push(RunError {
                path: display,
                message,
            }),
            Err(LoadError::Decode { .. }) => {}
        }
    }
    // In path order, whatever order the threads finished in: module ids, and so which trace a
    // finding keeps, do not depend on scheduling.
    let mut parsed = parsed.into_inner().unwrap_or_else(|e| e.into_inner());
    parsed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut modules = Vec::new();
    for (_, result) in parsed {
        match result {
            Ok(m) => modules.push(m),
            Err(LoadError::Io { display, message }) => errors.push(RunError {
                path: display,
                message,
            }),
            // A file that cannot matter is not reported, with or without the pre-scan.
            Err(LoadError::Decode { matters: false, .. }) => {}
            Err(LoadError::Decode { display, error, .. }) => {
                diagnostics.push(decode_diagnostic(display, &error))
            }
        }
    }
    lap("parse");
    let extra_roots: Vec<PathBuf> = settings
        .paths
        .iter()
        .filter(|p| p.is_dir())
        .chain(settings.src.iter())
        .cloned()
        .collect();
    let linted_paths = files.iter().map(|f| project::canonical(f)).collect();
    let project = Project::new(modules, &extra_roots, overlay.clone(), linted_paths);
    // Files deferred by the pre-scan matter if they name a signal by an alias defined in a
    // module that matters (`WPI = worker_process_init` in `proj/sigs.py`).
    let analyzer = effects::Analyzer::new(&project, settings.extra_blocking.clone());
    if !deferred.is_empty() {
        let names = handlers::signal_aliases(&project.modules());
        let aliases = prescan::Aliases::new(&names);
        for (path, _) in deferred.into_iter().filter(|_| !names.is_empty()) {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            if aliases.named_in(&bytes) {
                match project::decode_and_parse(
                    &path,
                    path.to_string_lossy().into_owned(),
                    true,
                    &bytes,
                ) {
                    Ok(m) => {
                        project.add(m);
                    }
                    Err(LoadError::Decode {
                        display,
                        error,
                        matters: true,
                    }) => diagnostics.push(decode_diagnostic(display, &error)),
                    Err(_) => {}
                }
            }
        }
    }
    let linted: Vec<Rc<ModuleData>> = project.modules();
    lap("deferred");
    // Command lines (Procfile, Dockerfile, compose, systemd) are looked for in the directories
    // given and at the top of the project they are in.
    let mut command_roots = extra_roots.clone();
    for p in &settings.paths {
        if let Some(top) = discover::project_top(p) {
            command_roots.push(top);
        }
    }
    diagnostics.extend(checker::check(
        &analyzer,
        &linted,
        settings.proc_alive_timeout,
        &command_roots,
    ));
    lap("check");
    if timing {
        let all = project.modules();
        let bytes: usize = all.iter().map(|m| m.source.text.len()).sum();
        eprintln!(
            "modules read: {} ({} bytes), linted parsed: {}",
            all.len(),
            bytes,
            all.iter().filter(|m| m.linted).count()
        );
    }
    // Syntax errors of the linted files that matter: those that name what celint reads, and
    // those a handler's calls lead into. The same with or without the pre-scan.
    let linted: Vec<Rc<ModuleData>> = project.modules().into_iter().filter(|m| m.linted).collect();
    for m in &linted {
        let matters = analyzer.reached(m.id) || prescan::may_matter(m.source.text.as_bytes());
        if !matters {
            continue;
        }
        diagnostics.extend(parse_diagnostic(m));
    }
    let diagnostics = noqa::filter(diagnostics, &linted, &|p| settings.rules_for(p));
    lap("filter");
    if settings.leak_at_exit {
        // The command line exits right after printing: freeing every syntax tree one node at
        // a time would only delay that (by about a tenth of the run on a large corpus).
        std::mem::forget(linted);
        std::mem::forget(analyzer);
        std::mem::forget(project);
    }
    Report {
        diagnostics,
        errors,
        files: files.len(),
    }
}

/// Lints one file's bytes in memory, with nothing read from disk (imports outside it are not
/// followed): the whole pipeline from decoding to findings, every rule on. For fuzzing and
/// property tests.
pub fn check_source(name: &str, bytes: &[u8]) -> Vec<Diagnostic> {
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
    let module = project::from_source(source, mp, true);
    let project = Project::isolated(vec![module]);
    let analyzer = effects::Analyzer::new(&project, Vec::new());
    let linted = project.modules();
    let mut out = checker::check(&analyzer, &linted, None, &[]);
    out.extend(linted.iter().filter_map(parse_diagnostic));
    out.sort_by_cached_key(|d| d.sort_key());
    out
}
