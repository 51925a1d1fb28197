//! The pipeline, one stage a function, each reading only what the stages before it produced:
//!
//! collect (walk, read, pre-scan; relevant files handed to parse as they are found; the engine's
//! first check only) -> gather (the relevant files' parses, from the store or parsed now)
//! -> expand signal aliases (deferred files that name one) -> analyse (handlers, effects,
//! rules) -> syntax errors (CEL000) -> suppress (`# noqa`, selection, CEL100).
//!
//! After `collect`, files are read only by the loader (`loader.rs`) and `gather`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::files::{Files, Found, FoundFiles};
use crate::scope::Scope;
use crate::{Report, RunError, Settings};
use celint_analysis::effects::Analyzer;
use celint_analysis::handlers;
use celint_linter::diagnostic::Diagnostic;
use celint_linter::rules::cel000_syntax_error::{decode_diagnostic, parse_diagnostic};
use celint_linter::{checker, noqa};
use celint_project::discover;
use celint_project::loader::Overlay;
use celint_project::loader::{self, LoadError, Loader, Read};
use celint_project::prescan::{self, Relevance};
use celint_project::project::{self, ModuleData, Project};
use celint_project::store::Store;
use celint_syntax::source::display_path;

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

/// The files the walk records besides Python's: deployment files (`celery` command lines) and
/// dependency files (the Celery version).
pub(crate) fn noted(name: &str) -> bool {
    celint_analysis::celery_config::is_command_file(name)
        || celint_analysis::celery_version::is_dependency_file(name)
}

/// What one check needs that outlives it (the engine's).
pub(crate) struct Run<'a> {
    pub(crate) settings: &'a Settings,
    pub(crate) scope: &'a Scope,
    pub(crate) overlay: &'a Overlay,
    pub(crate) store: &'a Arc<Store>,
    pub(crate) pool: Option<&'a Arc<rayon::ThreadPool>>,
}

/// What a check gives: the report, and every file the analysis read (a later change to
/// another file cannot change the report).
pub(crate) struct Checked {
    pub(crate) report: Report,
    pub(crate) read: HashSet<PathBuf>,
}

/// One check of the project as `files` describe it, on the calling thread (which needs a deep
/// stack: see `crate::STACK_SIZE`). Parses what the store does not hold.
pub(crate) fn check(run: &Run, files: &Files) -> Checked {
    let timing = Timing::new();
    let Run {
        settings,
        scope,
        overlay,
        store,
        pool,
    } = *run;
    let (modules, mut diagnostics, mut errors) = gather(run, files);
    timing.lap("gather");
    let extra_roots = extra_roots(settings, scope);
    let roots = project::source_roots(&modules, &extra_roots);
    let loader = Loader::new(
        roots,
        overlay.clone(),
        files.linted(scope),
        pool.cloned(),
        Arc::clone(store),
    )
    .with_walk_index(files.index.clone());
    let project = Project::new(modules, Arc::new(loader));
    let deferred = files
        .found
        .iter()
        .filter(|(_, f)| **f == Found::Deferred)
        .map(|(p, _)| p.clone())
        .collect();
    diagnostics.extend(expand_aliases(&project, scope, deferred));
    timing.lap("deferred");
    let analyzer = Analyzer::new(&project, settings.extra_blocking.clone());
    let (found, worker) = analyse(&analyzer, settings, scope, &extra_roots);
    diagnostics.extend(found);
    timing.lap("check");
    print_counts(&timing, &project);
    let all = project.modules();
    let read = all.iter().map(|m| m.source.path.clone()).collect();
    let linted: Vec<Arc<ModuleData>> = all.into_iter().filter(|m| m.linted).collect();
    diagnostics.extend(syntax_errors(&analyzer, &linted));
    // Suppression sees every finding of the project (a `# noqa` used by a finding reported for
    // another file is used); then only what concerns the given files is kept.
    let diagnostics = scope.reported(suppress(diagnostics, &linted, settings));
    timing.lap("filter");
    errors.extend(files.errors.iter().cloned());
    let report = Report {
        diagnostics,
        errors: scope.errors(errors),
        files: files.given,
        worker,
    };
    Checked { report, read }
}

