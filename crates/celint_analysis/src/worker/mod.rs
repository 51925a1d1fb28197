//! One model of the worker, built once per project: which workers the project runs (their
//! command lines), the module each loads first (`-A`), its pool, what it imports at each step
//! of its start-up, and in which process each handler runs. The fork rules read it, and
//! `--show-worker` prints it.
//!
//! - `commands`: `celery` command lines in deployment files;
//! - `entry`: the modules `-A` names, as Celery finds the app;
//! - `timeline`: the steps of a worker's start-up and which process runs each signal;
//! - `show`: `--show-worker`.

pub mod commands;
pub mod entry;
pub mod references;
pub mod show;
pub mod timeline;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use crate::celery_config::{CeleryConfig, Pool};
use crate::effects::Analyzer;
use crate::fork::worker as imports;
use crate::handlers::Connection;
use celint_project::project::{ModuleData, ModuleId};
use commands::{Command, Program};
use timeline::Loads;

/// One worker the project runs.
pub struct Worker {
    /// Its command line; `None` when the project has none celint can read.
    pub command: Option<Command>,
    /// The modules it imports first (`-A`), in order; empty when unknown.
    pub entry: Vec<ModuleId>,
    /// Why the entry is unknown, or how it was guessed without a command line.
    pub entry_note: Option<String>,
    pub pool: Pool,
    /// Where the pool comes from.
    pub pool_from: String,
    /// The entry and every project module it imports at module level, parent packages
    /// included: what is imported before the app's first configuration read.
    pub entry_imports: HashSet<ModuleId>,
}

impl Worker {
    pub fn forks(&self) -> bool {
        self.pool == Pool::Prefork
    }
}

/// What the workers import before they fork, module by module, with the step that imports it.
pub struct Imported {
    pub module: Arc<ModuleData>,
    pub step: Loads,
    /// Neither the entry nor a task module imports it: it connects a handler at import, and is
    /// taken to be imported by something celint does not follow.
    pub assumed: bool,
}

pub struct Model {
    pub workers: Vec<Worker>,
    /// The modules imported before the fork by the workers that fork (every worker's, when
    /// none is known to fork), in the order celint follows the imports.
    pub imported: Vec<Imported>,
}

impl Model {
    /// Does any worker fork its pool's children (prefork, Celery's default)?
    pub fn forks(&self) -> bool {
        self.workers.iter().any(Worker::forks)
    }

    /// The pool, when every worker runs the same one.
    pub fn pool(&self) -> Option<Pool> {
        let first = self.workers.first()?.pool;
        self.workers
            .iter()
            .all(|w| w.pool == first)
            .then_some(first)
    }
}

/// The pool a worker runs: its `-P`, else the project's `worker_pool` setting, else prefork.
fn pool_of(command: Option<&Command>, config: &CeleryConfig) -> (Pool, String) {
    if let Some(s) = command.and_then(crate::celery_config::command_pool) {
        return match s.value {
            Some(pool) => (pool, format!("`{}` on its command line", s.form)),
            None => (
                Pool::Prefork,
                format!("taken for prefork: `{}` is not known", s.form),
            ),
        };
    }
    match config.setting_pool() {
        Some(s) => match s.value {
            Some(pool) => (pool, format!("`{}` at {}", s.form, s.at)),
            None => (
                Pool::Prefork,
                format!("taken for prefork: `{}` at {} is not known", s.form, s.at),
            ),
        },
        None => (
            Pool::Prefork,
            "Celery's default: no `-P`, no `worker_pool`".to_string(),
        ),
    }
}

/// The directories an `-A` module is looked for from: the command's working directory first,
/// then (when it has none, or the module is not there: a `cd` to a checkout's own name, a
/// container path) the directory of the file that holds it, the project's roots and its
/// source roots.
fn workdirs(c: &Command, roots: &[PathBuf], source_roots: &[PathBuf]) -> Vec<PathBuf> {
    c.workdir
        .iter()
        .cloned()
        .chain(c.file.parent().map(std::path::Path::to_path_buf))
        .chain(roots.iter().cloned())
        .chain(source_roots.iter().cloned())
        .collect()
}

