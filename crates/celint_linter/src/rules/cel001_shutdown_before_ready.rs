//! CEL001 shutdown-before-ready: a remote-control shutdown sent from a handler of a signal
//! that fires before this worker consumes remote control.

use crate::checker::{Checker, Handler};
use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::rules::{fixes, Rule};
use celint_analysis::celery_config::Broker;
use celint_catalog::signals::{BeforeControl, Process};

pub fn check(ck: &Checker, h: &Handler, out: &mut Vec<Diagnostic>) {
    let when = match h.signal.before_control {
        BeforeControl::No => return,
        BeforeControl::Yes => None,
        BeforeControl::UnlessAmqp => match ck.broker {
            Some(Broker::Amqp) => return,
            Some(Broker::Redis) => Some((
                "is lost on Redis",
                "on Redis this worker is not subscribed to remote control yet: the shutdown never reaches it",
            )),
            _ => Some((
                "is lost on Redis",
                "on Redis it is lost (this worker is not subscribed to remote control yet); on RabbitMQ it is delivered; the project's broker is not known",
            )),
        },
    };
    if h.signal.is_process_init() && !ck.process_init_applies() {
        return;
    }
    for s in h.shutdowns() {
        let what = &s.item.what;
        let signal = h.signal.name;
        let (message, why) = match when {
            Some((fate, why)) => (format!("`{what}` in `{signal}` {fate}"), why),
            None if s.item.after_blocking && h.signal.is_process_init() && !ck.is_solo() => (
                format!("`{what}` after blocking work in `worker_process_init` races with start-up"),
                "sent before the worker is ready it is lost for this worker, sent after it stops this worker; every other worker on the broker stops either way",
            ),
            None => (
                format!("`{what}` in `{signal}` runs before the worker takes remote control"),
                "it is lost for this worker and still reaches every other worker on the broker",
            ),
        };
        let mut d = ck.at(Rule::ShutdownBeforeReady, h, s.loc, s.trace, message);
        d.notes.push(why.to_string());
        d.fix = fix(ck, h, s.loc, s.item.statement);
        out.push(d);
    }
}

fn fix(
    ck: &Checker,
    h: &Handler,
    loc: celint_analysis::effects::Loc,
    statement: Option<celint_syntax::Span>,
) -> Option<Fix> {
    let module = ck.analyzer.project().module(loc.module)?;
    let stmt = statement?;
    if h.signal.process == Process::PoolChild {
        let main =
            fixes::replace_statement(&module, stmt, &["os.kill(os.getppid(), signal.SIGTERM)"])?;
        Some(Fix {
            applicability: Applicability::Unsafe,
            message: "Stop the worker with `os.kill(os.getppid(), signal.SIGTERM)` (warm shutdown of this worker only)".to_string(),
            edits: fixes::with_imports(&module, main, &["os", "signal"])?,
        })
    } else {
        let main = fixes::replace_statement(&module, stmt, &["raise SystemExit(1)"])?;
        Some(Fix {
            applicability: Applicability::Unsafe,
            message: "Stop start-up with `raise SystemExit(1)` in the main process".to_string(),
            edits: fixes::with_imports(&module, main, &[])?,
        })
    }
}
