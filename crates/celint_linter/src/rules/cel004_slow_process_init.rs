//! CEL004 slow-process-init: the bounded blocking time of a worker_process_init handler reaches
//! the effective worker_proc_alive_timeout.

use crate::checker::{Checker, Handler, Holds};
use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::rules::Rule;
use celint_analysis::celery_config::{Timeout, DEFAULT_PROC_ALIVE_TIMEOUT};

pub fn check(ck: &Checker, h: &Handler, out: &mut Vec<Diagnostic>) {
    if !h.signal.is_process_init() || !ck.process_init_applies() || ck.is_solo() {
        return;
    }
    let total = h.summary.seconds;
    // Before Celery 4.4 the setting is not read: the 4 s constant is the limit there.
    let ignored = ck.timeout_ignored_on(&h.module);
    let everywhere = ignored == ck.pin(&h.module).versions;
    let (limit, holds) = match ck.timeout.seconds() {
        Some(set) if !everywhere && total >= set => (set, Holds::Always),
        _ if !ignored.is_empty() && total >= DEFAULT_PROC_ALIVE_TIMEOUT => {
            (DEFAULT_PROC_ALIVE_TIMEOUT, ck.holds_on(&h.module, ignored))
        }
        _ => return,
    };
    let message = format!(
        "`{}` blocks for about {} s, at or above `worker_proc_alive_timeout` ({} s)",
        h.name(),
        secs(total),
        secs(limit)
    );
    let mut d = Diagnostic::new(
        Rule::SlowProcessInit,
        ck.file(h.func.module),
        h.def.name_span,
        message,
    );
    d.notes.push("a `worker_process_init` handler this slow works at start-up, then every child started after the first recycle is SIGKILLed (\"Timed out waiting for UP message\")".to_string());
    for p in h.summary.parts() {
        let times = if p.item.times != 1.0 {
            format!(" x {}", secs(p.item.times))
        } else {
            String::new()
        };
        let via = if p.trace.is_empty() {
            String::new()
        } else {
            let hops: Vec<String> = p
                .trace
                .iter()
                .map(|t| format!("`{}()`", t.callee))
                .collect();
            format!(" via {}", hops.join(" -> "))
        };
        // Where the time is spent, and the calls on the way there.
        d.related.push(ck.place(p.loc));
        d.related.extend(p.trace.iter().map(|t| ck.place(t.call)));
        d.notes.push(format!(
            "`{}`{times}: {} s ({}){via}",
            p.item.what,
            secs(p.item.seconds * p.item.times),
            ck.location(p.loc)
        ));
    }
    d.notes
        .push(format!("estimated total: {} s (worst path)", secs(total)));
    holds.mark(&mut d);
    d.notes.push(match &ck.timeout {
        Timeout::Project(s) | Timeout::Unknown(s)
            if limit != s.value.unwrap_or(limit) || s.value.is_none() =>
        {
            format!(
                "`worker_proc_alive_timeout` is set by `{}` ({}), but Celery {} does not read it: \
             prefork waits a fixed {} s for each child",
                s.form,
                s.at,
                ignored.describe(),
                secs(limit)
            )
        }
        Timeout::Default => format!(
            "`worker_proc_alive_timeout` is {} s: Celery's default, not set in the project",
            secs(limit)
        ),
        Timeout::Override(o) => format!(
            "`worker_proc_alive_timeout` is {} s: from {}",
            secs(limit),
            o.source
        ),
        Timeout::Project(s) => {
            let others = ck.config.timeouts.len();
            let largest = if others > 1 {
                format!(" (the largest of {others} values set)")
            } else {
                String::new()
            };
            // A value from an environment lookup is its default: say so, the worker's
            // environment may set another.
            let env = match &s.env_default {
                Some(var) => {
                    format!(", the default used when the environment variable `{var}` is not set")
                }
                None => String::new(),
            };
            format!(
                "`worker_proc_alive_timeout` is {} s: set by `{}` ({}){env}{largest}",
                secs(limit),
                s.form,
                s.at
            )
        }
        Timeout::Unknown(_) => String::new(),
    });
    d.fix = Some(Fix {
        applicability: Applicability::DisplayOnly,
        message: if limit == DEFAULT_PROC_ALIVE_TIMEOUT && !ignored.is_empty() {
            format!("Initialise lazily on first use in the child, or move the work to `worker_init` (Celery {} has no setting for the 4 s)", ignored.describe())
        } else {
            "Initialise lazily on first use in the child, move the work to `worker_init`, or raise `worker_proc_alive_timeout` above the worst case".to_string()
        },
        edits: Vec::new(),
    });
    out.push(d);
}

/// Seconds for messages: `5`, `4.5`, `0.25`.
pub fn secs(s: f64) -> String {
    let rounded = (s * 100.0).round() / 100.0;
    if rounded.fract() == 0.0 {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded}")
    }
}
