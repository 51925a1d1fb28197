//! CEL011 thread-before-fork: a thread started in the worker's main process before the
//! prefork pool forks, whose work or object the pool's children depend on. `fork()` copies
//! only the calling thread: the children have none of it.

use crate::checker::Checker;
use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::rules::cel010_fork_inherited_connection::{fork_notes, trace};
use crate::rules::Rule;
use celint_analysis::fork::Facts;

pub fn check(ck: &Checker, facts: &Facts, out: &mut Vec<Diagnostic>) {
    for o in &facts.threads {
        let s = &o.started;
        let link = if o.holder {
            format!("the pool's children use `{}`", o.through.path)
        } else {
            format!(
                "the thread maintains `{}`, which the pool's children read",
                o.through.path
            )
        };
        let message = format!(
            "`{}()` starts a thread before the pool forks: no child has it",
            s.what
        );
        let mut d = Diagnostic::new(
            Rule::ThreadBeforeFork,
            ck.file(s.loc.module),
            s.loc.span,
            message,
        );
        let outcome = "the thread does not exist in any child";
        fork_notes(ck, &mut d, ("started", &s.root), (&link, &o.used, outcome));
        d.trace = trace(ck, &s.root, &s.trace);
        d.fix = Some(Fix {
            applicability: Applicability::DisplayOnly,
            message: "Start it in a `worker_process_init` handler, so that each child has its own"
                .to_string(),
            edits: Vec::new(),
        });
        out.push(d);
    }
}
