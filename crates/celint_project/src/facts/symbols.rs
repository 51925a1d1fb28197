//! What each name means in each scope of one module: definitions, imports (made absolute) and
//! simple assignments. Built once per module from the lowered tree; no cross-module knowledge.

use std::collections::HashMap;
use std::sync::Arc;

use celint_syntax::ir::{ClassIdx, Expr, FuncIdx, Module, Scope, Stmt};
use celint_syntax::visitor::{walk_body, walk_stmt, Visitor};

#[derive(Debug, Clone)]
pub enum Binding {
    Def(celint_syntax::ir::FuncIdx),
    Class(celint_syntax::ir::ClassIdx),
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
    /// Names declared `global` in this scope (not `nonlocal`): bound at module level.
    pub globals: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Symbols {
    pub module: ScopeTable,
    pub functions: Vec<ScopeTable>,
    pub classes: Vec<ScopeTable>,
    /// Module-level names that functions assign under `global name`
    /// (`def create_app(): global app; app = Celery(...)`), with those functions.
    pub assigned_globally: HashMap<String, Vec<FuncIdx>>,
}

impl Symbols {
    pub fn table(&self, scope: Scope) -> Option<&ScopeTable> {
        match scope {
            Scope::Module => Some(&self.module),
            Scope::Function(f) => self.functions.get(f.0 as usize),
            Scope::Class(c) => self.classes.get(c.0 as usize),
        }
    }

    /// The functions that assign the module-level `name` under `global name`.
    pub fn global_writers(&self, name: &str) -> &[FuncIdx] {
        self.assigned_globally
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Is the module-level `name` a global at all: bound at module level, or assigned under
    /// `global` in a function?
    pub fn is_module_name(&self, name: &str) -> bool {
        self.module.names.contains_key(name) || self.assigned_globally.contains_key(name)
    }
}

impl ScopeTable {
    /// Is `name` declared `global` here (`Binding::Outer` also stands for `nonlocal`)?
    pub fn is_global(&self, name: &str) -> bool {
        self.globals.iter().any(|g| g == name)
    }
}

/// `name = None`: a placeholder a function fills in under `global name`.
pub fn is_none_placeholder(b: &Binding) -> bool {
    matches!(b, Binding::Assign(e) if matches!(**e, Expr::NoneLit { .. }))
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
        assigned_globally: HashMap::new(),
    };
    for (scope, body) in module.scopes() {
        let table = match scope {
            Scope::Module => Some(&mut symbols.module),
            Scope::Function(f) => symbols.functions.get_mut(f.0 as usize),
            Scope::Class(c) => symbols.classes.get_mut(c.0 as usize),
        };
        let Some(table) = table else {
            continue;
        };
        if let Scope::Function(f) = scope {
            if let Some(f) = module.function(f) {
                for (n, name) in f.params.names.iter().enumerate() {
                    add(table, name, Binding::Param(n));
                }
                for name in f.params.vararg.iter().chain(f.params.kwarg.iter()) {
                    add(table, name, Binding::Unknown);
                }
            }
        }
        walk_body(
            &mut Binder {
                module,
                module_name,
                is_package,
                table,
            },
            body,
        );
    }
    symbols.assigned_globally = assigned_globally(&symbols.functions);
    symbols
}

/// The names each function declares `global` and binds, by name.
fn assigned_globally(functions: &[ScopeTable]) -> HashMap<String, Vec<FuncIdx>> {
    let mut out: HashMap<String, Vec<FuncIdx>> = HashMap::new();
    for (i, table) in functions.iter().enumerate() {
        for name in &table.globals {
            let binds = table
                .names
                .get(name)
                .is_some_and(|b| b.iter().any(|b| !matches!(b, Binding::Outer)));
            let writers = out.entry(name.clone()).or_default();
            if binds && !writers.contains(&FuncIdx(i as u32)) {
                writers.push(FuncIdx(i as u32));
            }
        }
    }
    out.retain(|_, w| !w.is_empty());
    out
}

fn add(table: &mut ScopeTable, name: &str, binding: Binding) {
    table
        .names
        .entry(name.to_string())
        .or_default()
        .push(binding);
}

/// The bindings of one scope's own block (nested definitions bind their name here; their
/// bodies are scopes of their own).
struct Binder<'a, 't> {
    module: &'a Module,
    module_name: &'a str,
    is_package: bool,
    table: &'t mut ScopeTable,
}

impl<'a> Visitor<'a> for Binder<'a, '_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import { names, .. } => {
                for alias in names {
                    match &alias.asname {
                        Some(asname) => {
                            add(self.table, asname, Binding::Module(alias.name.clone()))
                        }
                        None => {
                            let top = alias.name.split('.').next().unwrap_or(&alias.name);
                            add(self.table, top, Binding::Module(top.to_string()));
                        }
                    }
                }
            }
            Stmt::ImportFrom {
                module,
                level,
                names,
                ..
            } => self.import_from(module.as_deref(), *level, names),
            Stmt::Assign { targets, value, .. } => {
                for target in targets {
                    match target {
                        Expr::Name { id, .. } => {
                            add(self.table, id, Binding::Assign(value.clone()))
                        }
                        other => bind_unknown(other, self.table),
                    }
                }
            }
            Stmt::AugAssign { target, .. } => bind_unknown(target, self.table),
            Stmt::Global {
                names,
                nonlocal: false,
            } => self.table.globals.extend(names.iter().cloned()),
            Stmt::For { target, .. } => bind_unknown(target, self.table),
            Stmt::With { targets, .. } => {
                for t in targets {
                    bind_unknown(t, self.table);
                }
            }
            // Bindings made by nested statements, definitions and `global` are found by the
            // walk and its hooks.
            Stmt::Def(_)
            | Stmt::Class(_)
            | Stmt::Expr(_)
            | Stmt::If { .. }
            | Stmt::Match { .. }
            | Stmt::While { .. }
            | Stmt::Try { .. }
            | Stmt::Raise { .. }
            | Stmt::Return { .. }
            | Stmt::Global { nonlocal: true, .. }
            | Stmt::Break
            | Stmt::Continue
            | Stmt::Pass => {}
        }
        walk_stmt(self, stmt);
    }

    /// Expressions bind nothing this table records (a walrus is an opaque node).
    fn visit_expr(&mut self, _: &'a Expr) {}

    fn visit_def(&mut self, func: FuncIdx) {
        if let Some(f) = self.module.function(func) {
            add(self.table, &f.name, Binding::Def(func));
        }
    }

    fn visit_class(&mut self, class: ClassIdx) {
        if let Some(c) = self.module.class(class) {
            add(self.table, &c.name, Binding::Class(class));
        }
    }

    fn visit_global(&mut self, names: &'a [String]) {
        for n in names {
            add(self.table, n, Binding::Outer);
        }
    }
}

impl Binder<'_, '_> {
    fn import_from(
        &mut self,
        module: Option<&str>,
        level: u32,
        names: &[celint_syntax::ir::ImportAlias],
    ) {
        let Some(abs) = absolute_module(self.module_name, self.is_package, level, module) else {
            for alias in names {
                add(
                    self.table,
                    alias.asname.as_ref().unwrap_or(&alias.name),
                    Binding::Unknown,
                );
            }
            return;
        };
        for alias in names {
            if alias.name == "*" {
                self.table.star_imports.push(abs.clone());
                continue;
            }
            add(
                self.table,
                alias.asname.as_ref().unwrap_or(&alias.name),
                Binding::From {
                    module: abs.clone(),
                    name: alias.name.clone(),
                },
            );
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
