//! What calling a project function returns: the value of its `return` statements when they all
//! agree (a factory's client, a handler factory's inner function). A function with a decorator
//! that may replace it, one that never returns a value, or whose returns disagree: unknown.

use super::{Ctx, FuncRef, Resolver, Value};
use celint_syntax::ir::{Expr, Scope, Stmt};
use celint_syntax::visitor::{walk_body, Visitor};

/// Decorators that leave what a call returns as it is.
const TRANSPARENT: &[&str] = &[
    "staticmethod",
    "classmethod",
    "functools.lru_cache",
    "functools.cache",
    "lru_cache",
    "cache",
];

impl Resolver<'_> {
    pub(super) fn returned(&self, f: FuncRef, depth: u32) -> Value {
        if !self.tick(depth) {
            return Value::Unknown;
        }
        let Some(module) = self.project.module(f.module) else {
            return Value::Unknown;
        };
        let Some(func) = module.parsed.module.function(f.func) else {
            return Value::Unknown;
        };
        let transparent = |d: &Expr| {
            let d = match d {
                Expr::Call(call) => &call.func,
                other => other,
            };
            d.dotted()
                .is_some_and(|n| TRANSPARENT.contains(&n.as_str()))
        };
        if !func.decorators.iter().all(transparent) {
            return Value::Unknown;
        }
        let mut returns = Returns(Vec::new());
        walk_body(&mut returns, &func.body);
        let ctx = Ctx {
            module: module.clone(),
            scope: Scope::Function(f.func),
            this: None,
        };
        let mut result: Option<Value> = None;
        for r in returns.0 {
            let Some(expr) = r else {
                return Value::Unknown;
            };
            let v = self.expr(&ctx, expr, depth + 1);
            match &result {
                None => result = Some(v),
                Some(prev) if *prev == v => {}
                Some(_) => return Value::Unknown,
            }
        }
        result.unwrap_or(Value::Unknown)
    }
}

/// The `return` statements of one function body (not of nested definitions), with their values.
struct Returns<'a>(Vec<Option<&'a Expr>>);

impl<'a> Visitor<'a> for Returns<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if let Stmt::Return { value } = stmt {
            self.0.push(value.as_deref());
        }
        celint_syntax::visitor::walk_stmt(self, stmt);
    }
}
