//! The pipeline, one stage a function, each reading only what the stages before it produced:
//!
//! collect (walk, read, pre-scan; relevant files handed to parse as they are found) -> parse
//! -> expand signal aliases (deferred files that name one) -> analyse (handlers, effects,
//! rules) -> syntax errors (CEL000) -> suppress (`# noqa`, selection, CEL100).
//!
//! After `collect`, files are read only by the loader (`loader.rs`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::diagnostic::Diagnostic;
use crate::effects::Analyzer;
use crate::loader::{self, LoadError, Loader, Read};
use crate::prescan::{self, Relevance};
use crate::project::{self, ModuleData, Project};
use crate::rules::cel000_syntax_error::{decode_diagnostic, parse_diagnostic};
use crate::{checker, discover, handlers, noqa, Overlay, Report, RunError, Settings};

/// Prints how long each stage took (`CELINT_TIMING=1`).
struct Timing {
    start: std::time::Instant,
    on: bool,
}

impl Timing {
    fn new() -> Self {
        Timing {
            start: std::time::Instant::now(),
            on: std::env::var_os("CELINT_TIMING").is_some(),
        }
    }

    fn lap(&self, what: &str) {
        if self.on {
            eprintln!("{what}: {:?}", self.start.elapsed());
        }
    }
}

/// The whole run, on the calling thread (which needs a deep stack: see `crate::STACK_SIZE`).
pub fn run(settings: &Settings, overlay: &Overlay) -> Report {
    let timing = Timing::new();
    let overlay = with_stdin(settings, overlay);
    // Parsing runs on threads with deep stacks (nested input recurses); the same pool later
    // loads the modules handlers' calls reach, ahead of the analysis.
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(64 * 1024 * 1024)
        .num_threads(settings.threads.unwrap_or(0))
        .build()
        .ok()
        .map(Arc::new);
    let collected = collect(settings, &overlay, pool.as_deref());
    timing.lap("parse");
    let Collected {
        files,
        modules,
        deferred,
        errors,
        mut diagnostics,
    } = collected;
    let extra_roots = extra_roots(settings);
    let roots = project::source_roots(&modules, &extra_roots);
    let linted_paths = files.iter().map(|f| project::canonical(f)).collect();
    let loader = Loader::new(roots, overlay, linted_paths, pool);
    let project = Project::new(modules, Arc::new(loader));
    diagnostics.extend(expand_aliases(&project, deferred));
    timing.lap("deferred");
    let analyzer = Analyzer::new(&project, settings.extra_blocking.clone());
    diagnostics.extend(analyse(&analyzer, settings, &extra_roots));
    timing.lap("check");
    print_counts(&timing, &project);
    let linted: Vec<Arc<ModuleData>> = project.modules().into_iter().filter(|m| m.linted).collect();
    diagnostics.extend(syntax_errors(&analyzer, &linted));
    let diagnostics = suppress(diagnostics, &linted, settings);
    timing.lap("filter");
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

/// The overlay with standard input's text for `--stdin-filename`.
fn with_stdin(settings: &Settings, overlay: &Overlay) -> Overlay {
    let mut overlay = overlay.clone();
    if let Some((path, text)) = &settings.stdin {
        overlay
            .entry(project::canonical(path))
            .or_insert_with(|| text.clone());
    }
    overlay
}

/// The directories given on the command line and the configured source roots.
fn extra_roots(settings: &Settings) -> Vec<PathBuf> {
    settings
        .paths
        .iter()
        .filter(|p| p.is_dir())
        .chain(settings.src.iter())
        .cloned()
        .collect()
}

/// What discovery gave: every file found, the relevant ones parsed (in path order), the ones
/// that matter only if they name a signal alias, and what could not be read.
struct Collected {
    files: Vec<PathBuf>,
    modules: Vec<ModuleData>,
    deferred: Vec<PathBuf>,
    errors: Vec<RunError>,
    /// CEL000 for relevant files that could not be decoded.
    diagnostics: Vec<Diagnostic>,
}

type Parsed = Mutex<Vec<(PathBuf, Result<ModuleData, LoadError>)>>;

/// Walks the paths, reads and pre-scans each file on the walker's threads, and hands each
/// relevant one to `parse` on the pool as it is found: reading, pre-scanning and parsing
/// overlap. Standard input stands in for the walk when it is given.
fn collect(settings: &Settings, overlay: &Overlay, pool: Option<&rayon::ThreadPool>) -> Collected {
    let parsed: Parsed = Mutex::new(Vec::new());
    let (read, walk_errors) = match (&settings.stdin, pool) {
        (Some((path, _)), _) => {
            let excluded = settings.excludes.force_excluded(path);
            let mut entries = Vec::new();
            if !excluded {
                parse(&parsed, path.clone(), &[], overlay);
                let read = Read {
                    bytes: Vec::new(),
                    relevance: Relevance::Matters,
                };
                entries.push((path.clone(), Ok(read)));
            }
            (entries, Vec::new())
        }
        (None, Some(pool)) => pool.scope(|scope| {
            walk(settings, &|path: PathBuf, bytes: Vec<u8>| {
                let parsed = &parsed;
                scope.spawn(move |_| parse(parsed, path, &bytes, overlay));
            })
        }),
        // No pool could be made: parse on the walker's threads.
        (None, None) => walk(settings, &|path: PathBuf, bytes: Vec<u8>| {
            parse(&parsed, path, &bytes, overlay)
        }),
    };
    let mut out = Collected {
        files: read.iter().map(|(p, _)| p.clone()).collect(),
        modules: Vec::new(),
        deferred: Vec::new(),
        errors: walk_errors
            .into_iter()
            .map(|e| RunError {
                path: e.path.to_string_lossy().into_owned(),
                message: e.message,
            })
            .collect(),
        diagnostics: Vec::new(),
    };
    for (path, result) in read {
        match result {
            Ok(r) if r.relevance == Relevance::MayConnect => out.deferred.push(path),
            Ok(_) | Err(LoadError::Decode { .. }) => {}
            Err(LoadError::Io { display, message }) => out.errors.push(RunError {
                path: display,
                message,
            }),
        }
    }
    // In path order, whatever order the threads finished in: module ids, and so which trace a
    // finding keeps, do not depend on scheduling.
    let mut parsed = parsed.into_inner().unwrap_or_else(|e| e.into_inner());
    parsed.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, result) in parsed {
        match result {
            Ok(m) => out.modules.push(m),
            Err(LoadError::Io { display, message }) => out.errors.push(RunError {
                path: display,
                message,
            }),
            // A file that cannot matter is not reported, with or without the pre-scan.
            Err(LoadError::Decode { matters: false, .. }) => {}
            Err(LoadError::Decode { display, error, .. }) => {
                out.diagnostics.push(decode_diagnostic(display, &error))
            }
        }
    }
    out
}

