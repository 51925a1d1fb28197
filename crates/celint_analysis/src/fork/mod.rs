//! Fork safety (CEL010, CEL011): what the worker's main process opens or starts before the
//! prefork pool forks, and whether the pool's children use it.
//!
//! - `worker`: which modules the worker imports (its app, its task modules, the modules that
//!   connect handlers, and what those import at module level), and what its children run.
//! - `parent`: what the main process runs before the fork (those modules' module-level code,
//!   the handlers of main-process signals, what they call): connections stored in globals,
//!   threads started.
//! - `children`: what the children run (tasks, child-process signal handlers, what they call):
//!   which globals they read, which a `worker_process_init` handler re-creates.
//! - `keys`: globals by identity, across `from m import name`.
//! - `hooks`: what re-creates them in each child besides a handler (after-fork hooks,
//!   process-id guards); `spread`: what the main process leaves once every module ran;
//!   `callables`: a connect passed as a callable.

mod callables;
pub mod children;
mod hooks;
pub mod joins;
pub mod keys;
pub mod parent;
mod spread;
mod stmts;
mod task_init;
mod threads;
pub mod worker;

use std::collections::HashSet;
use std::sync::Arc;

use crate::effects::Analyzer;
use crate::handlers::Connection;
use celint_catalog::signals::Process;
use celint_project::project::{ModuleData, ModuleId};
use celint_project::resolve::FuncRef;
use celint_syntax::ir::Scope;
use children::{Children, Entry, Use};
use keys::Key;
use parent::{Held, Parent, Started};

/// A connection opened before the fork that the children use.
pub struct Inherited {
    pub held: Held,
    pub used: Use,
}

/// A thread started before the fork whose work or object the children depend on.
pub struct Orphan {
    pub started: Started,
    pub used: Use,
    /// What links the children to the thread: the global it maintains, or holds it.
    pub through: Key,
    /// The thread itself (or its executor or scheduler) is what the children use.
    pub holder: bool,
}

#[derive(Default)]
pub struct Facts {
    pub connections: Vec<Inherited>,
    pub threads: Vec<Orphan>,
}

/// Is the connection made at import: not inside a function (other than the receiver, whose
/// definition spans its decorators)?
pub(crate) fn at_module_level(c: &Connection) -> bool {
    let ir = &c.module.parsed.module;
    !ir.functions.iter().enumerate().any(|(i, f)| {
        f.span.contains(c.site)
            && !(c.receiver.module == c.module.id && c.receiver.func.0 as usize == i)
    })
}

/// Signals whose handlers run in the main process before the pool forks (the timeline's).
fn before_fork(signal: &str) -> bool {
    use crate::worker::timeline::{runs, Runs};
    runs(signal, crate::celery_config::Pool::Prefork) == Runs::MainBeforeFork
}

/// The fork analysis over what the worker imports before it forks (`worker::Model`'s
/// `imported`: its entry, its task and handler modules, and what they import).
pub fn analyse(an: &Analyzer, connections: &[Connection], imported: Vec<Arc<ModuleData>>) -> Facts {
    if imported.is_empty() {
        return Facts::default();
    }
    let mut imported = imported;
    imported.sort_by_key(|m| m.id);
    let mut parent = Parent::new(an);
    for m in &imported {
        parent.import(m);
    }
    for c in connections.iter().filter(|c| before_fork(c.signal.name)) {
        parent.handler(c.receiver, c.signal);
    }
    // What the code run so far imports inside functions runs too, and may import more.
    let mut seen: HashSet<ModuleId> = imported.iter().map(|m| m.id).collect();
    loop {
        let names = std::mem::take(&mut parent.late_imports);
        let new = worker::more(an, &names, &seen);
        if new.is_empty() {
            break;
        }
        for m in &new {
            seen.insert(m.id);
            parent.import(m);
        }
        imported.extend(new);
    }
    imported.sort_by_key(|m| m.id);
    // Celery instantiates every task's class as the worker finalizes the app, before the fork.
    parent.task_classes(&imported);
    parent.spread(&imported);
    if parent.held.is_empty() && parent.started.is_empty() {
        return Facts::default();
    }
    let entries = child_entries(an, &imported, connections);
    // What each thread maintains: the globals its code changes (in key order, so that the
    // witness a finding names does not depend on hashing).
    let maintains: Vec<Vec<Key>> = parent
        .started
        .iter()
        .map(|s| {
            let Some(func) = s.target else {
                return Vec::new();
            };
            let entry = Entry {
                func,
                what: String::new(),
                process_init: false,
                param: None,
            };
            let mut keys: Vec<Key> = children::walk(an, &[entry], &|_| false)
                .writes
                .into_keys()
                .collect();
            keys.sort();
            keys
        })
        .collect();
    let wanted = |k: &Key| {
        parent.held.iter().any(|h| k.reads(&h.key))
            || maintains.iter().flatten().any(|m| k.reads(m))
            || parent
                .started
                .iter()
                .any(|s| s.holder.iter().chain(s.serves.iter()).any(|h| k.reads(h)))
    };
    let child = children::walk(an, &entries, &wanted);
    Facts {
        connections: inherited(&parent, &child),
        threads: orphans(&parent, &maintains, &child),
    }
}

