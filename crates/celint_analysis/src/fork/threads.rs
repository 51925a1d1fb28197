//! Threads started by a call: the catalogue's `[threads]` (`threading.Thread.start`,
//! `ThreadPoolExecutor.submit`, schedulers), and `.start()` on a project subclass of a thread
//! class. What the thread runs is its target (`Thread(target=f)`, `Timer(s, f)`,
//! `submit(f)`), or the subclass's `run`.

use super::keys::Keys;
use super::parent::{local_binding, Parent};
use crate::effects::cost;
use celint_catalog::blocking::{self, Arg};
use celint_project::facts::symbols::Binding;
use celint_project::resolve::{ClassRef, Ctx, FuncRef, Value};
use celint_syntax::ir::{Call, Expr};

pub struct Start {
    pub what: String,
    pub target: Option<FuncRef>,
    pub holder: Option<crate::fork::keys::Key>,
    /// The global whose method the thread runs (`self._loop` of `target=self._loop.run_forever`).
    pub serves: Option<crate::fork::keys::Key>,
}

pub fn started(p: &Parent, ctx: &Ctx, call: &Call, callee: &Value) -> Option<Start> {
    let threads = &blocking::catalogue().threads;
    let keys = Keys {
        resolver: &p.an.resolver,
    };
    let receiver = match &call.func {
        Expr::Attribute { value, .. } => Some(&**value),
        _ => None,
    };
    if let Some(path) = callee
        .path()
        .filter(|c| threads.start.iter().any(|s| s == c))
    {
        if no_thread(threads, path, call) {
            return None;
        }
        // The object whose method starts the thread, else the client the call builds
        // (`producer = KafkaProducer(...)` starts its sender thread).
        let holder = receiver
            .and_then(|r| keys.of(ctx, r))
            .or_else(|| p.assigned_to(call).into_iter().next());
        let bound = receiver.and_then(|r| bound_constructor(ctx, r));
        let runs = if path.ends_with(".submit") || path.ends_with(".map") {
            call.args.first()
        } else if let Some(receiver) = receiver.filter(|_| path.starts_with("threading.")) {
            // `Thread(group, target)` and `Timer(interval, function)`: both second.
            let keyword = if path.starts_with("threading.Timer") {
                "function"
            } else {
                "target"
            };
            let arg = Arg {
                position: Some(1),
                keyword: Some(keyword.to_string()),
            };
            let ctor = match receiver {
                Expr::Call(c) => Some(&**c),
                _ => match bound.as_deref() {
                    Some(Expr::Call(c)) => Some(&**c),
                    _ => None,
                },
            };
            ctor.and_then(|c| cost::arg(c, &arg))
        } else {
            None
        };
        // `target=self._loop.run_forever`: the thread runs a method of that object.
        let serves = match runs {
            Some(Expr::Attribute { value, .. }) => keys.of(ctx, value),
            _ => None,
        };
        return Some(Start {
            what: path.to_string(),
            target: runs.and_then(|a| function(p, ctx, a)),
            holder,
            serves,
        });
    }
    // `.start()` on an instance of a project class derived from a thread class.
    let receiver = receiver
        .filter(|_| matches!(&call.func, Expr::Attribute { attr, .. } if attr == "start"))?;
    let holder = keys.of(ctx, receiver);
    let Value::Instance(class) = p.an.resolver.value(ctx, receiver) else {
        return None;
    };
    let base = thread_base(p, class, 0)?;
    let target = match p.an.resolver.attribute_of(&Value::Instance(class), "run") {
        Value::BoundMethod(f, _) => Some(f),
        _ => None,
    };
    let name =
        p.an.project()
            .module(class.module)
            .and_then(|m| m.parsed.module.class(class.class).map(|c| c.name.clone()))
            .unwrap_or(base);
    Some(Start {
        what: format!("{name}.start"),
        target,
        holder,
        serves: None,
    })
}

/// Does the call start no thread, by the catalogue's `unless` arguments
/// (`flush_in_thread=False`)?
fn no_thread(threads: &blocking::Threads, path: &str, call: &Call) -> bool {
    threads.unless.get(path).is_some_and(|specs| {
        specs.iter().any(|spec| {
            let Some((keyword, value)) = spec.split_once('=') else {
                return false;
            };
            matches!(call.keyword(keyword), Some(Expr::Bool { value: v, .. })
                if (*v && value == "True") || (!*v && value == "False"))
        })
    })
}

/// The outside thread class a project class derives from.
fn thread_base(p: &Parent, class: ClassRef, depth: u32) -> Option<String> {
    if depth > 8 {
        return None;
    }
    let module = p.an.project().module(class.module)?;
    let def = module.parsed.module.class(class.class)?;
    let ctx = Ctx::new(module.clone(), def.parent);
    let classes = &blocking::catalogue().threads.classes;
    def.bases
        .iter()
        .find_map(|b| match p.an.resolver.value(&ctx, b) {
            Value::External(path) if classes.contains(&path) => Some(path),
            Value::Class(c) => thread_base(p, c, depth + 1),
            _ => None,
        })
}

/// The constructor of a name bound once, for `t = Thread(...); t.start()`: the binding holds
/// the expression, which outlives this call.
pub fn bound_constructor(ctx: &Ctx, receiver: &Expr) -> Option<std::sync::Arc<Expr>> {
    if let Expr::Attribute { value, attr, .. } = receiver {
        return self_constructor(ctx, value, attr);
    }
    let id = receiver.as_name()?;
    match local_binding(&ctx.module, ctx.scope, id)
        .or_else(|| local_binding(&ctx.module, celint_syntax::ir::Scope::Module, id))?
    {
        Binding::Assign(e) if matches!(&*e, Expr::Call(_)) => Some(e),
        _ => None,
    }
}

/// A project function an argument names.
fn function(p: &Parent, ctx: &Ctx, e: &Expr) -> Option<FuncRef> {
    match p.an.resolver.value(ctx, e) {
        Value::Func(f) | Value::BoundMethod(f, _) => Some(f),
        _ => None,
    }
}

/// `self.x = Thread(...)` earlier in the same method, for `self.x.start()`.
fn self_constructor(ctx: &Ctx, this: &Expr, attr: &str) -> Option<std::sync::Arc<Expr>> {
    let celint_syntax::ir::Scope::Function(f) = ctx.scope else {
        return None;
    };
    let def = ctx.module.parsed.module.function(f)?;
    let this_name = def.params.names.first()?;
    if this.as_name() != Some(this_name.as_str()) {
        return None;
    }
    let mut found = None;
    super::parent::visit_stmts(&def.body, &mut |s| {
        if let celint_syntax::ir::Stmt::Assign { targets, value, .. } = s {
            let this_attr = targets.iter().any(|t| {
                matches!(t, Expr::Attribute { value: v, attr: a, .. }
                    if a == attr && v.as_name() == Some(this_name.as_str()))
            });
            if this_attr && matches!(value.as_ref(), Expr::Call(_)) {
                found = Some(value.clone());
            }
        }
    });
    found
}
