//! CEL005 unbounded-process-init: blocking work of unknown or unbounded duration reachable
//! from a worker_process_init handler.

use crate::checker::{Checker, Handler};
use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::rules::cel004_slow_process_init::secs;
use crate::rules::Rule;
use celint_analysis::celery_config::DEFAULT_PROC_ALIVE_TIMEOUT;

pub fn check(ck: &Checker, h: &Handler, out: &mut Vec<Diagnostic>) {
    if !h.signal.is_process_init() || !ck.process_init_applies() || ck.is_solo() {
        return;
    }
    // Before Celery 4.4 the setting is not read: the 4 s constant is the budget there.
    let ignored = ck.timeout_ignored_on(&h.module);
    let constant = format!("{} s", secs(DEFAULT_PROC_ALIVE_TIMEOUT));
    let budget = match ck.timeout.seconds() {
        _ if !ignored.is_empty() && ignored == ck.pin(&h.module).versions => constant,
        Some(t) if !ignored.is_empty() => {
            format!("{} s; {constant} on Celery {}", secs(t), ignored.describe())
        }
        Some(t) => format!("{} s", secs(t)),
        None => "its value".to_string(),
    };
    for u in h.summary.unbounded() {
        let message = format!(
            "{} in `worker_process_init`",
            crate::rules::text::capitalize(&u.item.what)
        );
        let mut d = ck.at(Rule::UnboundedProcessInit, h, u.loc, u.trace, message);
        d.notes.push(format!("a child that takes longer than `worker_proc_alive_timeout` ({budget}) to start is SIGKILLed after the first recycle"));
        d.notes.extend(u.item.note.clone());
        let message = match &u.item.bound_by {
            Some(how) => format!(
                "Bound it with {how} well under {budget}, or initialise lazily on first use"
            ),
            // A model load or a loop takes no timeout: the work has to move.
            None => "Initialise lazily on first use in the child: this call takes no timeout"
                .to_string(),
        };
        d.fix = Some(Fix {
            applicability: Applicability::DisplayOnly,
            message,
            edits: Vec::new(),
        });
        out.push(d);
    }
}
