//! Which modules a function's calls lead into, named before the walk resolves them, so the
//! loader can parse them in parallel while the walk goes on (see `Loader::prefetch`).

use celint_project::facts::symbols::Binding;
use celint_project::project::ModuleData;
use celint_syntax::ir::{Expr, Function, Scope};
use celint_syntax::visitor::{walk_body, walk_expr, Visitor};

/// The modules that the calls in `func` name through an import: `helpers.load()` after
/// `import helpers` or `from app import helpers`, `load()` after `from app.helpers import load`.
/// A guess, never a fact: the walk resolves each call itself.
pub(super) fn call_modules(module: &ModuleData, scope: Scope, func: &Function) -> Vec<String> {
    let mut calls = Calls(Vec::new());
    walk_body(&mut calls, &func.body);
    let mut names: Vec<String> = Vec::new();
    for (first, rest) in calls.0 {
        for binding in bindings(module, scope, first) {
            match binding {
                Binding::Module(m) => {
                    names.push(m.clone());
                    // `import a` then `a.b.c()`: `a.b` may be the module.
                    if let Some(sub) = rest {
                        names.push(format!("{m}.{sub}"));
                    }
                }
                Binding::From { module, name } => {
                    names.push(module.clone());
                    names.push(format!("{module}.{name}"));
                }
                _ => {}
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// The bindings of a name in the function's scope, else in the module's.
fn bindings<'m>(module: &'m ModuleData, scope: Scope, name: &str) -> &'m [Binding] {
    let local = module
        .symbols
        .table(scope)
        .and_then(|t| t.names.get(name))
        .map(Vec::as_slice);
    local
        .or_else(|| module.symbols.module.names.get(name).map(Vec::as_slice))
        .unwrap_or(&[])
}

/// Each call's callee as its first name and the attribute after it (`a` and `b` in `a.b.c()`).
struct Calls<'a>(Vec<(&'a str, Option<&'a str>)>);

impl<'a> Visitor<'a> for Calls<'a> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Call(call) = expr {
            if let Some(head) = head(&call.func) {
                self.0.push(head);
            }
        }
        walk_expr(self, expr);
    }
}

fn head(expr: &Expr) -> Option<(&str, Option<&str>)> {
    match expr {
        Expr::Name { id, .. } => Some((id, None)),
        Expr::Attribute { value, attr, .. } => match value.as_ref() {
            Expr::Name { id, .. } => Some((id, Some(attr))),
            other => head(other),
        },
        _ => None,
    }
}
