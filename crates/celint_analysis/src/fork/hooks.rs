//! What re-creates, in each pool child, what the main process opened before the fork, besides
//! a `worker_process_init` or `task_prerun` handler (`children`):
//!
//! - hooks the main process registers before the fork, which run in every child right after
//!   it: `os.register_at_fork(after_in_child=f)`, `register_after_fork(obj, f)` of
//!   `multiprocessing.util` (billiard's and kombu's names are the same registry, and billiard
//!   runs it in each pool child), and SQLAlchemy's `checkout` listener that compares the
//!   process id (the recipe of SQLAlchemy's pooling documentation);
//! - process-id guards: `if os.getpid() != self._pid: <re-create>`, in a function the children
//!   run (`children`) or in any method of the object's class;
//! - classes that register such a hook on `self`.
//!
//! Celery's `app.on_after_fork` is not one: it is registered only when the app's connection
//! pool is first used, after the first children were forked (seen on a live worker), so those
//! children run it not.

use crate::effects::Analyzer;
use crate::fork::children::RESETS;
use crate::fork::keys::{Key, Keys};
use crate::fork::stmts::{calls_in, local_binding, visit_stmts};
use celint_project::facts::symbols::Binding;
use celint_project::resolve::{ClassRef, Ctx, FuncRef, Value};
use celint_syntax::ir::{Call, Expr, FuncIdx, Function, Scope, Stmt};
use celint_syntax::visitor::{walk_expr, walk_function, Visitor};

/// `os.register_at_fork`: its `after_in_child` runs in the child of every `os.fork()`.
const AT_FORK: &str = "os.register_at_fork";

/// `register_after_fork(obj, func)`: `func(obj)` runs in each child a multiprocessing or
/// billiard process starts (Celery's prefork pool is billiard's).
const AFTER_FORK: &[&str] = &[
    "multiprocessing.util.register_after_fork",
    "billiard.util.register_after_fork",
    "kombu.utils.compat.register_after_fork",
];

/// SQLAlchemy's event registration: `listen(target, "checkout", fn)`, `@listens_for(...)`.
const LISTEN: &[&str] = &["sqlalchemy.event.listen", "sqlalchemy.event.api.listen"];
const LISTENS_FOR: &[&str] = &[
    "sqlalchemy.event.listens_for",
    "sqlalchemy.event.api.listens_for",
];

/// Deepest chain of project base classes followed.
const MAX_BASES: u32 = 8;

/// Something the main process registered that re-creates a global in each child.
#[derive(Clone, Debug)]
pub enum Hook {
    /// The global is re-created or let go of in each child (`after_in_child=engine.dispose`,
    /// `register_after_fork(engine, ...)`, a `checkout` listener with a process-id check).
    Resets(Key),
    /// This function runs in each child right after the fork, with the global as its first
    /// argument when there is one (`register_after_fork(engine, dispose_pool)`).
    Runs { func: FuncRef, arg: Option<Key> },
}

/// The hooks a call registers (`os.register_at_fork(after_in_child=...)`,
/// `register_after_fork(obj, func)`, `event.listen(engine, "checkout", fn)`). `returned` are
/// the globals the result of the function being run goes to: a hook on a local object that
/// the function returns is on them (`engine = make_engine()`).
pub fn registered(
    an: &Analyzer,
    keys: &Keys,
    (ctx, call, callee): (&Ctx, &Call, &Value),
    returned: &[Key],
) -> Vec<Hook> {
    let Some(path) = callee.path() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if path == AT_FORK {
        if let Some(f) = call.keyword("after_in_child") {
            child_hook(an, keys, ctx, f, &mut out);
        }
    } else if AFTER_FORK.contains(&path) {
        let arg = |i: usize, kw: &str| call.args.get(i).or_else(|| call.keyword(kw));
        let objs = arg(0, "obj").map(|o| object_keys(keys, ctx, o, returned));
        for k in objs.iter().flatten() {
            out.push(Hook::Resets(k.clone()));
        }
        if let Some(func) = arg(1, "func").and_then(|f| function(an, ctx, f)) {
            let first = objs.and_then(|o| o.into_iter().next());
            out.push(Hook::Runs { func, arg: first });
        }
    } else if LISTEN.contains(&path) {
        if let [target, event, f, ..] = call.args.as_slice() {
            if function(an, ctx, f).is_some_and(|func| checks_out_by_pid(an, event, func)) {
                let targets = object_keys(keys, ctx, target, returned);
                out.extend(targets.into_iter().map(Hook::Resets));
            }
        }
    }
    out
}

/// The hooks a definition's decorators register: `@event.listens_for(engine, "checkout")` on a
/// listener that compares the process id.
pub fn decorated(an: &Analyzer, keys: &Keys, ctx: &Ctx, func: FuncIdx) -> Vec<Hook> {
    let Some(def) = ctx.module.parsed.module.function(func) else {
        return Vec::new();
    };
    let f = FuncRef {
        module: ctx.module.id,
        func,
    };
    let mut out = Vec::new();
    for d in &def.decorators {
        let Expr::Call(call) = d else { continue };
        let listens = an
            .resolver
            .value(ctx, &call.func)
            .path()
            .is_some_and(|p| LISTENS_FOR.contains(&p));
        if let ([target, event, ..], true) = (call.args.as_slice(), listens) {
            if checks_out_by_pid(an, event, f) {
                out.extend(keys.of(ctx, target).map(Hook::Resets));
            }
        }
    }
    out
}