pub fn build(
    an: &Analyzer,
    connections: &[Connection],
    config: &CeleryConfig,
    roots: &[PathBuf],
) -> Model {
    let project = an.project();
    let mut workers: Vec<Worker> = Vec::new();
    for c in config.commands.iter().cloned() {
        if c.program == Program::Beat {
            continue;
        }
        let (pool, pool_from) = pool_of(Some(&c), config);
        let (entry, entry_note) = match c.app.as_deref() {
            Some(app) => {
                let entry = workdirs(&c, roots, project.loader().roots())
                    .iter()
                    .map(|dir| entry::modules(project, app, dir))
                    .find(|e| !e.is_empty())
                    .unwrap_or_default();
                let note = entry
                    .is_empty()
                    .then(|| format!("`{app}` is not a module of the project celint found"));
                (entry, note)
            }
            None => (Vec::new(), Some("no `-A` on the command line".to_string())),
        };
        workers.push(Worker {
            command: Some(c),
            entry,
            entry_note,
            pool,
            pool_from,
            entry_imports: HashSet::new(),
        });
    }
    let with_handlers = handler_modules(connections);
    let candidates: Vec<Arc<ModuleData>> = project
        .modules()
        .into_iter()
        .filter(|m| imports::is_root(an, m, &with_handlers))
        .collect();
    if workers.is_empty() {
        let (pool, pool_from) = pool_of(None, config);
        let mut entry: Vec<ModuleId> = Vec::new();
        for m in candidates.iter().filter(|m| imports::makes_app(an, m)) {
            for id in entry::modules(project, &m.name, &m.root) {
                if !entry.contains(&id) {
                    entry.push(id);
                }
            }
        }
        workers.push(Worker {
            command: None,
            entry_note: Some(if entry.is_empty() {
                "no command line, and no module makes a Celery app".to_string()
            } else {
                "no command line found: the modules that make a Celery app".to_string()
            }),
            entry,
            pool,
            pool_from,
            entry_imports: HashSet::new(),
        });
    }
    entry_imports(an, &mut workers);
    let imported = imported(an, &workers, candidates, &with_handlers);
    Model { workers, imported }
}

/// Each worker's entry and what it imports; computed once per distinct entry.
fn entry_imports(an: &Analyzer, workers: &mut [Worker]) {
    let project = an.project();
    let mut done: Vec<(Vec<ModuleId>, HashSet<ModuleId>)> = Vec::new();
    for w in workers.iter_mut().filter(|w| !w.entry.is_empty()) {
        if let Some((_, set)) = done.iter().find(|(e, _)| *e == w.entry) {
            w.entry_imports = set.clone();
            continue;
        }
        let modules: Vec<Arc<ModuleData>> = w
            .entry
            .iter()
            .filter_map(|id| project.module(*id))
            .collect();
        let set: HashSet<ModuleId> = imports::imported_in_order(an, modules)
            .iter()
            .map(|m| m.id)
            .collect();
        w.entry_imports = set.clone();
        done.push((w.entry.clone(), set));
    }
}

/// Modules that connect a worker signal's handler at import: the worker imports them, or the
/// handler would never be connected.
fn handler_modules(connections: &[Connection]) -> HashSet<ModuleId> {
    use celint_catalog::signals::Process;
    connections
        .iter()
        .filter(|c| matches!(c.signal.process, Process::Main | Process::PoolChild))
        .filter(|c| crate::fork::at_module_level(c))
        .map(|c| c.module.id)
        .collect()
}

/// What the forking workers import before the fork: their entries and what those import
/// (step 1), then the task and handler modules and what they import (step 3). A module that
/// makes a Celery app is taken for an entry only when no forking worker's entry is known.
fn imported(
    an: &Analyzer,
    workers: &[Worker],
    candidates: Vec<Arc<ModuleData>>,
    with_handlers: &HashSet<ModuleId>,
) -> Vec<Imported> {
    let project = an.project();
    let forking: Vec<&Worker> = workers.iter().filter(|w| w.forks()).collect();
    let considered = if forking.is_empty() {
        workers.iter().collect()
    } else {
        forking
    };
    let mut entries: Vec<ModuleId> = Vec::new();
    for w in &considered {
        for id in &w.entry {
            if !entries.contains(id) {
                entries.push(*id);
            }
        }
    }
    let known_entry = !entries.is_empty();
    let entry_modules: Vec<Arc<ModuleData>> = entries
        .iter()
        .filter_map(|id| project.module(*id))
        .collect();
    let first = imports::imported_in_order(an, entry_modules);
    let seen: HashSet<ModuleId> = first.iter().map(|m| m.id).collect();
    // The task modules next; then the modules that connect a handler at import which neither
    // reaches: taken to be imported (by something celint does not follow, such as a Django
    // app's `ready()`), or their handlers would never be connected.
    let kept = |m: &Arc<ModuleData>| {
        !seen.contains(&m.id)
            && (!known_entry || !imports::makes_app(an, m) || imports::defines_tasks(an, m))
    };
    let (handler_only, task_roots): (Vec<Arc<ModuleData>>, Vec<Arc<ModuleData>>) = candidates
        .into_iter()
        .filter(|m| kept(m) || (with_handlers.contains(&m.id) && !seen.contains(&m.id)))
        .partition(|m| with_handlers.contains(&m.id) && !imports::defines_tasks(an, m));
    let mut out: Vec<Imported> = first
        .into_iter()
        .map(|module| Imported {
            module,
            step: Loads::Entry,
            assumed: false,
        })
        .collect();
    let mut seen = seen;
    for (roots, assumed) in [(task_roots, false), (handler_only, true)] {
        let roots: Vec<Arc<ModuleData>> = roots
            .into_iter()
            .filter(|m| !seen.contains(&m.id))
            .collect();
        for module in imports::imported_in_order(an, roots) {
            if seen.insert(module.id) {
                out.push(Imported {
                    module,
                    step: Loads::TaskModules,
                    assumed: assumed && known_entry,
                });
            }
        }
    }
    out
}
