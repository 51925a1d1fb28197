//! Which threads a pool child finds started: the globals holding a thread the main process
//! starts before the fork, and those holding one a child starts itself. In a child, a thread of
//! the first kind is not alive and `join()` returns at once (seen on a Celery 5.7 prefork
//! worker: `t.join()` in `worker_process_init` took 0.000 s for a thread sleeping 30 s in the
//! main process, 2 s for a thread the handler started); a thread of the second kind is waited
//! for. The blocking rules drop the first kind's joins from a child-process handler's summary
//! (`effects::Summary::without_joins`).

use std::collections::HashSet;
use std::sync::Arc;

use super::keys::Key;
use super::parent::Parent;
use crate::effects::Analyzer;
use crate::handlers::Connection;
use celint_catalog::signals::Process;
use celint_project::project::{ModuleData, ModuleId};

/// What a child finds: holders of threads the main process started before the fork, and
/// holders of threads a child starts itself.
pub struct Threads {
    pub main: Vec<Key>,
    pub child: Vec<Key>,
}

impl Threads {
    /// Is joining this global, in a child, joining a thread that is not alive there?
    pub fn not_alive_in_child(&self, key: &Key) -> bool {
        self.main.contains(key) && !self.child.contains(key)
    }
}

/// The main process runs the module-level code of `imported` (what the worker imports before it
/// forks: `worker::Model`'s) and the handlers of the signals before the fork; a child runs the
/// handlers of child-process signals (and the module-level code of what they import). Each with
/// what they call, as [`super::analyse`] walks them.
pub fn threads(an: &Analyzer, connections: &[Connection], imported: &[Arc<ModuleData>]) -> Threads {
    let mut seen: HashSet<ModuleId> = imported.iter().map(|m| m.id).collect();
    let mut parent = Parent::new(an);
    for m in imported {
        parent.import(m);
    }
    let before = connections
        .iter()
        .filter(|c| super::before_fork(c.signal.name));
    for c in before {
        parent.handler(c.receiver, c.signal);
    }
    import_late(an, &mut parent, &mut seen);
    let mut child = Parent::new(an);
    for c in connections
        .iter()
        .filter(|c| c.signal.process == Process::PoolChild)
    {
        child.handler(c.receiver, c.signal);
    }
    import_late(an, &mut child, &mut HashSet::new());
    Threads {
        main: holders(&parent),
        child: holders(&child),
    }
}

fn holders(p: &Parent) -> Vec<Key> {
    p.started.iter().filter_map(|s| s.holder.clone()).collect()
}

/// Runs the module-level code of what the code run so far imports inside functions (and what
/// that imports in turn), once per module.
fn import_late(an: &Analyzer, p: &mut Parent, seen: &mut HashSet<ModuleId>) {
    loop {
        let names = std::mem::take(&mut p.late_imports);
        let new = super::worker::more(an, &names, seen);
        if new.is_empty() {
            break;
        }
        for m in &new {
            seen.insert(m.id);
            p.import(m);
        }
    }
}
