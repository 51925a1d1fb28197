//! Detectors for Celery's own hazards, called by the walk for every call before the blocking
//! catalogue: a remote-control shutdown, and a call that ends the process. A new kind of call
//! to recognise is one more function in [`DETECTORS`].

use std::sync::Arc;

use super::summary::{Effect, ExitCall, ShutdownCall, Via};
use super::walk::Walk;
use celint_project::facts::symbols::Binding;
use celint_project::resolve::{FuncRef, Value};
use celint_syntax::ir::{Call, Expr, Scope, Span};

/// Looks at a call (with its resolved callee and, when the call is a whole statement, that
/// statement's span) and says what it does, if it is one of the detector's.
pub(super) type Detector = fn(&Walk, &Call, &Value, Option<Span>) -> Option<Effect>;

/// In order: the first that recognises a call wins.
pub(super) const DETECTORS: &[Detector] = &[shutdown, exit_call];

/// A remote-control shutdown: `<x>.control.shutdown(...)`, `<x>.control.broadcast("shutdown",
/// ...)`, or either through a name holding `<x>.control`, where `<x>` is, or can be, a Celery
/// app (see [`app_owner`]). Any other object with a `control` attribute is not Celery's.
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
    // `CONTROL = app.control` at module level: the resolver gives the whole path.
    let by_path = callee.path().and_then(|p| {
        let owner = p.rsplit_once('.')?.0.strip_suffix(".control")?;
        celint_catalog::celery_api::is_app_path(owner).then_some(Via::App)
    });
    let via = by_path.or_else(|| control_owner(w, value, 0))?;
    Some(Effect::Shutdown(ShutdownCall {
        what: w.text(call.span),
        has_destination: call.keyword("destination").is_some() || call.has_double_star(),
        after_blocking: w.blocked,
        statement,
        via,
    }))
}

/// Whose `.control` an expression is: `<x>.control`, or a local name bound once to it.
fn control_owner(w: &Walk, expr: &Expr, depth: u32) -> Option<Via> {
    match expr {
        Expr::Attribute { value, attr, .. } if attr == "control" => app_owner(w, value, depth),
        Expr::Name { id, .. } if depth < 4 => match local(w, id) {
            Some(Local::Assigned(v)) => control_owner(w, &v, depth + 1),
            Some(Local::Param(_)) => None,
            // `CONTROL = fleet.control` at module level (a project subclass's app, which the
            // resolver's path does not show).
            None => match module_assignment(w, id)? {
                v if matches!(v.as_ref(), Expr::Attribute { attr, .. } if attr == "control") => {
                    control_owner(w, &v, depth + 1)
                }
                _ => None,
            },
        },
        _ => None,
    }
}

/// Is `<x>` a Celery app, or can it be one? An app alias (a name bound to `Celery(...)` or to
/// an instance of a project subclass of `Celery`), `current_app`, `current_task.app`, `.app` of
/// a task (an instance of a project `Task` subclass, a task function, the first parameter of a
/// bound task), a local name bound to any of these; or a parameter of the function, named `p`
/// (`p.control`) or `p.app` (`p.app.control`), which the rules accept only where the signal
/// passes what leads to the app under that name. Anything else, known or not, is not.
fn app_owner(w: &Walk, x: &Expr, depth: u32) -> Option<Via> {
    if depth > 6 {
        return None;
    }
    if is_app_value(w, &w.value(x), 0) {
        return Some(Via::App);
    }
    match x {
        Expr::Attribute {
            value: base, attr, ..
        } if attr == "app" => {
            match w.value(base) {
                // `self` in a method: the class says whether it is a task.
                Value::Instance(c) | Value::Class(c) => {
                    return w.an.resolver.is_task_class(c).then_some(Via::App)
                }
                Value::Func(f) => return is_task_function(w, f).then_some(Via::App),
                _ => {}
            }
            let Expr::Name { id, .. } = base.as_ref() else {
                return None;
            };
            match local(w, id)? {
                Local::Param(0) if in_bound_task(w) => Some(Via::App),
                Local::Param(_) => Some(Via::Param {
                    name: id.clone(),
                    app_attr: true,
                }),
                Local::Assigned(_) => None,
            }
        }
        Expr::Name { id, .. } => match local(w, id)? {
            Local::Param(_) => Some(Via::Param {
                name: id.clone(),
                app_attr: false,
            }),
            Local::Assigned(v) => app_owner(w, &v, depth + 1),
        },
        _ => None,
    }
}

fn is_app_value(w: &Walk, v: &Value, _depth: u32) -> bool {
    w.an.resolver.is_app(v)
}

/// A function decorated as a task: `@shared_task`, `@<app>.task`, with or without arguments.
/// With `bind` it is a bound task.
fn task_decorator(w: &Walk, f: FuncRef) -> Option<bool> {
    w.an.resolver.task_decorator(f).map(|t| t.bound)
}

fn is_task_function(w: &Walk, f: FuncRef) -> bool {
    task_decorator(w, f).is_some()
}

/// Is the function being walked a bound task (its first parameter is the task)?
fn in_bound_task(w: &Walk) -> bool {
    let Scope::Function(func) = w.ctx.scope else {
        return false;
    };
    let f = FuncRef {
        module: w.ctx.module.id,
        func,
    };
    task_decorator(w, f) == Some(true)
}

/// A name of the function being walked: one of its parameters, or a local bound once by a
/// plain assignment.
enum Local {
    Param(usize),
    Assigned(Arc<Expr>),
}

fn local(w: &Walk, id: &str) -> Option<Local> {
    let table = w.module().symbols.table(w.ctx.scope)?;
    match table.names.get(id).map(Vec::as_slice) {
        Some([Binding::Param(n)]) => Some(Local::Param(*n)),
        Some([Binding::Assign(v)]) => Some(Local::Assigned(v.clone())),
        _ => None,
    }
}

/// A name the function does not bind, bound once at module level by a plain assignment.
fn module_assignment(w: &Walk, id: &str) -> Option<Arc<Expr>> {
    let function_binds = w
        .module()
        .symbols
        .table(w.ctx.scope)
        .is_some_and(|t| t.names.contains_key(id));
    if function_binds {
        return None;
    }
    match w.module().symbols.module.names.get(id).map(Vec::as_slice) {
        Some([Binding::Assign(v)]) => Some(v.clone()),
        _ => None,
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
