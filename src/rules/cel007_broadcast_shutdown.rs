//! CEL007 broadcast-shutdown: a remote-control shutdown without `destination=` stops every
//! worker on the broker.

use std::rc::Rc;

use crate::checker::{Checker, Handler};
use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::effects::{ShutdownCall, Traced};
use crate::project::ModuleData;
use crate::rules::Rule;

/// Shutdowns reachable from a handler (with the trace to them).
pub fn check(ck: &Checker, h: &Handler, out: &mut Vec<Diagnostic>) {
    for s in &h.summary.shutdowns {
        if s.item.has_destination {
            continue;
        }
        let mut d = ck.at(Rule::BroadcastShutdown, h, s.loc, &s.trace, message(s));
        d.fix = Some(fix());
        out.push(d);
    }
}

/// Every other shutdown in the linted code, wherever it is.
pub fn check_anywhere(ck: &Checker, linted: &[Rc<ModuleData>], out: &mut Vec<Diagnostic>) {
    for module in linted {
        for s in ck.analyzer.direct_shutdowns(module) {
            if s.item.has_destination {
                continue;
            }
            let mut d = Diagnostic::new(
                Rule::BroadcastShutdown,
                ck.file(s.loc.module),
                s.loc.span,
                message(&s),
            );
            d.fix = Some(fix());
            out.push(d);
        }
    }
}

fn message(s: &Traced<ShutdownCall>) -> String {
    format!(
        "`{}` without `destination=` stops every worker on the broker, not just this one",
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
