//! Does a module name another anywhere: an import at module level or in a function (Django's
//! `AppConfig.ready()`, a lazy import), or a string holding its dotted name (`include=`,
//! `imports`, `importlib.import_module(...)`)? Used to tell a module nothing imports from one
//! celint's import following does not reach.

use celint_project::facts::symbols::absolute_module;
use celint_project::project::ModuleData;
use celint_syntax::ir::{Expr, Stmt};
use celint_syntax::visitor::{walk_expr, walk_stmt, Visitor};

/// Does `m` import `target` (or a module under it) anywhere, or hold its name in a string?
pub fn names_module(m: &ModuleData, target: &str) -> bool {
    find(m, target, true)
}

/// Does `m` import `target` (or a module under it) as it is imported itself: in its
/// module-level code, not in a function?
pub fn imports_at_import(m: &ModuleData, target: &str) -> bool {
    find(m, target, false)
}

fn find(m: &ModuleData, target: &str, anywhere: bool) -> bool {
    struct Finder<'m, 't> {
        module: &'m ModuleData,
        target: &'t str,
        strings: bool,
        found: bool,
    }
    impl Finder<'_, '_> {
        /// `name` is the target, or under it.
        fn covers(&self, name: &str) -> bool {
            name == self.target
                || name
                    .strip_prefix(self.target)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with(':'))
        }
    }
    impl<'a> Visitor<'a> for Finder<'_, '_> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::Import { names, .. } => {
                    if names.iter().any(|a| self.covers(&a.name)) {
                        self.found = true;
                    }
                }
                Stmt::ImportFrom {
                    module,
                    level,
                    names,
                    ..
                } => {
                    let base = absolute_module(
                        &self.module.name,
                        self.module.is_package,
                        *level,
                        module.as_deref(),
                    );
                    if let Some(base) = base {
                        if self.covers(&base)
                            || names
                                .iter()
                                .any(|a| self.covers(&format!("{base}.{}", a.name)))
                        {
                            self.found = true;
                        }
                    }
                }
                _ => walk_stmt(self, stmt),
            }
        }
        fn visit_expr(&mut self, e: &'a Expr) {
            if let Expr::Str { value, .. } = e {
                if self.strings && self.covers(value) {
                    self.found = true;
                }
            }
            walk_expr(self, e);
        }
    }
    let mut f = Finder {
        module: m,
        target,
        strings: anywhere,
        found: false,
    };
    let scopes = m.parsed.module.scopes();
    let scopes: Vec<_> = if anywhere {
        scopes.collect()
    } else {
        scopes.take(1).collect()
    };
    for (_, body) in scopes {
        for stmt in body {
            f.visit_stmt(stmt);
            if f.found {
                return true;
            }
        }
    }
    false
}