/// The relevant files as modules, in path order: the store's parses, and those it does not hold
/// read and parsed now (and kept). CEL000 for a relevant file that cannot be decoded.
fn gather(run: &Run, files: &Files) -> (Vec<ModuleData>, Vec<Diagnostic>, Vec<RunError>) {
    let mut modules = Vec::new();
    let mut diagnostics = Vec::new();
    let mut errors = Vec::new();
    for (path, found) in files.found.iter() {
        let given = run.scope.is_given(path);
        match found {
            Found::Relevant => {}
            Found::Unreadable(e) => {
                errors.push(e.clone());
                continue;
            }
            Found::Deferred | Found::Other => continue,
        }
        if let Some(file) = run.store.file(path) {
            modules.push(ModuleData::new(file, given));
            continue;
        }
        let bytes = if run.overlay.contains_key(path) {
            Vec::new()
        } else {
            match std::fs::read(path) {
                Ok(b) => b,
                Err(e) => {
                    errors.push(RunError {
                        path: display_path(path),
                        message: discover::io_message(&e),
                    });
                    continue;
                }
            }
        };
        match loader::parse_found(path, &bytes, run.overlay, given) {
            Ok(m) => {
                run.store.keep(path.clone(), Arc::clone(&m.file));
                modules.push(m);
            }
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
    (modules, diagnostics, errors)
}

/// The overlay with standard input's text for `--stdin-filename`.
pub(crate) fn with_stdin(settings: &Settings, overlay: &Overlay) -> Overlay {
    let mut overlay = overlay.clone();
    if let Some((path, text)) = &settings.stdin {
        overlay
            .entry(project::canonical(path))
            .or_insert_with(|| text.clone());
    }
    overlay
}

/// The directories analysed (those given, or the project's) and the configured source roots.
fn extra_roots(settings: &Settings, scope: &Scope) -> Vec<PathBuf> {
    scope
        .analysed()
        .iter()
        .filter(|p| p.is_dir())
        .chain(settings.src.iter())
        .cloned()
        .collect()
}

type Parsed = Mutex<Vec<(PathBuf, Result<ModuleData, LoadError>)>>;

/// Walks the paths, reads and pre-scans each file on the walker's threads, and hands each
/// relevant one to `parse` on the pool as it is found: reading, pre-scanning and parsing
/// overlap; the parses go to the store. Standard input stands in for its file, which the walk
/// (of the project, in project mode; of nothing otherwise) then leaves out.
pub(crate) fn collect(run: &Run) -> Files {
    let Run {
        settings,
        scope,
        overlay,
        store,
        pool,
    } = *run;
    let parsed: Parsed = Mutex::new(Vec::new());
    let mut walk_paths = scope.walk();
    let stdin = settings.stdin.as_ref().map(|(p, _)| project::canonical(p));
    let stdin_excluded = stdin
        .as_ref()
        .is_some_and(|p| settings.excludes.force_excluded(p));
    if stdin_excluded {
        walk_paths.clear();
    }
    let walk = Walk {
        settings,
        scope,
        paths: &walk_paths,
        skip: stdin.as_deref(),
    };
    let walked = match pool {
        Some(pool) => pool.scope(|s| {
            walk.run(&|path: PathBuf, bytes: Vec<u8>, given: bool| {
                let parsed = &parsed;
                s.spawn(move |_| parse(parsed, path, &bytes, overlay, given));
            })
        }),
        // No pool could be made: parse on the walker's threads.
        None => walk.run(&|path: PathBuf, bytes: Vec<u8>, given: bool| {
            parse(&parsed, path, &bytes, overlay, given)
        }),
    };
    let discover::Walked {
        files: read,
        errors: walk_errors,
        index,
    } = walked;
    // In the walk's order (sorted): kept as it comes.
    let found = read
        .into_iter()
        .filter(|(path, _)| Some(path) != stdin.as_ref())
        .map(|(path, result)| (path, Found::of_read(result)))
        .collect();
    let mut found = FoundFiles::from_walk(found);
    if let Some(path) = stdin.filter(|_| !stdin_excluded) {
        found.insert(path, Found::Relevant);
    }
    // Only what parsed goes to the store; `gather` reads a file that did not again and reports it.
    for (path, result) in parsed.into_inner().unwrap_or_else(|e| e.into_inner()) {
        if let Ok(m) = result {
            store.keep(path, m.file);
        }
    }
    let errors = walk_errors
        .into_iter()
        .map(|e| RunError {
            path: display_path(&e.path),
            message: e.message,
        })
        .collect();
    Files::new(found, scope, errors, index)
}

/// One walk of the paths (absolute, so that a file found twice is seen as one).
struct Walk<'a> {
    settings: &'a Settings,
    scope: &'a Scope,
    paths: &'a [PathBuf],
    /// Standard input's file: its text is not read from disk.
    skip: Option<&'a Path>,
}

impl Walk<'_> {
    /// Each file that matters is handed to `spawn` with its bytes, and whether it was given.
    fn run(
        &self,
        spawn: &(dyn Fn(PathBuf, Vec<u8>, bool) + Sync),
    ) -> discover::Walked<Result<Read, LoadError>> {
        let settings = self.settings;
        discover::discover_each(
            self.paths,
            &settings.excludes,
            settings.threads,
            noted,
            &|p: &Path, regular: bool| {
                if Some(p) == self.skip {
                    let bytes = Vec::new();
                    return Ok(Read {
                        bytes,
                        relevance: Relevance::No,
                    });
                }
                let read = loader::read_found(p, settings.prescan, regular)?;
                if read.relevance != Relevance::Matters {
                    return Ok(read);
                }
                spawn(p.to_path_buf(), read.bytes, self.scope.is_given(p));
                Ok(Read {
                    bytes: Vec::new(),
                    relevance: Relevance::Matters,
                })
            },
        )
    }
}