/// A `checkout` listener whose body compares the process id: it discards a connection made in
/// another process (SQLAlchemy then opens a new one).
fn checks_out_by_pid(an: &Analyzer, event: &Expr, f: FuncRef) -> bool {
    if event.as_str() != Some("checkout") {
        return false;
    }
    let Some(module) = an.project().module(f.module) else {
        return false;
    };
    let Some(def) = module.parsed.module.function(f.func) else {
        return false;
    };
    let ctx = Ctx::new(module.clone(), Scope::Function(f.func));
    let mut found = false;
    visit_stmts(&def.body, &mut |s| {
        if let Stmt::If { test, .. } = s {
            found |= is_pid_test(an, &ctx, test);
        }
    });
    found
}

/// `after_in_child=...`: a method of a global (`engine.dispose`) re-creates that global; a
/// project function or lambda runs in each child.
fn child_hook(an: &Analyzer, keys: &Keys, ctx: &Ctx, f: &Expr, out: &mut Vec<Hook>) {
    if let Expr::Attribute { value, .. } = f {
        if let Some(k) = keys.of(ctx, value) {
            out.push(Hook::Resets(k));
        }
    }
    if let Some(func) = function(an, ctx, f) {
        out.push(Hook::Runs { func, arg: None });
    }
}

/// The globals an object given to a hook is: a global itself, or a local that the function
/// being run returns to `returned`.
fn object_keys(keys: &Keys, ctx: &Ctx, obj: &Expr, returned: &[Key]) -> Vec<Key> {
    if let Some(k) = keys.of(ctx, obj) {
        return vec![k];
    }
    let (Expr::Name { id, .. }, Scope::Function(f)) = (obj, ctx.scope) else {
        return Vec::new();
    };
    let Some(def) = ctx.module.parsed.module.function(f) else {
        return Vec::new();
    };
    let mut values = Vec::new();
    super::stmts::returns_in(&def.body, &mut values);
    if values.iter().any(|v| v.as_name() == Some(id.as_str())) {
        returned.to_vec()
    } else {
        Vec::new()
    }
}

/// The project function (or lambda) an argument names.
fn function(an: &Analyzer, ctx: &Ctx, e: &Expr) -> Option<FuncRef> {
    if let Expr::Lambda { func, .. } = e {
        return Some(FuncRef {
            module: ctx.module.id,
            func: *func,
        });
    }
    match an.resolver.value(ctx, e) {
        Value::Func(f) | Value::BoundMethod(f, _) => Some(f),
        Value::Partial(inner) => match *inner {
            Value::Func(f) | Value::BoundMethod(f, _) => Some(f),
            _ => None,
        },
        _ => None,
    }
}

/// Does an `if` test compare the process id (`os.getpid() != self._pid`, `pid != self.pid`
/// with `pid = os.getpid()`)? The lowered comparison keeps its operands, not its operator:
/// either branch may be the one that re-creates.
pub fn is_pid_test(an: &Analyzer, ctx: &Ctx, test: &Expr) -> bool {
    let Expr::Other { children, .. } = test else {
        return false;
    };
    (children.len() >= 2 && children.iter().any(|c| is_getpid(an, ctx, c, 0)))
        || children.iter().any(|c| is_pid_test(an, ctx, c))
}

