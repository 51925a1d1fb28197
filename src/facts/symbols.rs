//! What each name means in each scope of one module: definitions, imports (made absolute) and
//! simple assignments. Built once per module from the lowered tree; no cross-module knowledge.

use std::collections::HashMap;
use std::sync::Arc;

use crate::syntax::ir::{Expr, Module, Scope, Stmt};

#[derive(Debug, Clone)]
pub enum Binding {
    Def(crate::syntax::ir::FuncIdx),
    Class(crate::syntax::ir::ClassIdx),
    /// `import a.b as c` binds `c` to module `a.b`; `import a.b` binds `a` to module `a`.
    Module(String),
    /// `from m import n [as x]`, with `m` made absolute.
    From {
        module: String,
        name: String,
    },
    /// `name = value` (also `a = b = value`).
    Assign(Arc<Expr>),
    /// The n-th parameter of the function.
    Param(usize),
    /// Bound in a way we do not follow (unpacking, loop targets, `+=`, `with ... as`, `except`).
    Unknown,
    /// `global x` / `nonlocal x`: look in an outer scope.
    Outer,
}

#[derive(Debug, Default)]
pub struct ScopeTable {
    pub names: HashMap<String, Vec<Binding>>,
    /// Modules of `from m import *`.
    pub star_imports: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Symbols {
    pub module: ScopeTable,
    pub functions: Vec<ScopeTable>,
    pub classes: Vec<ScopeTable>,
}

impl Symbols {
    pub fn table(&self, scope: Scope) -> Option<&ScopeTable> {
        match scope {
            Scope::Module => Some(&self.module),
            Scope::Function(f) => self.functions.get(f.0 as usize),
            Scope::Class(c) => self.classes.get(c.0 as usize),
        }
    }
}

/// The absolute module a relative import refers to. `module` is the importing module's dotted
/// name, `is_package` whether it is an `__init__`.
pub fn absolute_module(
    module: &str,
    is_package: bool,
    level: u32,
    target: Option<&str>,
) -> Option<String> {
    if level == 0 {
        return target.map(str::to_string);
    }
    let mut parts: Vec<&str> = if module.is_empty() {
        Vec::new()
    } else {
        module.split('.').collect()
    };
    if !is_package {
        parts.pop()?;
    }
    for _ in 1..level {
        parts.pop()?;
    }
    let mut base = parts.join(".");
    if let Some(t) = target {
        if !base.is_empty() {
            base.push('.');
        }
        base.push_str(t);
    }
    if base.is_empty() {
        None
    } else {
        Some(base)
    }
}

pub fn build(module: &Module, module_name: &str, is_package: bool) -> Symbols {
    let mut symbols = Symbols {
        module: ScopeTable::default(),
        functions: (0..module.functions.len())
            .map(|_| ScopeTable::default())
            .collect(),
        classes: (0..module.classes.len())
            .map(|_| ScopeTable::default())
            .collect(),
    };
    let ctx = Ctx {
        module,
        module_name,
        is_package,
    };
    ctx.block(&module.body, &mut symbols.module);
    for (i, f) in module.functions.iter().enumerate() {
        if let Some(table) = symbols.functions.get_mut(i) {
            for (n, name) in f.params.names.iter().enumerate() {
                add(table, name, Binding::Param(n));
            }
            for name in f.params.vararg.iter().chain(f.params.kwarg.iter()) {
                add(table, name, Binding::Unknown);
            }
            ctx.block(&f.body, table);
        }
    }
    for (i, c) in module.classes.iter().enumerate() {
        if let Some(table) = symbols.classes.get_mut(i) {
            ctx.block(&c.body, table);
        }
    }
    symbols
}

fn add(table: &mut ScopeTable, name: &str, binding: Binding) {
    table
        .names
        .entry(name.to_string())
        .or_default()
        .push(binding);
}

struct Ctx<'a> {
    module: &'a Module,
    module_name: &'a str,
    is_package: bool,
}

impl Ctx<'_> {
    fn block(&self, body: &[Stmt], table: &mut ScopeTable) {
        for stmt in body {
            self.stmt(stmt, table);
        }
    }

    fn stmt(&self, stmt: &Stmt, table: &mut ScopeTable) {
        match stmt {
            Stmt::Def(idx) => {
                if let Some(f) = self.module.function(*idx) {
                    add(table, &f.name, Binding::Def(*idx));
                }
            }
            Stmt::Class(idx) => {
                if let Some(c) = self.module.class(*idx) {
                    add(table, &c.name, Binding::Class(*idx));
                }
            }
            Stmt::Import { names, .. } => {
                for alias in names {
                    match &alias.asname {
                        Some(asname) => add(table, asname, Binding::Module(alias.name.clone())),
                        None => {
                            let top = alias.name.split('.').next().unwrap_or(&alias.name);
                            add(table, top, Binding::Module(top.to_string()));
                        }
                    }
                }
            }
            Stmt::ImportFrom {
                module,
                level,
                names,
                ..
            } => {
                let Some(abs) =
                    absolute_module(self.module_name, self.is_package, *level, module.as_deref())
                else {
                    for alias in names {
                        add(
                            table,
                            alias.asname.as_ref().unwrap_or(&alias.name),
                            Binding::Unknown,
                        );
                    }
                    return;
                };
                for alias in names {
                    if alias.name == "*" {
                        table.star_imports.push(abs.clone());
                        continue;
                    }
                    add(
                        table,
                        alias.asname.as_ref().unwrap_or(&alias.name),
                        Binding::From {
                            module: abs.clone(),
                            name: alias.name.clone(),
                        },
                    );
                }
            }
            Stmt::Assign { targets, value, .. } => {
                for target in targets {
                    match target {
                        Expr::Name { id, .. } => add(table, id, Binding::Assign(value.clone())),
                        other => bind_unknown(other, table),
                    }
                }
            }
            Stmt::AugAssign { target, .. } => bind_unknown(target, table),
            Stmt::For {
                target,
                body,
                orelse,
                ..
            } => {
                bind_unknown(target, table);
                self.block(body, table);
                self.block(orelse, table);
            }
            Stmt::While { body, orelse, .. } => {
                self.block(body, table);
                self.block(orelse, table);
            }
            Stmt::If { body, orelse, .. } => {
                self.block(body, table);
                self.block(orelse, table);
            }
            Stmt::Match { cases, .. } => {
                for case in cases {
                    self.block(case, table);
                }
            }
            Stmt::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                self.block(body, table);
                for h in handlers {
                    self.block(&h.body, table);
                }
                self.block(orelse, table);
                self.block(finalbody, table);
            }
            Stmt::With { targets, body, .. } => {
                for t in targets {
                    bind_unknown(t, table);
                }
                self.block(body, table);
            }
            Stmt::Global { names } => {
                for n in names {
                    add(table, n, Binding::Outer);
                }
            }
            Stmt::Expr(_)
            | Stmt::Raise { .. }
            | Stmt::Return { .. }
            | Stmt::Break
            | Stmt::Continue
            | Stmt::Pass => {}
        }
    }
}

fn bind_unknown(target: &Expr, table: &mut ScopeTable) {
    match target {
        Expr::Name { id, .. } => add(table, id, Binding::Unknown),
        Expr::Seq { elts, .. } => {
            for e in elts {
                bind_unknown(e, table);
            }
        }
        Expr::Starred { value, .. } => bind_unknown(value, table),
        _ => {}
    }
}
