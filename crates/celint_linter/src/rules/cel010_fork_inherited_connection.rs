//! CEL010 fork-inherited-connection: a connection opened in the worker's main process before
//! the prefork pool forks, held where the pool's children use it, and not re-created in a
//! `worker_process_init` handler. Every child inherits the same socket.

use crate::checker::Checker;
use crate::diagnostic::{Applicability, Diagnostic, Fix, TraceEntry};
use crate::rules::Rule;
use celint_analysis::effects::Hop;
use celint_analysis::fork::parent::Root;
use celint_analysis::fork::Facts;

pub fn check(ck: &Checker, facts: &Facts, out: &mut Vec<Diagnostic>) {
    for i in &facts.connections {
        let o = &i.held.opening;
        let holder = &i.held.key.path;
        let message = format!(
            "`{}()` opens a connection before the pool forks; every child inherits it",
            o.at.what
        );
        let mut d = Diagnostic::new(
            Rule::ForkInheritedConnection,
            ck.file(o.at.loc.module),
            o.at.loc.span,
            message,
        );
        let link = format!("the pool's children use it through `{holder}`");
        let shared = "all of them share one connection";
        fork_notes(ck, &mut d, ("opened", &o.root), (&link, &i.used, shared));
        d.trace = trace(ck, &o.root, &o.at.trace);
        let pooled = o.at.path.starts_with("sqlalchemy.");
        d.fix = Some(Fix {
            applicability: Applicability::DisplayOnly,
            message: if pooled {
                format!("Call `{holder}.dispose(close=False)` in a `worker_process_init` handler: each child then opens its own connections")
            } else {
                "Open it in a `worker_process_init` handler (each child then opens its own), or on first use in the child".to_string()
            },
            edits: Vec::new(),
        });
        out.push(d);
    }
}

/// When the main process runs the code.
/// The notes of a fork finding (CEL010, CEL011): what the main process did and when, then how
/// the children depend on it, where, and what follows; the use is a related place too.
pub(crate) fn fork_notes(
    ck: &Checker,
    d: &mut Diagnostic,
    (did, root): (&str, &Root),
    (link, used, outcome): (&str, &celint_analysis::fork::children::Use, &str),
) {
    d.notes
        .push(format!("{did} in the worker's main process {}", when(root)));
    d.notes.push(format!(
        "{link} ({} at {}): {outcome}",
        used.by,
        ck.location(used.loc)
    ));
    d.related.push(ck.place(used.loc));
}

pub fn when(root: &Root) -> String {
    match root {
        Root::Import(m) => format!("when the worker imports `{}`", m.name),
        Root::Handler(_, signal) => format!("in a `{}` handler", signal.name),
        Root::Registered(m, task) => format!(
            "when Celery instantiates task `{task}` (of `{}`) as the worker starts",
            m.name
        ),
    }
}

/// The way from where the main process runs the code to the call: the handler (if it is one),
/// then each call.
pub fn trace(ck: &Checker, root: &Root, hops: &[Hop]) -> Vec<TraceEntry> {
    let start = match root {
        Root::Handler(f, signal) => {
            let file = ck.file(f.module);
            let def = file
                .module
                .as_ref()
                .and_then(|m| m.parsed.module.function(f.func))
                .map(|d| (d.name_span, d.name.clone()));
            def.map(|(span, name)| TraceEntry {
                file,
                span,
                note: format!("reached from {} handler `{name}`", signal.name),
            })
        }
        Root::Import(_) | Root::Registered(..) => None,
    };
    ck.trace_through(start, hops)
}
