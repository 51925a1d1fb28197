//! What an expression refers to, across modules: a project function, class or module, something
//! outside the project named by its dotted path (`time.sleep`, `celery.signals.worker_ready`),
//! or a constant. Flow-insensitive and deliberately modest: a name bound more than once to
//! different things is unknown, and anything unknown is never assumed to be a hazard.

pub mod celery;
mod instance;
mod returns;

use std::cell::Cell;
use std::sync::Arc;

use crate::facts::symbols::{is_none_placeholder, Binding};
use crate::project::{ModuleData, ModuleId, Project};
use celint_catalog::blocking;
use celint_syntax::ir::{BinOp, Call, ClassIdx, Expr, FuncIdx, Scope};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FuncRef {
    pub module: ModuleId,
    pub func: FuncIdx,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClassRef {
    pub module: ModuleId,
    pub class: ClassIdx,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Unknown,
    /// A module of the project.
    Module(ModuleId),
    /// Something outside the project, by dotted path.
    External(String),
    /// What calling an outside callable returned (the callable's normalised path).
    ExtInstance(String),
    Func(FuncRef),
    /// A method looked up on an instance of the class (which may be a subclass of the class
    /// defining the method): `self` is bound.
    BoundMethod(FuncRef, ClassRef),
    Class(ClassRef),
    Instance(ClassRef),
    /// `functools.partial(f, ...)`.
    Partial(Box<Value>),
    Number(f64),
    Str(String),
    /// A list or tuple literal of known length.
    Seq(usize),
}

impl Value {
    /// The dotted path of an outside object or instance method.
    pub fn path(&self) -> Option<&str> {
        match self {
            Value::External(p) => Some(p),
            _ => None,
        }
    }
    pub fn number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }
}

/// Names Python provides without an import that matter to the rules, besides the builtin
/// exception classes (`catalog::exceptions` lists those).
const BUILTINS: &[&str] = &[
    "exit", "quit", "input", "print", "int", "float", "range", "len", "open", "getattr",
];

/// Upper bound on resolution steps for one top-level query: keeps pathological code (names
/// defined in terms of each other across many modules) from taking exponential time.
const STEP_BUDGET: u32 = 4_000;
const MAX_DEPTH: u32 = 48;

pub struct Resolver<'p> {
    pub project: &'p Project,
    steps: Cell<u32>,
    /// A definition whose name is not bound yet: its decorators are being evaluated, and
    /// Python evaluates them before it binds the name (`@worker_ready.connect` over
    /// `def worker_ready(...)` connects to the signal).
    unbound_def: Cell<Option<FuncRef>>,
    /// Dotted names the user's blocking calls give exactly (`mylib.Bot`): what `from mylib
    /// import *` is known to provide besides what the catalogue describes.
    user_names: Vec<String>,
}

/// Where an expression is evaluated.
#[derive(Clone)]
pub struct Ctx {
    pub module: Arc<ModuleData>,
    pub scope: Scope,
    /// The class of `self` in a method, when it is known to be a subclass of the class that
    /// defines the method (`Sub().run()` with `run` defined in `Base`); `None`: the defining
    /// class.
    pub this: Option<ClassRef>,
}

impl Ctx {
    pub fn new(module: Arc<ModuleData>, scope: Scope) -> Self {
        Ctx {
            module,
            scope,
            this: None,
        }
    }
}

impl<'p> Resolver<'p> {
    pub fn new(project: &'p Project) -> Self {
        Self::with_user_names(project, Vec::new())
    }

    pub fn with_user_names(project: &'p Project, user_names: Vec<String>) -> Self {
        Resolver {
            project,
            steps: Cell::new(0),
            unbound_def: Cell::new(None),
            user_names,
        }
    }

    /// Resolves `expr` evaluated in `ctx`.
    pub fn value(&self, ctx: &Ctx, expr: &Expr) -> Value {
        self.steps.set(0);
        self.expr(ctx, expr, 0)
    }

    /// Runs `f` (which resolves `def`'s decorators) as Python evaluates them: before `def`'s
    /// name is bound.
    pub fn before_def<T>(&self, def: FuncRef, f: impl FnOnce() -> T) -> T {
        let outer = self.unbound_def.replace(Some(def));
        let out = f();
        self.unbound_def.set(outer);
        out
    }