type Found = Vec<(PathBuf, Result<Read, LoadError>)>;

/// Walks the paths; each file that matters is handed to `spawn` with its bytes.
fn walk(
    settings: &Settings,
    spawn: &(dyn Fn(PathBuf, Vec<u8>) + Sync),
) -> (Found, Vec<discover::DiscoverError>) {
    discover::discover_each(
        &settings.paths,
        &settings.excludes,
        settings.threads,
        &|p: &Path| {
            let display = p.to_string_lossy();
            let read = loader::read_found(p, &display, settings.prescan)?;
            if read.relevance != Relevance::Matters {
                return Ok(read);
            }
            spawn(p.to_path_buf(), read.bytes);
            Ok(Read {
                bytes: Vec::new(),
                relevance: Relevance::Matters,
            })
        },
    )
}

/// Decodes and parses one relevant file.
fn parse(parsed: &Parsed, path: PathBuf, bytes: &[u8], overlay: &Overlay) {
    let m = loader::parse_found(&path, bytes, overlay, true);
    parsed
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((path, m));
}

/// Files deferred by the pre-scan matter if they name a signal by an alias defined in a module
/// that matters (`WPI = worker_process_init` in `proj/sigs.py`): those are parsed and added.
/// Returns CEL000 for the ones that cannot be decoded.
fn expand_aliases(project: &Project, deferred: Vec<PathBuf>) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    if deferred.is_empty() {
        return diagnostics;
    }
    let names = handlers::signal_aliases(&project.modules());
    if names.is_empty() {
        return diagnostics;
    }
    let aliases = prescan::Aliases::new(&names);
    for path in deferred {
        let Some(bytes) = project.loader().read_bytes(&path) else {
            continue;
        };
        if !aliases.named_in(&bytes) {
            continue;
        }
        match loader::parse_found(&path, &bytes, project.loader().overlay(), true) {
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
    diagnostics
}

/// The rules over every handler of the linted modules. Command lines (Procfile, Dockerfile,
/// compose, systemd) are looked for in the directories given and at the top of the project.
fn analyse(analyzer: &Analyzer, settings: &Settings, extra_roots: &[PathBuf]) -> Vec<Diagnostic> {
    let mut command_roots = extra_roots.to_vec();
    for p in &settings.paths {
        if let Some(top) = discover::project_top(p) {
            command_roots.push(top);
        }
    }
    let linted = analyzer.project().modules();
    checker::check(
        analyzer,
        &linted,
        settings.proc_alive_timeout,
        &command_roots,
    )
}

/// CEL000 for the linted files that matter: those that name what celint reads, and those a
/// handler's calls lead into. The same with or without the pre-scan.
fn syntax_errors(analyzer: &Analyzer, linted: &[Arc<ModuleData>]) -> Vec<Diagnostic> {
    linted
        .iter()
        .filter(|m| analyzer.reached(m.id) || prescan::may_matter(m.source.text.as_bytes()))
        .filter_map(parse_diagnostic)
        .collect()
}

/// `# noqa`, rule selection and CEL100.
fn suppress(
    diagnostics: Vec<Diagnostic>,
    linted: &[Arc<ModuleData>],
    settings: &Settings,
) -> Vec<Diagnostic> {
    noqa::filter(diagnostics, linted, &|p| settings.rules_for(p))
}

fn print_counts(timing: &Timing, project: &Project) {
    if !timing.on {
        return;
    }
    let all = project.modules();
    let bytes: usize = all.iter().map(|m| m.source.text.len()).sum();
    let (ahead, taken) = project.loader().prefetch_counts();
    eprintln!(
        "modules read: {} ({} bytes), linted parsed: {}, loaded ahead: {ahead} (taken: {taken})",
        all.len(),
        bytes,
        all.iter().filter(|m| m.linted).count()
    );
}