/// Decodes and parses one relevant file.
fn parse(parsed: &Parsed, path: PathBuf, bytes: &[u8], overlay: &Overlay, given: bool) {
    let m = loader::parse_found(&path, bytes, overlay, given);
    parsed
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((path, m));
}

/// Files deferred by the pre-scan matter if they name a signal by an alias defined in a module
/// that matters (`WPI = worker_process_init` in `proj/sigs.py`): those are parsed and added.
/// Returns CEL000 for the ones that cannot be decoded.
fn expand_aliases(project: &Project, scope: &Scope, deferred: Vec<PathBuf>) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    if deferred.is_empty() {
        return diagnostics;
    }
    let names = handlers::signal_aliases(&project.modules());
    if names.is_empty() {
        return diagnostics;
    }
    let aliases = prescan::Aliases::new(&names);
    let store = project.loader().store();
    for path in deferred {
        let names_one = match store.names_alias(&names, &path) {
            Some(known) => known,
            None => {
                let Some(bytes) = project.loader().read_bytes(&path) else {
                    continue;
                };
                let named = aliases.named_in(&bytes);
                store.keep_names_alias(&names, path.clone(), named);
                named
            }
        };
        if !names_one {
            continue;
        }
        let given = scope.is_given(&path);
        if let Some(file) = store.file(&path) {
            project.add(ModuleData::new(file, given));
            continue;
        }
        let Some(bytes) = project.loader().read_bytes(&path) else {
            continue;
        };
        match loader::parse_found(&path, &bytes, project.loader().overlay(), given) {
            Ok(m) => {
                store.keep(path.clone(), Arc::clone(&m.file));
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

/// The rules over every handler of the modules parsed (in project mode, the whole project's).
/// Command lines (Procfile, Dockerfile, compose, systemd) are looked for in the directories
/// analysed and at the top of the project.
fn analyse(
    analyzer: &Analyzer,
    settings: &Settings,
    scope: &Scope,
    extra_roots: &[PathBuf],
) -> (Vec<Diagnostic>, Option<String>) {
    let mut command_roots = extra_roots.to_vec();
    for p in scope.analysed() {
        if let Some(top) = discover::project_top(p) {
            command_roots.push(top);
        }
    }
    let linted = analyzer.project().modules();
    checker::check(
        analyzer,
        &linted,
        settings.proc_alive_timeout.as_ref(),
        settings.celery_version.as_ref(),
        &command_roots,
        settings.show_worker,
    )
}

/// CEL000 for the linted files that matter: those that name what celint reads, and those a
/// handler's calls lead into. The same with or without the pre-scan.
fn syntax_errors(analyzer: &Analyzer, linted: &[Arc<ModuleData>]) -> Vec<Diagnostic> {
    // The pre-scan only for a file with an error: it reads the whole text.
    linted
        .iter()
        .filter_map(|m| {
            let d = parse_diagnostic(m)?;
            (analyzer.reached(m.id) || m.may_matter()).then_some(d)
        })
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
