//! Small walks over a block of statements that the fork analysis shares: what runs at import
//! (not under `if __name__ == "__main__":`), the calls a statement makes itself, the values a
//! function returns, the one binding of a local name.

use celint_project::facts::symbols::Binding;
use celint_project::project::ModuleData;
use celint_syntax::ir::{Call, Expr, Scope, Stmt};
use celint_syntax::visitor::{walk_expr, Visitor};

/// The one binding of a local name, when it has exactly one.
pub fn local_binding(module: &ModuleData, scope: Scope, id: &str) -> Option<Binding> {
    match module.symbols.table(scope)?.names.get(id)?.as_slice() {
        [b] => Some(b.clone()),
        _ => None,
    }
}

/// The calls a statement makes itself (not those of nested blocks, definitions or lambdas),
/// in evaluation order.
pub fn calls_in(stmt: &Stmt) -> Vec<&Call> {
    struct Calls<'a>(Vec<&'a Call>);
    impl<'a> Visitor<'a> for Calls<'a> {
        fn visit_expr(&mut self, e: &'a Expr) {
            walk_expr(self, e);
            if let Expr::Call(c) = e {
                self.0.push(c);
            }
        }
        fn visit_stmt(&mut self, _: &'a Stmt) {}
    }
    let mut v = Calls(Vec::new());
    match stmt {
        Stmt::Assign { value, .. } => v.visit_expr(value),
        Stmt::Expr(e) => v.visit_expr(e),
        Stmt::AugAssign { value, .. } => v.visit_expr(value),
        Stmt::If { test, .. } | Stmt::While { test, .. } => v.visit_expr(test),
        Stmt::For { iter, .. } => v.visit_expr(iter),
        Stmt::Match { subject, .. } => v.visit_expr(subject),
        Stmt::With { items, .. } => items.iter().for_each(|i| v.visit_expr(i)),
        Stmt::Return { value: Some(e) } => v.visit_expr(e),
        _ => {}
    }
    v.0
}

/// `__name__ == "__main__"` (the lowered comparison keeps its operands, not its operator: a
/// `!=` guard reads the same, and is rare enough to be taken for the usual one).
pub fn is_main_guard(test: &Expr) -> bool {
    let Expr::Other { children, .. } = test else {
        return false;
    };
    match children.as_slice() {
        [a, b] => {
            let name = |e: &Expr| e.as_name() == Some("__name__");
            let main = |e: &Expr| e.as_str() == Some("__main__");
            (name(a) && main(b)) || (main(a) && name(b))
        }
        _ => false,
    }
}

/// Every statement of a body, nested blocks included (not what `if __name__ == "__main__"`
/// guards), definitions excluded.
pub fn visit_stmts<'a>(body: &'a [Stmt], f: &mut dyn FnMut(&'a Stmt)) {
    for stmt in body {
        f(stmt);
        for block in blocks_run(stmt) {
            visit_stmts(block, f);
        }
    }
}

/// The blocks nested in a statement that may run when it does, in source order: all of an
/// `if`, loop, `match`, `try` or `with`, but only the `else` of `if __name__ == "__main__"`.
pub fn blocks_run(stmt: &Stmt) -> Vec<&[Stmt]> {
    match stmt {
        Stmt::If { test, orelse, .. } if is_main_guard(test) => vec![orelse],
        Stmt::If { body, orelse, .. }
        | Stmt::For { body, orelse, .. }
        | Stmt::While { body, orelse, .. } => vec![body, orelse],
        Stmt::Match { cases, .. } => cases.iter().map(Vec::as_slice).collect(),
        Stmt::Try {
            body,
            handlers,
            orelse,
            finalbody,
        } => std::iter::once(body.as_slice())
            .chain(handlers.iter().map(|h| h.body.as_slice()))
            .chain([orelse.as_slice(), finalbody.as_slice()])
            .collect(),
        Stmt::With { body, .. } => vec![body],
        _ => Vec::new(),
    }
}

pub fn returns_in<'a>(body: &'a [Stmt], out: &mut Vec<&'a Expr>) {
    visit_stmts(body, &mut |s| {
        if let Stmt::Return { value: Some(v) } = s {
            out.push(v);
        }
    });
}
