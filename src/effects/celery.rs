//! Detectors for Celery's own hazards, called by the walk for every call before the blocking
//! catalogue: a remote-control shutdown, and a call that ends the process. A new kind of call
//! to recognise is one more function in [`DETECTORS`].

use super::summary::{Effect, ExitCall, ShutdownCall};
use super::walk::Walk;
use crate::facts::symbols::Binding;
use crate::resolve::Value;
use crate::syntax::ir::{Call, Expr, Span};

/// Looks at a call (with its resolved callee and, when the call is a whole statement, that
/// statement's span) and says what it does, if it is one of the detector's.
pub(super) type Detector = fn(&Walk, &Call, &Value, Option<Span>) -> Option<Effect>;

/// In order: the first that recognises a call wins.
pub(super) const DETECTORS: &[Detector] = &[shutdown, exit_call];

/// A remote-control shutdown: `<x>.control.shutdown(...)`, `<x>.control.broadcast("shutdown",
/// ...)`, or either through a name holding `<x>.control`.
fn shutdown(w: &Walk, call: &Call, callee: &Value, statement: Option<Span>) -> Option<Effect> {
    let Expr::Attribute { value, attr, .. } = &call.func else {
        return None;
    };
    let is_shutdown = match attr.as_str() {
        "shutdown" => true,
        "broadcast" => {
            let command = call.args.first().or_else(|| call.keyword("command"));
            command.and_then(Expr::as_str) == Some("shutdown")
        }
        _ => false,
    };
    if !is_shutdown {
        return None;
    }
    let via_control = is_control(w, value, 0)
        || callee
            .path()
            .is_some_and(|p| p.ends_with(".control.shutdown") || p.ends_with(".control.broadcast"));
    if !via_control {
        return None;
    }
    Some(Effect::Shutdown(ShutdownCall {
        what: w.text(call.span),
        has_destination: call.keyword("destination").is_some() || call.has_double_star(),
        after_blocking: w.blocked,
        statement,
    }))
}

/// `<x>.control`, or a local name bound once to it.
fn is_control(w: &Walk, expr: &Expr, depth: u32) -> bool {
    match expr {
        Expr::Attribute { attr, .. } => attr == "control",
        Expr::Name { id, .. } if depth < 4 => {
            let Some(table) = w.module().symbols.table(w.ctx.scope) else {
                return false;
            };
            match table.names.get(id).map(Vec::as_slice) {
                Some([Binding::Assign(v)]) => is_control(w, v, depth + 1),
                _ => false,
            }
        }
        _ => false,
    }
}

/// `exit()`, `quit()`, `sys.exit()`, `os._exit()`.
fn exit_call(w: &Walk, call: &Call, callee: &Value, statement: Option<Span>) -> Option<Effect> {
    if !matches!(
        callee.path(),
        Some("builtins.exit" | "builtins.quit" | "sys.exit" | "os._exit")
    ) {
        return None;
    }
    Some(Effect::Exit(ExitCall {
        what: w.text(call.span),
        after_blocking: w.blocked,
        statement,
    }))
}

/// `raise SystemExit(...)`, `raise WorkerShutdown`: an exit when the written exception is one
/// that ends the process. The statement is the `raise` (`span`).
pub(super) fn raised_exit(w: &Walk, exc: &Expr, span: Span) -> Option<Effect> {
    let class = match exc {
        Expr::Call(call) => &call.func,
        other => other,
    };
    match w.value(class).path()? {
        "builtins.SystemExit"
        | "celery.exceptions.WorkerShutdown"
        | "celery.exceptions.WorkerTerminate" => Some(Effect::Exit(ExitCall {
            what: format!("raise {}", w.text(exc.span())),
            after_blocking: w.blocked,
            statement: Some(span),
        })),
        _ => None,
    }
}

/// Does an `except` clause of this type catch `SystemExit`?
pub(super) fn catches_exit(w: &Walk, t: &Expr) -> bool {
    let one = |e: &Expr| {
        matches!(
            w.value(e).path(),
            Some("builtins.SystemExit" | "builtins.BaseException")
        )
    };
    match t {
        Expr::Seq { elts, .. } => elts.iter().any(one),
        other => one(other),
    }
}
