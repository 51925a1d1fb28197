//! CEL007 broadcast-shutdown: a remote-control shutdown without `destination=` stops every
//! worker on the broker.

use crate::checker::{Checker, Handler};
use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::rules::Rule;
use celint_analysis::effects::{At, ShutdownCall};

/// Shutdowns reachable from a handler (with the trace to them).
pub fn check(ck: &Checker, h: &Handler, out: &mut Vec<Diagnostic>) {
    for s in h.shutdowns() {
        if s.item.has_destination {
            continue;
        }
        let mut d = ck.at(Rule::BroadcastShutdown, h, s.loc, s.trace, message(&s));
        d.fix = Some(fix());
        out.push(d);
    }
}

fn message(s: &At<ShutdownCall>) -> String {
    format!(
        "`{}` without `destination=` stops every worker on the broker",
        s.item.what
    )
}

fn fix() -> Fix {
    Fix {
        applicability: Applicability::DisplayOnly,
        message: "Name the workers to stop with `destination=[hostname, ...]`".to_string(),
        edits: Vec::new(),
    }
}
