//! Names that stand for a Celery signal under another name, found before the modules that
//! use them are parsed.

use std::sync::Arc;

use celint_catalog::signals;
use celint_project::project::ModuleData;

/// Module-level names that may stand for a Celery signal under another name, in these modules
/// (`WPI = worker_process_init`, `from celery.signals import worker_ready as ready`, and aliases
/// of those). Found from the bindings' text alone, to a fixpoint, without resolving imports
/// (which would read modules): it may name too much, which only costs a parse.
pub fn signal_aliases(modules: &[Arc<ModuleData>]) -> Vec<String> {
    use celint_project::facts::symbols::Binding;
    let mut known: std::collections::HashSet<String> = signals::signals()
        .iter()
        .map(|s| s.name.to_string())
        .collect();
    let mut aliases = Vec::new();
    loop {
        let mut added = false;
        for m in modules {
            for (name, bindings) in &m.symbols.module.names {
                if known.contains(name) {
                    continue;
                }
                let stands_for_known = bindings.iter().any(|b| match b {
                    Binding::From { name, .. } => known.contains(name),
                    Binding::Assign(value) => value
                        .dotted()
                        .and_then(|d| d.rsplit('.').next().map(str::to_string))
                        .is_some_and(|last| known.contains(&last)),
                    _ => false,
                });
                if stands_for_known {
                    known.insert(name.clone());
                    aliases.push(name.clone());
                    added = true;
                }
            }
        }
        if !added {
            break;
        }
    }
    aliases.sort();
    aliases
}
