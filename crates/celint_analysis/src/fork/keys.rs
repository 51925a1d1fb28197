//! Globals by identity: which module-level name, class attribute or attribute of a module-level
//! object an expression denotes, followed through `from m import name`. What the main process
//! stores before the fork and what a pool child reads are matched by these keys.

use std::sync::Arc;

use celint_project::facts::symbols::Binding;
use celint_project::project::{ModuleData, ModuleId};
use celint_project::resolve::{parent_scope, ClassRef, Ctx, Resolver, Value};
use celint_syntax::ir::{Expr, Scope};

/// Deepest chain of `from m import name` re-exports followed.
const MAX_REEXPORTS: u32 = 8;

/// A global: `conn` in module `db`, `Store.conn` (a class attribute), `app.db` (an attribute
/// of a module-level object).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub module: ModuleId,
    pub path: String,
}

impl Key {
    /// Does reading `self` read what `held` holds: the same global, or something reached from
    /// it (`conn.cursor` reads `conn`)? The object that contains it does not (`app` is not
    /// `app.db`).
    pub fn reads(&self, held: &Key) -> bool {
        self.module == held.module
            && self
                .path
                .strip_prefix(held.path.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    }

    pub fn attr(&self, attr: &str) -> Key {
        Key {
            module: self.module,
            path: format!("{}.{attr}", self.path),
        }
    }
}

pub struct Keys<'a, 'p> {
    pub resolver: &'a Resolver<'p>,
}

impl Keys<'_, '_> {
    /// The global `expr` denotes, if it is one (a local name, a parameter, an outside module's
    /// attribute: none).
    pub fn of(&self, ctx: &Ctx, expr: &Expr) -> Option<Key> {
        match expr {
            Expr::Name { id, .. } => self.name(&ctx.module, ctx.scope, id),
            Expr::Attribute { value, attr, .. } => {
                if let Some(class) = self.self_class(ctx, value) {
                    return Some(class_key(&ctx.module, class, attr));
                }
                match self.resolver.value(ctx, value) {
                    Value::Module(m) => self.in_module(m, attr, 0),
                    Value::Class(c) => {
                        let module = self.resolver.project.module(c.module)?;
                        Some(class_key(&module, c, attr))
                    }
                    _ => self.of(ctx, value).map(|k| k.attr(attr)),
                }
            }
            _ => None,
        }
    }

    /// The class whose attribute `self.x` / `cls.x` is, in a method.
    pub fn self_class(&self, ctx: &Ctx, value: &Expr) -> Option<ClassRef> {
        let Expr::Name { id, .. } = value else {
            return None;
        };
        let Scope::Function(f) = ctx.scope else {
            return None;
        };
        let func = ctx.module.parsed.module.function(f)?;
        let Scope::Class(class) = func.parent else {
            return None;
        };
        (func.params.names.first() == Some(id)).then_some(ClassRef {
            module: ctx.module.id,
            class,
        })
    }

    /// The global a name read in `scope` is: not bound in an enclosing function, bound (or
    /// declared `global`) at module level. A name bound in the class body being executed is
    /// that class's attribute.
    pub fn name(&self, module: &Arc<ModuleData>, scope: Scope, id: &str) -> Option<Key> {
        let mut scope = scope;
        let mut first = true;
        while scope != Scope::Module {
            let table = module.symbols.table(scope);
            let bindings = table.and_then(|t| t.names.get(id));
            let outer = bindings.is_some_and(|b| b.iter().any(|b| matches!(b, Binding::Outer)));
            match (scope, bindings) {
                // `global id`: the module's; `nonlocal id`: the enclosing function's.
                _ if outer && table.is_some_and(|t| t.is_global(id)) => break,
                _ if outer => {}
                (Scope::Function(_), Some(_)) => return None,
                (Scope::Class(c), Some(_)) if first => {
                    return Some(class_key(
                        module,
                        ClassRef {
                            module: module.id,
                            class: c,
                        },
                        id,
                    ))
                }
                _ => {}
            }
            first = false;
            scope = parent_scope(module, scope)?;
        }
        self.in_module(module.id, id, 0)
    }

    /// The global `name` of module `m`, through re-exports.
    pub fn in_module(&self, m: ModuleId, name: &str, depth: u32) -> Option<Key> {
        let project = self.resolver.project;
        let module = project.module(m)?;
        // A name only functions bind, under `global name`, is the module's too.
        let Some(bindings) = module.symbols.module.names.get(name) else {
            return module.symbols.is_module_name(name).then(|| Key {
                module: m,
                path: name.to_string(),
            });
        };
        if let Some(Binding::From { module: from, name }) = bindings.first() {
            if depth >= MAX_REEXPORTS {
                return None;
            }
            // An outside module's name is not the project's global; a submodule is a module.
            let source = project.find_module(from, Some(m))?;
            return self.in_module(source, name, depth + 1);
        }
        let plain = bindings
            .iter()
            .all(|b| !matches!(b, Binding::Module(_) | Binding::Def(_) | Binding::Class(_)));
        plain.then(|| Key {
            module: m,
            path: name.to_string(),
        })
    }
}

fn class_key(module: &ModuleData, class: ClassRef, attr: &str) -> Key {
    let name = module
        .parsed
        .module
        .class(class.class)
        .map(|c| c.name.as_str())
        .unwrap_or("?");
    Key {
        module: class.module,
        path: format!("{name}.{attr}"),
    }
}