fn inherited(parent: &Parent, child: &Children) -> Vec<Inherited> {
    let mut out: Vec<Inherited> = Vec::new();
    for h in &parent.held {
        if child.resets_held(&parent.held, h) {
            continue;
        }
        let Some(used) = child.reading(&h.key) else {
            continue;
        };
        // One finding per connection: the same opening call again on the same global
        // (`client.execute(...)` twice at import) reuses the connection the first one opened.
        if out.iter().any(|o| {
            o.held.opening.at.loc == h.opening.at.loc
                || (o.held.key == h.key && o.held.opening.at.path == h.opening.at.path)
        }) {
            continue;
        }
        out.push(Inherited {
            held: h.clone(),
            used: used.clone(),
        });
    }
    out
}

fn orphans(parent: &Parent, maintains: &[Vec<Key>], child: &Children) -> Vec<Orphan> {
    let read = |k: &Key| {
        let used = child.reading(k).filter(|_| !child.resets(k))?;
        Some((k.clone(), used.clone()))
    };
    parent
        .started
        .iter()
        .zip(maintains)
        .filter_map(|(s, maintained)| {
            // The object whose method the thread runs (an event loop), then the thread object
            // itself, then what its code changes: the most telling link first.
            let (through, used, holder) = s
                .serves
                .iter()
                .chain(&s.holder)
                .find_map(|k| read(k).map(|(k, u)| (k, u, true)))
                .or_else(|| {
                    maintained
                        .iter()
                        .find_map(|k| read(k).map(|(k, u)| (k, u, false)))
                })?;
            Some(Orphan {
                started: s.clone(),
                used,
                through,
                holder,
            })
        })
        .collect()
}

/// Where the children's code starts: every task of the modules the worker imports, and the
/// handlers of the signals sent in a pool child.
fn child_entries(
    an: &Analyzer,
    imported: &[Arc<ModuleData>],
    connections: &[Connection],
) -> Vec<Entry> {
    let bound: Vec<(FuncRef, Key)> = task_init::task_bases(an, imported)
        .iter()
        .filter(|t| t.bound)
        .filter_map(|t| Some((t.func, task_init::key_of_bound(an, t)?)))
        .collect();
    let mut out = Vec::new();
    for m in imported {
        for func in worker::tasks(an, m) {
            let Some(def) = m.parsed.module.function(func.func) else {
                continue;
            };
            // A task class's `__init__` runs in the main process (`task_init`).
            if matches!(def.parent, Scope::Class(_))
                && task_init::NOT_RUN_IN_CHILD.contains(&def.name.as_str())
            {
                continue;
            }
            out.push(Entry {
                func,
                what: format!("task `{}`", def.name),
                process_init: false,
                param: bound
                    .iter()
                    .find(|(f, _)| *f == func)
                    .map(|(_, k)| k.clone()),
            });
        }
    }
    for c in connections
        .iter()
        .filter(|c| c.signal.process == Process::PoolChild)
    {
        let name = c
            .module
            .parsed
            .module
            .function(c.receiver.func)
            .map(|f| f.name.clone())
            .unwrap_or_default();
        out.push(Entry {
            func: c.receiver,
            what: format!("`{}` handler `{name}`", c.signal.name),
            process_init: children::resets_in_child(c.signal),
            param: None,
        });
    }
    out
}
