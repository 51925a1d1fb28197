//! Values as the project writes them: numbers and strings through names (also imported from a
//! project module), `int()`/`float()`, and the defaults of environment lookups.

use std::sync::Arc;

use super::scanner::MAX_FOLLOW;
use celint_project::facts::symbols::Binding;
use celint_project::project::ModuleData;
use celint_project::resolve::{Ctx, Resolver, Value};
use celint_syntax::ir::{Expr, Scope};

/// A value, and the environment variable whose default it is, if it came from one.
pub(super) struct Eval<T> {
    pub value: Option<T>,
    pub env: Option<String>,
}

impl<T> Eval<T> {
    pub fn unknown() -> Self {
        Eval {
            value: None,
            env: None,
        }
    }
}

/// Values as written in one module: numbers and strings through names, imports, `int()`, and
/// the defaults of environment lookups.
pub(super) struct Values<'r, 'p> {
    pub resolver: &'r Resolver<'p>,
    pub module: Arc<ModuleData>,
}

impl Values<'_, '_> {
    fn ctx(&self, scope: Scope) -> Ctx {
        Ctx {
            module: self.module.clone(),
            scope,
            this: None,
        }
    }

    /// In another module (where a name was followed to).
    fn of(&self, module: Arc<ModuleData>) -> Self {
        Values {
            resolver: self.resolver,
            module,
        }
    }

    /// A number, through names and arithmetic, `int(...)`/`float(...)`, and the default of
    /// `os.environ.get(NAME, default)` / `os.getenv(NAME, default)` (then `env` names it).
    pub fn number(&self, expr: &Expr, scope: Scope, depth: u32) -> Eval<f64> {
        let ctx = self.ctx(scope);
        let known = |value| Eval { value, env: None };
        match self.resolver.value(&ctx, expr) {
            Value::Number(n) => return known(Some(n)),
            // Celery takes a string as it is given; a live worker treats "30" as 30 s.
            Value::Str(s) => return known(s.trim().parse().ok()),
            _ => {}
        }
        if depth > MAX_FOLLOW {
            return Eval::unknown();
        }
        match expr {
            Expr::Call(call) => match self.resolver.value(&ctx, &call.func).path() {
                Some("builtins.int" | "builtins.float") => match call.args.first() {
                    Some(a) => self.number(a, scope, depth + 1),
                    None => Eval::unknown(),
                },
                Some("os.environ.get" | "os.getenv") => {
                    let Some(default) = call.args.get(1).or_else(|| call.keyword("default")) else {
                        return Eval::unknown();
                    };
                    Eval {
                        value: self.number(default, scope, depth + 1).value,
                        env: call.args.first().and_then(|n| self.string(n, scope).value),
                    }
                }
                _ => Eval::unknown(),
            },
            Expr::Name { .. } | Expr::Attribute { .. } => match self.follow(expr, scope) {
                Some((module, scope, value)) => self.of(module).number(&value, scope, depth + 1),
                None => Eval::unknown(),
            },
            _ => Eval::unknown(),
        }
    }

    pub fn string(&self, expr: &Expr, scope: Scope) -> Eval<String> {
        let ctx = self.ctx(scope);
        if let Value::Str(s) = self.resolver.value(&ctx, expr) {
            return Eval {
                value: Some(s),
                env: None,
            };
        }
        if let Expr::Call(call) = expr {
            let callee = self.resolver.value(&ctx, &call.func);
            if let Some("os.environ.get" | "os.getenv") = callee.path() {
                if let Some(default) = call.args.get(1).or_else(|| call.keyword("default")) {
                    return Eval {
                        value: self.string(default, scope).value,
                        env: call.args.first().and_then(|n| self.string(n, scope).value),
                    };
                }
            }
        }
        Eval::unknown()
    }

    /// A name bound nowhere from `scope` outwards (and no `import *` that could bind it): a
    /// builtin such as `dict`, which the resolver does not name.
    pub fn unbound(&self, name: &str, scope: Scope) -> bool {
        if !self.module.symbols.module.star_imports.is_empty() {
            return false;
        }
        let mut at = Some(scope);
        while let Some(s) = at {
            if self
                .module
                .symbols
                .table(s)
                .is_some_and(|t| t.names.contains_key(name))
            {
                return false;
            }
            at = celint_project::resolve::parent_scope(&self.module, s);
        }
        true
    }

    /// What a name (from `scope` outwards, or imported from a project module) or a project
    /// module's attribute is bound to, when it is bound once by a plain assignment.
    pub fn follow(&self, expr: &Expr, scope: Scope) -> Option<(Arc<ModuleData>, Scope, Arc<Expr>)> {
        match expr {
            Expr::Name { id, .. } => {
                let mut at = Some(scope);
                while let Some(s) = at {
                    if let Some(b) = self.module.symbols.table(s).and_then(|t| t.names.get(id)) {
                        return self.binding(b, s);
                    }
                    at = celint_project::resolve::parent_scope(&self.module, s);
                }
                None
            }
            Expr::Attribute { value, attr, .. } => {
                let Value::Module(id) = self.resolver.value(&self.ctx(scope), value) else {
                    return None;
                };
                let module = self.resolver.project.module(id)?;
                let b = module.symbols.module.names.get(attr)?;
                self.of(module.clone()).binding(b, Scope::Module)
            }
            _ => None,
        }
    }

    /// One plain assignment, here or (one import away) in a project module.
    fn binding(
        &self,
        bindings: &[Binding],
        scope: Scope,
    ) -> Option<(Arc<ModuleData>, Scope, Arc<Expr>)> {
        match bindings {
            [Binding::Assign(v)] => Some((self.module.clone(), scope, v.clone())),
            [Binding::From { module, name }] => {
                let project = self.resolver.project;
                let m = project.module(project.find_module(module, Some(self.module.id))?)?;
                match m.symbols.module.names.get(name).map(Vec::as_slice) {
                    Some([Binding::Assign(v)]) => Some((m.clone(), Scope::Module, v.clone())),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}