fn is_getpid(an: &Analyzer, ctx: &Ctx, e: &Expr, depth: u32) -> bool {
    match e {
        Expr::Call(c) => {
            c.args.is_empty()
                && an
                    .resolver
                    .value(ctx, &c.func)
                    .path()
                    .is_some_and(|p| p == "os.getpid")
        }
        Expr::Name { id, .. } if ctx.scope != Scope::Module && depth < 2 => {
            match local_binding(&ctx.module, ctx.scope, id) {
                Some(Binding::Assign(v)) => is_getpid(an, ctx, &v, depth + 1),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Is the global (or what holds it) an instance of a class that re-creates its state in a new
/// process, or that class itself (`Store.conn`)?
pub fn fork_aware_key(an: &Analyzer, key: &Key) -> bool {
    let Some(module) = an.project().module(key.module) else {
        return false;
    };
    let ctx = Ctx::new(module, Scope::Module);
    let mut parts = key.path.split('.');
    let Some(first) = parts.next() else {
        return false;
    };
    let mut value = an.resolver.name(&ctx, first);
    loop {
        if let Value::Instance(c) | Value::Class(c) = value {
            if fork_aware(an, c, 0) {
                return true;
            }
        }
        let Some(next) = parts.next() else {
            return false;
        };
        value = an.resolver.attribute_of(&value, next);
    }
}

/// A class (or a project base of it) with a method that guards on the process id and then
/// re-creates something of `self`, or that registers an after-fork hook on `self`.
fn fork_aware(an: &Analyzer, class: ClassRef, depth: u32) -> bool {
    if depth > MAX_BASES {
        return false;
    }
    let Some(module) = an.project().module(class.module) else {
        return false;
    };
    let ir = &module.parsed.module;
    let Some(def) = ir.class(class.class) else {
        return false;
    };
    let handles = ir
        .functions
        .iter()
        .enumerate()
        .filter(|(_, f)| f.parent == Scope::Class(class.class))
        .any(|(i, f)| {
            let ctx = Ctx::new(module.clone(), Scope::Function(FuncIdx(i as u32)));
            method_handles_fork(an, &ctx, f)
        });
    if handles {
        return true;
    }
    let ctx = Ctx::new(module.clone(), def.parent);
    def.bases.iter().any(|b| match an.resolver.value(&ctx, b) {
        Value::Class(base) => fork_aware(an, base, depth + 1),
        _ => false,
    })
}

fn method_handles_fork(an: &Analyzer, ctx: &Ctx, f: &Function) -> bool {
    let Some(this) = f.params.names.first() else {
        return false;
    };
    let mut registers = false;
    visit_stmts(&f.body, &mut |s| {
        registers = registers
            || calls_in(s)
                .into_iter()
                .any(|c| registers_on(an, ctx, c, this));
    });
    registers || guard_recreates(an, ctx, &f.body, this)
}

/// Does a block hold a process-id guard with a branch that re-creates something of `this`?
/// After a branch that returns or raises, the rest of the block is the other branch.
fn guard_recreates(an: &Analyzer, ctx: &Ctx, block: &[Stmt], this: &str) -> bool {
    block.iter().enumerate().any(|(i, s)| {
        if let Stmt::If { test, body, orelse } = s {
            if is_pid_test(an, ctx, test) {
                let rest = block.get(i + 1..).unwrap_or_default();
                return recreates(body, this)
                    || recreates(orelse, this)
                    || ((exits(body) || exits(orelse)) && recreates(rest, this));
            }
        }
        super::stmts::blocks_run(s)
            .into_iter()
            .any(|b| guard_recreates(an, ctx, b, this))
    })
}

/// Does a block end by leaving the function (`return`, `raise`)?
pub fn exits(block: &[Stmt]) -> bool {
    matches!(block.last(), Some(Stmt::Return { .. } | Stmt::Raise { .. }))
}

/// Does a block re-create something of `this`: assign to an attribute of it, call one of its
/// own methods (`self._connect()`), or reset what it holds (`self.pool.dispose()`)? Using what
/// it holds (`self.conn.cursor()`) is not.
fn recreates(body: &[Stmt], this: &str) -> bool {
    let mut found = false;
    visit_stmts(body, &mut |s| {
        if let Stmt::Assign { targets, .. } = s {
            found |= targets
                .iter()
                .any(|t| matches!(t, Expr::Attribute { .. }) && rooted_at(t, this));
        }
        found |= calls_in(s).into_iter().any(|c| match &c.func {
            Expr::Attribute { value, attr, .. } => {
                value.as_name() == Some(this)
                    || (RESETS.contains(&attr.as_str()) && rooted_at(value, this))
            }
            _ => false,
        });
    });
    found
}

/// `self`, `self.pool`, `self.pool.conn`.
fn rooted_at(e: &Expr, this: &str) -> bool {
    match e {
        Expr::Name { id, .. } => id == this,
        Expr::Attribute { value, .. } => rooted_at(value, this),
        _ => false,
    }
}

/// `register_after_fork(self, ...)`, `os.register_at_fork(after_in_child=self._reset)` (or a
/// lambda that uses `self`).
fn registers_on(an: &Analyzer, ctx: &Ctx, call: &Call, this: &str) -> bool {
    let value = an.resolver.value(ctx, &call.func);
    let Some(path) = value.path() else {
        return false;
    };
    if AFTER_FORK.contains(&path) {
        return call
            .args
            .first()
            .or_else(|| call.keyword("obj"))
            .is_some_and(|o| o.as_name() == Some(this));
    }
    if path != AT_FORK {
        return false;
    }
    match call.keyword("after_in_child") {
        Some(Expr::Lambda { func, .. }) => ctx
            .module
            .parsed
            .module
            .function(*func)
            .is_some_and(|l| mentions(l, this)),
        Some(e) => rooted_at(e, this),
        None => false,
    }
}

/// Does a lambda's body name `this`?
fn mentions(f: &Function, this: &str) -> bool {
    struct Names<'t>(&'t str, bool);
    impl<'a> Visitor<'a> for Names<'_> {
        fn visit_expr(&mut self, e: &'a Expr) {
            if e.as_name() == Some(self.0) {
                self.1 = true;
            }
            walk_expr(self, e);
        }
    }
    let mut v = Names(this, false);
    walk_function(&mut v, f);
    v.1
}
