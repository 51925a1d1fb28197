//! What a handler's body does with one of the keyword arguments Celery passes it: which
//! expressions in the body are that argument (its parameter, `kwargs['body']`,
//! `kwargs.get('body')`, a local name bound to one of them), for the rules that read how a
//! handler uses `body`, `headers` or `sender` (CEL015, CEL018).

use std::collections::HashSet;

use celint_project::resolve::{Ctx, FuncRef, Resolver, Value};
use celint_syntax::ir::{Call, Expr, Function, Scope, Stmt};
use celint_syntax::visitor::{walk_body, walk_stmt, Visitor};

/// The ways one keyword argument is reached in a function's own body.
pub struct Argument<'f> {
    /// The keyword Celery passes (`body`), or the parameter of a function it is passed on to.
    pub keyword: &'f str,
    /// Names that hold it: the parameter of that name, and locals bound only to it.
    names: HashSet<&'f str>,
    /// The `**kwargs` parameter, through which it can be read too.
    kwarg: Option<&'f str>,
}

impl<'f> Argument<'f> {
    /// The argument `keyword` in `def`'s body; `None` when the function cannot receive it (no
    /// parameter of that name and no `**kwargs`).
    pub fn of(def: &'f Function, keyword: &'f str) -> Option<Argument<'f>> {
        let params = &def.params;
        let kwarg = params.kwarg.as_deref();
        let mut names: HashSet<&str> = HashSet::new();
        if params.names.iter().any(|n| n == keyword) {
            names.insert(keyword);
        }
        if names.is_empty() && kwarg.is_none() {
            return None;
        }
        let mut arg = Argument {
            keyword,
            names,
            kwarg,
        };
        // Locals bound to the argument, and names bound to anything else as well (those are
        // not the argument everywhere, so they are not taken for it anywhere).
        let mut binds = Binds::default();
        walk_body(&mut binds, &def.body);
        for (name, value) in &binds.assigned {
            if arg.is(value) {
                arg.names.insert(name);
            }
        }
        for (name, value) in &binds.assigned {
            if !arg.is(value) {
                arg.names.remove(name);
            }
        }
        for name in &binds.other {
            arg.names.remove(name);
        }
        if arg.names.is_empty() && arg.kwarg.is_none() {
            return None;
        }
        Some(arg)
    }

    /// Is `e` this argument?
    pub fn is(&self, e: &Expr) -> bool {
        match e {
            Expr::Name { id, .. } => self.names.contains(id.as_str()),
            _ => self.in_kwargs(e),
        }
    }

    /// `kwargs['body']` or `kwargs.get('body')` (with or without a default).
    fn in_kwargs(&self, e: &Expr) -> bool {
        let Some(kwarg) = self.kwarg else {
            return false;
        };
        let is_kwargs = |v: &Expr| matches!(v, Expr::Name { id, .. } if id == kwarg);
        let is_key = |k: &Expr| matches!(k, Expr::Str { value, .. } if value == self.keyword);
        match e {
            Expr::Subscript { value, index, .. } => is_kwargs(value) && is_key(index),
            Expr::Call(call) => match &call.func {
                Expr::Attribute { value, attr, .. } if attr == "get" => {
                    is_kwargs(value) && call.args.first().is_some_and(is_key)
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// How the argument is written best in new code: its parameter when it has one, else
    /// `kwargs['body']` (with the file's `quote`).
    pub fn spelling(&self, quote: char) -> Option<String> {
        if self.names.contains(self.keyword) {
            return Some(self.keyword.to_string());
        }
        self.kwarg
            .map(|k| format!("{k}[{quote}{}{quote}]", self.keyword))
    }
}

/// Plain `name = value` bindings of a function's own body, and names bound otherwise (loop
/// targets, `with ... as`, augmented assignments, unpacking).
#[derive(Default)]
struct Binds<'a> {
    assigned: Vec<(&'a str, &'a Expr)>,
    other: Vec<&'a str>,
}

impl<'a> Visitor<'a> for Binds<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Assign { targets, value, .. } => {
                for t in targets {
                    match t {
                        Expr::Name { id, .. } => self.assigned.push((id, value)),
                        other => names_in(other, &mut self.other),
                    }
                }
            }
            Stmt::AugAssign { target, .. } => names_in(target, &mut self.other),
            Stmt::For { target, .. } => names_in(target, &mut self.other),
            Stmt::With { targets, .. } => targets.iter().for_each(|t| names_in(t, &mut self.other)),
            _ => {}
        }
        walk_stmt(self, stmt);
    }
}

/// The names a target binds (`a`, `a, b`, `*rest`); not those under a subscript or attribute.
fn names_in<'a>(target: &'a Expr, out: &mut Vec<&'a str>) {
    match target {
        Expr::Name { id, .. } => out.push(id),
        Expr::Seq { elts, .. } => elts.iter().for_each(|e| names_in(e, out)),
        Expr::Starred { value, .. } => names_in(value, out),
        _ => {}
    }
}

/// How deep a rule follows an argument into the project functions it is passed to.
pub const MAX_DEPTH: usize = 3;

/// The project function `call` passes `arg` to, and the name of the parameter that takes it
/// (`record(body)` -> `def record(message)`: `message`). Only plain parameters: what a
/// `*args`/`**kwargs` collects is not followed.
pub fn passed_to(
    resolver: &Resolver,
    ctx: &Ctx,
    call: &Call,
    arg: &Argument,
) -> Option<(FuncRef, String)> {
    let given = call.args.iter().position(|a| arg.is(a));
    let keyword = call
        .keywords
        .iter()
        .find(|k| arg.is(&k.value))
        .and_then(|k| k.arg.clone());
    if given.is_none() && keyword.is_none() {
        return None;
    }
    let (func, bound) = match resolver.value(ctx, &call.func) {
        Value::Func(f) => (f, false),
        Value::BoundMethod(f, _) => (f, true),
        _ => return None,
    };
    let module = resolver.project.module(func.module)?;
    let def = module.parsed.module.function(func.func)?;
    // A method called bound: its first parameter is the instance. A static method has none.
    let skip = usize::from(bound && matches!(def.parent, Scope::Class(_)));
    let name = match (given, keyword) {
        (Some(i), _) => def.params.names.get(i + skip)?.clone(),
        (None, Some(k)) => def.params.names.iter().find(|n| **n == k)?.clone(),
        (None, None) => return None,
    };
    Some((func, name))
}

/// Where `arg` goes next from `from`'s body: each of `calls` that passes it to another project
/// function, with the parameter that takes it there and the call as a step of the trace.
pub fn passed_on(
    ck: &crate::checker::Checker,
    ctx: &Ctx,
    from: FuncRef,
    calls: &[&Call],
    arg: &Argument,
) -> Vec<(FuncRef, String, celint_analysis::effects::Hop)> {
    let project = ck.analyzer.project();
    calls
        .iter()
        .filter_map(|call| {
            let (callee, name) = passed_to(&ck.analyzer.resolver, ctx, call, arg)?;
            if callee == from {
                return None;
            }
            let callee_name = project
                .module(callee.module)
                .and_then(|m| {
                    m.parsed
                        .module
                        .function(callee.func)
                        .map(|f| f.name.clone())
                })
                .unwrap_or_default();
            let hop = celint_analysis::effects::Hop {
                call: celint_analysis::effects::Loc {
                    module: from.module,
                    span: call.span,
                },
                callee: callee_name,
            };
            Some((callee, name, hop))
        })
        .collect()
}