    /// Resolves `name` as seen from `ctx`.
    pub fn name(&self, ctx: &Ctx, name: &str) -> Value {
        self.steps.set(0);
        self.lookup(ctx, name, 0)
    }

    fn tick(&self, depth: u32) -> bool {
        let s = self.steps.get() + 1;
        self.steps.set(s);
        s <= STEP_BUDGET && depth <= MAX_DEPTH
    }

    fn expr(&self, ctx: &Ctx, expr: &Expr, depth: u32) -> Value {
        if !self.tick(depth) {
            return Value::Unknown;
        }
        match expr {
            Expr::Name { id, .. } => self.lookup(ctx, id, depth + 1),
            Expr::Attribute { value, attr, .. } => {
                let base = self.expr(ctx, value, depth + 1);
                self.attribute(&base, attr, depth + 1)
            }
            Expr::Call(call) => {
                let callee = self.expr(ctx, &call.func, depth + 1);
                self.call_result(ctx, &callee, call, depth + 1)
            }
            Expr::Number { value, .. } => Value::Number(*value),
            Expr::Str { value, .. } => Value::Str(value.clone()),
            Expr::Neg { operand, .. } => match self.expr(ctx, operand, depth + 1) {
                Value::Number(n) => Value::Number(-n),
                _ => Value::Unknown,
            },
            Expr::BinOp {
                left, op, right, ..
            } => {
                let (Value::Number(a), Value::Number(b)) = (
                    self.expr(ctx, left, depth + 1),
                    self.expr(ctx, right, depth + 1),
                ) else {
                    return Value::Unknown;
                };
                let v = match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mult => a * b,
                    BinOp::Div if b != 0.0 => a / b,
                    BinOp::FloorDiv if b != 0.0 => (a / b).floor(),
                    BinOp::Mod if b != 0.0 => a.rem_euclid(b),
                    BinOp::Pow => a.powf(b),
                    _ => return Value::Unknown,
                };
                if v.is_finite() {
                    Value::Number(v)
                } else {
                    Value::Unknown
                }
            }
            Expr::Seq { kind, elts, .. }
                if *kind != celint_syntax::ir::SeqKind::Set
                    && !elts.iter().any(|e| matches!(e, Expr::Starred { .. })) =>
            {
                Value::Seq(elts.len())
            }
            Expr::Lambda { func, .. } => Value::Func(FuncRef {
                module: ctx.module.id,
                func: *func,
            }),
            _ => Value::Unknown,
        }
    }

    /// Looks `name` up from `ctx.scope` outwards (class scopes are seen only from their own
    /// body), then in `from m import *` modules, then builtins.
    fn lookup(&self, ctx: &Ctx, name: &str, depth: u32) -> Value {
        let module = &ctx.module;
        match self.bindings_of(ctx, name) {
            Some((scope, bindings)) if scope != Scope::Module => {
                let inner = Ctx {
                    module: module.clone(),
                    scope,
                    this: ctx.this,
                };
                return self.bindings(&inner, name, bindings, depth);
            }
            _ => {
                if let Some(v) = self.global(module, name, depth, true) {
                    return v;
                }
            }
        }
        for star in &module.symbols.module.star_imports {
            if let Some(v) = self.star_member(star, name, module.id, depth + 1) {
                return v;
            }
        }
        if BUILTINS.contains(&name) || celint_catalog::exceptions::is_builtin_class(name) {
            return Value::External(format!("builtins.{name}"));
        }
        Value::Unknown
    }

    /// The module-level `name` of `module`: its module-level bindings, or, when it has none but
    /// `None` placeholders, what the module's functions assign it under `global name`
    /// (`celery_app = None` then `def create_app(): global celery_app; celery_app =
    /// Celery(...)`), when they agree. `filled`: read when the functions may have run (a use
    /// at call time), not copied at import (`from m import celery_app` copies the placeholder,
    /// unless there is none). `None`: the module does not bind it.
    fn global(
        &self,
        module: &Arc<ModuleData>,
        name: &str,
        depth: u32,
        filled: bool,
    ) -> Option<Value> {
        let own = module.symbols.module.names.get(name);
        let writers = module.symbols.global_writers(name);
        let placeholders_only = own.is_none_or(|b| b.iter().all(is_none_placeholder));
        if writers.is_empty() || !placeholders_only {
            let ctx = Ctx::new(module.clone(), Scope::Module);
            return own.map(|b| self.bindings(&ctx, name, b, depth));
        }
        if own.is_some() && !filled {
            return Some(Value::Unknown);
        }
        let mut result: Option<Value> = None;
        for f in writers {
            let scope = Scope::Function(*f);
            let Some(bindings) = module.symbols.table(scope).and_then(|t| t.names.get(name)) else {
                continue;
            };
            let ctx = Ctx::new(module.clone(), scope);
            for b in bindings
                .iter()
                .filter(|b| !matches!(b, Binding::Outer) && !is_none_placeholder(b))
            {
                let v = self.binding(&ctx, name, b, depth + 1);
                match &result {
                    None => result = Some(v),
                    Some(prev) if *prev == v => {}
                    Some(_) => return Some(Value::Unknown),
                }
            }
        }
        Some(result.unwrap_or(Value::Unknown))
    }

    fn bindings(&self, ctx: &Ctx, name: &str, bindings: &[Binding], depth: u32) -> Value {
        let mut result: Option<Value> = None;
        let unbound = self.unbound_def.get();
        let is_unbound = |b: &Binding| match (b, unbound) {
            (Binding::Def(f), Some(u)) => u.module == ctx.module.id && u.func == *f,
            _ => false,
        };
        for b in bindings.iter().filter(|b| !is_unbound(b)) {
            let v = self.binding(ctx, name, b, depth + 1);
            match &result {
                None => result = Some(v),
                Some(prev) if *prev == v => {}
                Some(_) => return Value::Unknown,
            }
        }
        result.unwrap_or(Value::Unknown)
    }

    fn binding(&self, ctx: &Ctx, _name: &str, binding: &Binding, depth: u32) -> Value {
        let module = &ctx.module;
        match binding {
            Binding::Def(f) => Value::Func(FuncRef {
                module: module.id,
                func: *f,
            }),
            Binding::Class(c) => Value::Class(ClassRef {
                module: module.id,
                class: *c,
            }),
            Binding::Module(name) => self.module_value(name, Some(module.id)),
            Binding::From { module: m, name } => {
                self.module_member(m, name, Some(module.id), depth + 1)
            }
            Binding::Assign(value) => self.expr(ctx, value, depth + 1),
            Binding::Param(n) => self.param(ctx, *n),
            Binding::Unknown | Binding::Outer => Value::Unknown,
        }
    }

    /// `self` and `cls` of a method.
    fn param(&self, ctx: &Ctx, n: usize) -> Value {
        if n != 0 {
            return Value::Unknown;
        }
        let Scope::Function(f) = ctx.scope else {
            return Value::Unknown;
        };
        let Some(func) = ctx.module.parsed.module.function(f) else {
            return Value::Unknown;
        };
        let Scope::Class(c) = func.parent else {
            return Value::Unknown;
        };
        // `self` is an instance of the subclass the method was looked up on, when known.
        let class = ctx.this.unwrap_or(ClassRef {
            module: ctx.module.id,
            class: c,
        });
        let decorated = |name: &str| {
            func.decorators
                .iter()
                .any(|d| d.dotted().as_deref() == Some(name))
        };
        if decorated("staticmethod") {
            Value::Unknown
        } else if decorated("classmethod") {
            Value::Class(class)
        } else {
            Value::Instance(class)
        }
    }

    /// `name` as provided by `from <module> import *`. Of a module outside the project only
    /// the names celint knows it has are taken from it: `celery.signals`' signals, what the
    /// blocking-call catalogue describes (`from wxpy import *` then `Bot(...)`), and the
    /// user's own blocking calls; any other name is not.
    fn star_member(&self, module: &str, name: &str, from: ModuleId, depth: u32) -> Option<Value> {
        if self.project.find_module(module, Some(from)).is_some() {
            let v = self.module_member(module, name, Some(from), depth);
            return (v != Value::Unknown).then_some(v);
        }
        let path = blocking::library_path(&format!("{module}.{name}")).into_owned();
        let known = celint_catalog::signals::from_path(&path).is_some()
            || blocking::describes(&path)
            || self.user_names.iter().any(|n| {
                n == &path
                    || n.strip_prefix(path.as_str())
                        .is_some_and(|r| r.starts_with('.'))
            });
        known.then_some(Value::External(path))
    }

    fn module_value(&self, name: &str, from: Option<ModuleId>) -> Value {
        match self.project.find_module(name, from) {
            Some(id) => Value::Module(id),
            // A vendored copy or a fork of a catalogued package is that package.
            None => Value::External(blocking::library_path(name).into_owned()),
        }
    }

    /// `from module import name`.
    fn module_member(&self, module: &str, name: &str, from: Option<ModuleId>, depth: u32) -> Value {
        match self.project.find_module(module, from) {
            Some(id) => {
                let v = self.module_attribute(id, name, depth + 1, false);
                if v != Value::Unknown {
                    return v;
                }
                match self.project.find_module(&format!("{module}.{name}"), from) {
                    Some(sub) => Value::Module(sub),
                    None => Value::Unknown,
                }
            }
            None => {
                Value::External(blocking::library_path(&format!("{module}.{name}")).into_owned())
            }
        }
    }

    pub fn attribute_of(&self, base: &Value, attr: &str) -> Value {
        self.steps.set(0);
        self.attribute(base, attr, 0)
    }

    fn attribute(&self, base: &Value, attr: &str, depth: u32) -> Value {
        if !self.tick(depth) {
            return Value::Unknown;
        }
        match base {
            Value::Module(id) => self.module_attribute(*id, attr, depth + 1, true),
            Value::External(p) | Value::ExtInstance(p) => Value::External(format!("{p}.{attr}")),
            Value::Class(c) => match self.class_member(*c, attr, depth + 1) {
                Some(Value::Func(f)) => Value::Func(f),
                Some(other) => other,
                None => Value::Unknown,
            },
            Value::Instance(c) => {
                // What `__init__` assigns to `self.<attr>` shadows the class attribute.
                if let Some(v) = self.instance_attribute(*c, attr, depth + 1) {
                    return v;
                }
                match self.class_member(*c, attr, depth + 1) {
                    Some(Value::Func(f)) => Value::BoundMethod(f, *c),
                    Some(other) => other,
                    None => Value::Unknown,
                }
            }
            _ => Value::Unknown,
        }
    }

    /// `attr` of a project module: a module-level name (see [`Resolver::global`] for `filled`),
    /// one of its star imports, or a submodule.
    fn module_attribute(&self, id: ModuleId, attr: &str, depth: u32, filled: bool) -> Value {
        // Modules that import a name from each other (`from a import x` in b, `from b import
        // x` in a) would lead here forever: the depth bound ends it.
        if !self.tick(depth) {
            return Value::Unknown;
        }
        let Some(module) = self.project.module(id) else {
            return Value::Unknown;
        };
        if let Some(v) = self.global(&module, attr, depth + 1, filled) {
            return v;
        }
        for star in &module.symbols.module.star_imports {
            if let Some(v) = self.star_member(star, attr, module.id, depth + 1) {
                return v;
            }
        }
        match self
            .project
            .find_module(&format!("{}.{attr}", module.name), Some(module.id))
        {
            Some(sub) => Value::Module(sub),
            // `third_party.whisper` under a project package: the vendored library.
            None => {
                let full = format!("{}.{attr}", module.name);
                if blocking::is_vendored(&full) {
                    Value::External(blocking::library_path(&full).into_owned())
                } else {
                    Value::Unknown
                }
            }
        }
    }

    /// A name defined in a class body, or in its project base classes (depth-first, as a simple
    /// approximation of the MRO).
    fn class_member(&self, class: ClassRef, attr: &str, depth: u32) -> Option<Value> {
        if !self.tick(depth) {
            return None;
        }
        let module = self.project.module(class.module)?;
        let ctx = Ctx {
            module: module.clone(),
            scope: Scope::Class(class.class),
            this: None,
        };
        if let Some(bindings) = module
            .symbols
            .table(Scope::Class(class.class))
            .and_then(|t| t.names.get(attr))
        {
            return Some(self.bindings(&ctx, attr, bindings, depth + 1));
        }
        let cls = module.parsed.module.class(class.class)?;
        let parent_ctx = Ctx {
            module: module.clone(),
            scope: cls.parent,
            this: None,
        };
        for base in &cls.bases {
            if let Value::Class(b) = self.expr(&parent_ctx, base, depth + 1) {
                if let Some(v) = self.class_member(b, attr, depth + 1) {
                    return Some(v);
                }
            }
        }
        None
    }

    fn call_result(&self, ctx: &Ctx, callee: &Value, call: &Call, depth: u32) -> Value {
        match callee {
            Value::Class(c) => Value::Instance(*c),
            Value::Func(f) | Value::BoundMethod(f, _) => self.returned(*f, depth + 1),
            Value::External(p) if p == "builtins.getattr" => self.getattr(ctx, call, depth + 1),
            Value::External(p) if p == "functools.partial" => match call.args.first() {
                Some(f) => Value::Partial(Box::new(self.expr(ctx, f, depth + 1))),
                None => Value::Unknown,
            },
            Value::External(p) => Value::ExtInstance(blocking::normalize_factory(p).to_string()),
            _ => Value::Unknown,
        }
    }

    /// The values of a tuple or list written out (`(a, b)`, or a name bound once to one), in
    /// order; `None` when it is not known element by element.
    pub fn elements(&self, ctx: &Ctx, expr: &Expr) -> Option<Vec<Value>> {
        self.steps.set(0);
        self.elements_of(ctx, expr, 0)
    }

    fn elements_of(&self, ctx: &Ctx, expr: &Expr, depth: u32) -> Option<Vec<Value>> {
        if !self.tick(depth) {
            return None;
        }
        match expr {
            Expr::Seq { kind, elts, .. } if *kind != celint_syntax::ir::SeqKind::Set => elts
                .iter()
                .map(|e| match e {
                    Expr::Starred { .. } => None,
                    e => Some(self.expr(ctx, e, depth + 1)),
                })
                .collect(),
            Expr::Name { id, .. } => {
                let (scope, bindings) = self.bindings_of(ctx, id)?;
                let [Binding::Assign(value)] = bindings else {
                    return None;
                };
                let inner = Ctx {
                    module: ctx.module.clone(),
                    scope,
                    this: ctx.this,
                };
                self.elements_of(&inner, value, depth + 1)
            }
            _ => None,
        }
    }

    /// The scope that binds `name` as seen from `ctx`, and its bindings there.
    fn bindings_of<'m>(&self, ctx: &'m Ctx, name: &str) -> Option<(Scope, &'m [Binding])> {
        let module = &ctx.module;
        let mut scope = Some(ctx.scope);
        let mut first = true;
        while let Some(s) = scope {
            let skip = matches!(s, Scope::Class(_)) && !first;
            if !skip {
                let table = module.symbols.table(s);
                if let Some(b) = table.and_then(|t| t.names.get(name)) {
                    if !b.iter().any(|b| matches!(b, Binding::Outer)) {
                        return Some((s, b));
                    }
                    // `global name`: the module's, whatever the scopes between bind.
                    if s != Scope::Module && table.is_some_and(|t| t.is_global(name)) {
                        scope = Some(Scope::Module);
                        first = false;
                        continue;
                    }
                }
            }
            first = false;
            scope = parent_scope(module, s);
        }
        None
    }

    /// The project function a call of `f` returns, when its returns agree on one.
    pub fn returned_by(&self, f: FuncRef) -> Option<FuncRef> {
        self.steps.set(0);
        match self.returned(f, 0) {
            Value::Func(g) => Some(g),
            _ => None,
        }
    }

    /// `name`, seen from `ctx`, is the `index`-th parameter of this enclosing function.
    pub fn param_of(&self, ctx: &Ctx, name: &str) -> Option<(FuncRef, usize)> {
        let (scope, bindings) = self.bindings_of(ctx, name)?;
        match (scope, bindings) {
            (Scope::Function(func), [Binding::Param(index)]) => Some((
                FuncRef {
                    module: ctx.module.id,
                    func,
                },
                *index,
            )),
            _ => None,
        }
    }

    /// `getattr(obj, "name")` with a constant name is `obj.name`.
    fn getattr(&self, ctx: &Ctx, call: &Call, depth: u32) -> Value {
        match (call.args.as_slice(), call.keywords.is_empty()) {
            ([obj, Expr::Str { value: name, .. }], true) => {
                let base = self.expr(ctx, obj, depth + 1);
                self.attribute(&base, name, depth + 1)
            }
            _ => Value::Unknown,
        }
    }
}

pub fn parent_scope(module: &ModuleData, scope: Scope) -> Option<Scope> {
    match scope {
        Scope::Module => None,
        Scope::Function(f) => module.parsed.module.function(f).map(|f| f.parent),
        Scope::Class(c) => module.parsed.module.class(c).map(|c| c.parent),
    }
}
