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
use crate::scope::Scope;
use crate::source::display_path;
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

/// The files the walk records besides Python's: deployment files (`celery` command lines) and
/// dependency files (the Celery version).
fn noted(name: &str) -> bool {
    crate::celery_config::is_command_file(name) || crate::celery_version::is_dependency_file(name)
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
    let scope = Scope::new(settings);
    let collected = collect(settings, &scope, &overlay, pool.as_deref());
    timing.lap("parse");
    let Collected {
        files,
        modules,
        deferred,
        errors,
        mut diagnostics,
        index,
    } = collected;
    let extra_roots = extra_roots(settings, &scope);
    let roots = project::source_roots(&modules, &extra_roots);
    // The walk's paths are absolute and folded already (`Scope` folds what it walks).
    let linted_paths = files
        .iter()
        .filter(|f| scope.is_given(f))
        .cloned()
        .collect();
    let loader = Loader::new(roots, overlay, linted_paths, pool).with_walk_index(index);
    let project = Project::new(modules, Arc::new(loader));
    diagnostics.extend(expand_aliases(&project, &scope, deferred));
    timing.lap("deferred");
    let analyzer = Analyzer::new(&project, settings.extra_blocking.clone());
    let (found, worker) = analyse(&analyzer, settings, &scope, &extra_roots);
    diagnostics.extend(found);
    timing.lap("check");
    print_counts(&timing, &project);
    let linted: Vec<Arc<ModuleData>> = project.modules().into_iter().filter(|m| m.linted).collect();
    diagnostics.extend(syntax_errors(&analyzer, &linted));
    // Suppression sees every finding of the project (a `# noqa` used by a finding reported for
    // another file is used); then only what concerns the given files is kept.
    let diagnostics = scope.reported(suppress(diagnostics, &linted, settings));
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
        errors: scope.errors(errors),
        files: files.iter().filter(|f| scope.is_given(f)).count(),
        worker,
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

/// What discovery gave: every file found, the relevant ones parsed (in path order), the ones
/// that matter only if they name a signal alias, and what could not be read.
struct Collected {
    files: Vec<PathBuf>,
    modules: Vec<ModuleData>,
    deferred: Vec<PathBuf>,
    errors: Vec<RunError>,
    /// CEL000 for relevant files that could not be decoded.
    diagnostics: Vec<Diagnostic>,
    /// What else the walk saw (deployment files).
    index: discover::WalkIndex,
}

type Parsed = Mutex<Vec<(PathBuf, Result<ModuleData, LoadError>)>>;

/// Walks the paths, reads and pre-scans each file on the walker's threads, and hands each
/// relevant one to `parse` on the pool as it is found: reading, pre-scanning and parsing
/// overlap. Standard input stands in for its file, which the walk (of the project, in project
/// mode; of nothing otherwise) then leaves out.
fn collect(
    settings: &Settings,
    scope: &Scope,
    overlay: &Overlay,
    pool: Option<&rayon::ThreadPool>,
) -> Collected {
    let parsed: Parsed = Mutex::new(Vec::new());
    let mut read: Vec<(PathBuf, Result<Read, LoadError>)> = Vec::new();
    let mut walk_paths = scope.walk();
    let stdin = settings.stdin.as_ref().map(|(p, _)| project::canonical(p));
    if let Some(path) = &stdin {
        if settings.excludes.force_excluded(path) {
            walk_paths.clear();
        } else {
            parse(&parsed, path.clone(), &[], overlay, true);
            let bytes = Vec::new();
            read.push((
                path.clone(),
                Ok(Read {
                    bytes,
                    relevance: Relevance::Matters,
                }),
            ));
        }
    }
    let walk = Walk {
        settings,
        scope,
        paths: &walk_paths,
        skip: stdin.as_deref(),
        overlay,
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
        files: found,
        errors: walk_errors,
        index,
    } = walked;
    read.extend(found.into_iter().filter(|(p, _)| Some(p) != stdin.as_ref()));
    let mut out = Collected {
        files: read.iter().map(|(p, _)| p.clone()).collect(),
        modules: Vec::new(),
        deferred: Vec::new(),
        errors: walk_errors
            .into_iter()
            .map(|e| RunError {
                path: display_path(&e.path),
                message: e.message,
            })
            .collect(),
        diagnostics: Vec::new(),
        index,
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

/// One walk of the paths (absolute, so that a file found twice is seen as one).
struct Walk<'a> {
    settings: &'a Settings,
    scope: &'a Scope,
    paths: &'a [PathBuf],
    /// Standard input's file: its text is not read from disk.
    skip: Option<&'a Path>,
    /// Texts standing in for files: pre-scanned instead of the file on disk (an editor's buffer
    /// that adds a handler to a file with none on disk matters).
    overlay: &'a Overlay,
}

impl Walk<'_> {
    /// The overlay's text for a file the walk found (its paths are absolute and folded).
    fn overlaid(&self, path: &Path) -> Option<&str> {
        if self.overlay.is_empty() {
            return None;
        }
        self.overlay.get(path).map(String::as_str)
    }

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
                if let Some(text) = self.overlaid(p) {
                    let relevance = match settings.prescan {
                        true => prescan::classify(text.as_bytes()),
                        false => Relevance::Matters,
                    };
                    if relevance == Relevance::Matters {
                        // `parse` takes the overlay's text.
                        spawn(p.to_path_buf(), Vec::new(), self.scope.is_given(p));
                    }
                    let bytes = Vec::new();
                    return Ok(Read { bytes, relevance });
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
    for path in deferred {
        let Some(bytes) = project.loader().read_bytes(&path) else {
            continue;
        };
        if !aliases.named_in(&bytes) {
            continue;
        }
        let given = scope.is_given(&path);
        match loader::parse_found(&path, &bytes, project.loader().overlay(), given) {
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
