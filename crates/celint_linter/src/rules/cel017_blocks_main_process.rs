//! CEL017 blocks-main-process: blocking work in a handler that runs on the worker's main
//! process event loop. That loop takes messages from the broker, hands tasks to the pool, reads
//! results and sends heartbeats: while a handler blocks, none of it happens.
//!
//! Blocking in `task_prerun`/`task_postrun` (the pool child, against the task's hard time
//! limit) and in `worker_process_shutdown` (shutdown waits for it) are other processes with
//! other consequences: not this rule's (the document says why, with measurements).

use crate::checker::{Checker, Handler};
use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::rules::Rule;
use celint_analysis::effects::{Hop, Loc};

/// How long a blocking call can take.
#[derive(Clone, Copy)]
enum Bound<'a> {
    /// At most this (a sleep, a call with a timeout).
    Seconds(f64),
    /// Nothing bounds it; why the call was counted, when the catalogue does not list it.
    None(Option<&'a str>),
}

/// The signals sent on the main process's event loop, and what waits while a handler blocks.
fn waits(signal: &str) -> Option<&'static str> {
    Some(match signal {
        "heartbeat_sent" => {
            "sent every 2 s by the worker's heartbeat timer, before the heartbeat goes out: while \
             it blocks no task is dispatched and heartbeats are late (monitors may mark the \
             worker offline)"
        }
        "task_received" => {
            "sent for every message the worker takes from the broker, before the task goes to \
             the pool: every task's dispatch waits for it, and so do results and heartbeats"
        }
        "task_revoked" | "task_rejected" | "task_unknown" => {
            "sent on the worker's main process event loop: while it blocks no task is \
             dispatched, no result is read and no heartbeat is sent"
        }
        "worker_ready" => {
            "sent on the worker's main process as the consumer starts: the first tasks and \
             heartbeats wait for it"
        }
        "worker_shutting_down" => {
            "sent inside the worker's POSIX signal handler (SIGTERM, SIGINT, SIGQUIT): the \
             shutdown begins only once it returns, and the event loop is stopped meanwhile"
        }
        _ => return None,
    })
}

pub fn check(ck: &Checker, h: &Handler, out: &mut Vec<Diagnostic>) {
    let Some(waits) = waits(h.signal.name) else {
        return;
    };
    let s = &h.summary;
    let bounded = s.parts().map(|p| {
        (
            p.loc,
            p.trace,
            &p.item.what,
            Bound::Seconds(p.item.seconds * p.item.times),
        )
    });
    let unbounded = s.unbounded().map(|u| {
        (
            u.loc,
            u.trace,
            &u.item.what,
            Bound::None(u.item.note.as_deref()),
        )
    });
    for (loc, trace, what, unbounded) in bounded.chain(unbounded) {
        out.push(diagnostic(ck, h, loc, trace, what, unbounded, waits));
    }
}

fn diagnostic(
    ck: &Checker,
    h: &Handler,
    loc: Loc,
    trace: &[Hop],
    what: &str,
    bound: Bound,
    waits: &str,
) -> Diagnostic {
    let message = match bound {
        // The catalogue says what an unbounded call is ("network call `requests.post` without
        // a timeout").
        Bound::None(_) => format!(
            "{} in a `{}` handler blocks the worker's main process",
            crate::rules::text::capitalize(what),
            h.signal.name
        ),
        Bound::Seconds(_) => format!(
            "`{what}` blocks the worker's main process in a `{}` handler",
            h.signal.name
        ),
    };
    let mut d = ck.at(Rule::BlocksMainProcess, h, loc, trace, message);
    d.notes.push(format!("`{}` is {waits}", h.signal.name));
    match bound {
        Bound::None(note) => {
            d.notes
                .push("nothing bounds how long this call takes".to_string());
            d.notes.extend(note.map(str::to_string));
        }
        Bound::Seconds(s) => d.notes.push(format!(
            "up to {} s each time the handler runs",
            crate::rules::cel004_slow_process_init::secs(s)
        )),
    }
    let advice = match h.signal.name {
        "worker_shutting_down" => {
            "Do only quick, local work here: move the rest to `worker_shutdown` or out of the worker"
        }
        _ => "Move the work off the event loop: queue a task (`.delay()`) or hand it to a thread",
    };
    d.fix = Some(Fix {
        applicability: Applicability::DisplayOnly,
        message: advice.to_string(),
        edits: Vec::new(),
    });
    d
}
