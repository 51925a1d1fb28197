//! What a connection's `sender=` is, as far as it can be told from the code: the kinds that
//! matter to whether it can ever equal what Celery sends (`Signal._make_id`: a `str` is
//! compared by value, a proxy by the object it stands for, anything else by `id()`).

use celint_project::resolve::{ClassRef, Ctx, FuncRef, Resolver, Value};
use celint_syntax::ir::{Call, Expr, OtherKind, Span};

/// The kind of a `sender=` argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Given {
    /// `None`: no filter.
    None,
    /// A `str`: a literal, an f-string, a constant, `<task>.name`. `at`: whether it holds an
    /// `@` (node names always do), when known.
    Text { at: Option<bool> },
    /// A task object a decorator made (`@app.task`, `@shared_task`).
    Task { func: FuncRef, shared: bool },
    /// A class deriving from `celery.Task` (the class, not the registered instance).
    TaskClass(ClassRef),
    /// A Celery app.
    App,
    /// Anything else, or unknown: never reported.
    Other,
}

/// `sender=` at a connection: the expression's span and its kind.
#[derive(Clone, Debug)]
pub struct SenderArg {
    pub span: Span,
    pub given: Given,
}

/// The `sender` of `connect(receiver, sender=None, weak=True, dispatch_uid=None)`, or of
/// `@sig.connect(sender=...)` / `@receiver(sig, sender=...)` (`positional`: the index it has
/// when given by position, if it can be).
pub fn of_call(
    resolver: &Resolver,
    ctx: &Ctx,
    call: &Call,
    positional: Option<usize>,
) -> Option<SenderArg> {
    let expr = match call.keyword("sender") {
        Some(e) => e,
        None => call.args.get(positional?)?,
    };
    Some(SenderArg {
        span: expr.span(),
        given: classify(resolver, ctx, expr),
    })
}

/// The kind of an expression given as `sender=`.
pub fn classify(resolver: &Resolver, ctx: &Ctx, expr: &Expr) -> Given {
    match expr {
        Expr::NoneLit { .. } => return Given::None,
        Expr::Str { value, .. } => {
            return Given::Text {
                at: Some(value.contains('@')),
            }
        }
        Expr::Other {
            kind: OtherKind::FString { literal },
            ..
        } => {
            return Given::Text {
                at: literal.contains('@').then_some(true),
            }
        }
        // `<task>.name`, `<TaskClass>.name`: the task's name.
        Expr::Attribute { value, attr, .. } if attr == "name" => {
            return match classify(resolver, ctx, value) {
                Given::Task { .. } | Given::TaskClass(_) => Given::Text { at: None },
                _ => Given::Other,
            };
        }
        _ => {}
    }
    match resolver.value(ctx, expr) {
        Value::Str(s) => Given::Text {
            at: Some(s.contains('@')),
        },
        Value::Func(f) => match resolver.task_decorator(f) {
            Some(t) => Given::Task {
                func: f,
                shared: t.shared,
            },
            None => Given::Other,
        },
        Value::Class(c) if resolver.is_task_class(c) => Given::TaskClass(c),
        v if resolver.is_app(&v) => Given::App,
        _ => Given::Other,
    }
}
