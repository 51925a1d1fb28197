//! CEL002 exit-after-blocking-init and CEL003 exit-in-process-init: a process exit reachable
//! from a worker_process_init handler, after blocking work or not.

use crate::checker::{Checker, Handler};
use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::rules::{fixes, Rule};

pub fn check(ck: &Checker, h: &Handler, out: &mut Vec<Diagnostic>) {
    // Under the solo pool an exit simply stops the worker; under thread pools the signal is
    // never sent.
    if !h.signal.is_process_init() || !ck.process_init_applies() || ck.is_solo() {
        return;
    }
    for e in h.summary.exits() {
        let what = &e.item.what;
        let (rule, message, why) = if e.item.after_blocking {
            (
                Rule::ExitAfterBlockingInit,
                format!("`{what}` after blocking work in `worker_process_init`: an endless exit loop"),
                "replacement children exit again forever, or are SIGKILLed (\"Timed out waiting for UP message\") before they reach it",
            )
        } else {
            (
                Rule::ExitInProcessInit,
                format!("`{what}` in `worker_process_init` stops start-up or exits forever"),
                "before the worker is ready it stops start-up with WorkerLostError; after that the child is replaced and exits again, forever",
            )
        };
        let mut d = ck.at(rule, h, e.loc, e.trace, message);
        d.notes.push(why.to_string());
        d.fix = fix(ck, e.loc, e.item.statement);
        out.push(d);
    }
}

fn fix(
    ck: &Checker,
    loc: celint_analysis::effects::Loc,
    statement: Option<celint_syntax::Span>,
) -> Option<Fix> {
    let module = ck.analyzer.project().module(loc.module)?;
    let stmt = statement?;
    let main = fixes::replace_statement(
        &module,
        stmt,
        &["os.kill(os.getppid(), signal.SIGTERM)", "return"],
    )?;
    let edits = fixes::with_imports(&module, main, &["os", "signal"])?;
    Some(Fix {
        applicability: Applicability::Unsafe,
        message: "Ask the worker for a warm shutdown with `os.kill(os.getppid(), signal.SIGTERM)` and return (better: validate in `worker_init`)".to_string(),
        edits,
    })
}
