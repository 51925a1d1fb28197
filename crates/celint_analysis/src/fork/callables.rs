//! A connection opened through a callable: a connect passed to a wrapper that calls it at once
//! (`retry_call(db.connect)`, tenacity's `Retrying(...)(db.connect)`, a project function that
//! calls its argument, `retry(...)(db.connect)()`), or a `functools.partial` of one called later
//! (`reconnect = functools.partial(db.connect)`, then `reconnect()`).

use std::sync::Arc;

use super::keys::Key;
use super::parent::{loc, local_binding, written, OpenAt, Parent};
use super::stmts::{calls_in, visit_stmts};
use celint_project::facts::symbols::Binding;
use celint_project::resolve::{Ctx, FuncRef, Value};
use celint_syntax::ir::{Call, Expr, Scope};

/// Outside callables that call the function they are given at once (retrying it).
const AT_ONCE: &[&str] = &[
    "retry.api.retry_call",
    "retry.retry_call",
    "tenacity.Retrying.__call__",
    "tenacity.Retrying.call",
    "retrying.Retrying.call",
];

/// The connect a call makes through a callable: the global it connects (none for a function
/// such as `psycopg2.connect`, whose result holds the connection), and where.
pub fn opened_by(
    p: &Parent,
    ctx: &Ctx,
    call: &Call,
    callee: &Value,
) -> Option<(Option<Key>, OpenAt)> {
    if let Value::Partial(_) = callee {
        return partial(p, ctx, call);
    }
    // `retry(...)(db.connect)()`: a wrapper of the connect, called at once.
    if let Expr::Call(inner) = &call.func {
        if let Some(found) = inner.args.iter().find_map(|a| reference(p, ctx, a)) {
            return Some(found);
        }
    }
    let given = match callee {
        Value::External(path) if AT_ONCE.contains(&path.as_str()) => call.args.first(),
        Value::ExtInstance(class) if AT_ONCE.contains(&format!("{class}.__call__").as_str()) => {
            call.args.first()
        }
        Value::Func(f) => called_argument(p, *f, call, 0),
        Value::BoundMethod(f, _) => called_argument(p, *f, call, 1),
        _ => None,
    }?;
    reference(p, ctx, given)
}

/// `reconnect()`, where `reconnect = functools.partial(db.connect, ...)`: the connection is
/// opened by this call.
fn partial(p: &Parent, ctx: &Ctx, call: &Call) -> Option<(Option<Key>, OpenAt)> {
    let id = call.func.as_name()?;
    let (bound, scope) = match local_binding(&ctx.module, ctx.scope, id) {
        Some(Binding::Assign(e)) => (e, ctx.scope),
        _ => match local_binding(&ctx.module, Scope::Module, id) {
            Some(Binding::Assign(e)) => (e, Scope::Module),
            _ => return None,
        },
    };
    let inner: Arc<Expr> = bound;
    let Expr::Call(made) = &*inner else {
        return None;
    };
    let mut at = Ctx::new(ctx.module.clone(), scope);
    at.this = ctx.this;
    let (holder, reference) = reference(p, &at, made.args.first()?)?;
    Some((
        holder,
        OpenAt {
            loc: loc(ctx, call.span),
            what: written(call, &reference.path),
            ..reference
        },
    ))
}

/// A reference to a call that opens a connection (`db.connect`, `psycopg2.connect`, a
/// `functools.partial` of one): the global it connects, and the reference as the opening.
fn reference(p: &Parent, ctx: &Ctx, e: &Expr) -> Option<(Option<Key>, OpenAt)> {
    if let Expr::Call(c) = e {
        let is_partial =
            p.an.resolver
                .value(ctx, &c.func)
                .path()
                .is_some_and(|path| path == "functools.partial");
        return if is_partial {
            reference(p, ctx, c.args.first()?)
        } else {
            None
        };
    }
    if !matches!(e, Expr::Attribute { .. } | Expr::Name { .. }) {
        return None;
    }
    let path = p.an.resolver.value(ctx, e).path()?.to_string();
    let entry = p.an.extra.lookup(&path)?;
    // An entry that opens only with some argument, or checks out of an argument's pool,
    // cannot tell from a reference.
    if !entry.opens_connection || !entry.only_when.is_empty() || entry.checks_out_of.is_some() {
        return None;
    }
    let holder = match e {
        Expr::Attribute { value, .. } => p.keys.of(ctx, value),
        _ => None,
    };
    let what = e.dotted().unwrap_or_else(|| path.clone());
    Some((
        holder,
        OpenAt {
            loc: loc(ctx, e.span()),
            what,
            path,
            trace: Vec::new(),
        },
    ))
}

/// The argument a project function calls at once: the one given for a parameter that its body
/// calls (`def with_retries(connect): ... connect() ...`). `skip` parameters come before the
/// positional arguments (`self`).
fn called_argument<'c>(p: &Parent, f: FuncRef, call: &'c Call, skip: usize) -> Option<&'c Expr> {
    let module = p.an.project().module(f.module)?;
    let def = module.parsed.module.function(f.func)?;
    let mut called: Vec<&str> = Vec::new();
    visit_stmts(&def.body, &mut |s| {
        for c in calls_in(s) {
            if let Some(id) = c.func.as_name() {
                called.push(id);
            }
        }
    });
    let names = def.params.names.get(skip..)?;
    call.args
        .iter()
        .zip(names)
        .find(|(_, n)| called.contains(&n.as_str()))
        .map(|(a, _)| a)
        .or_else(|| {
            call.keywords
                .iter()
                .find(|k| k.arg.as_deref().is_some_and(|n| called.contains(&n)))
                .map(|k| &k.value)
        })
}
