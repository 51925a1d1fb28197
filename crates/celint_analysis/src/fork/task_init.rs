//! Task classes Celery instantiates in the worker's main process. Each task is an instance of a
//! class: `@app.task(base=DBTask)` (or `@shared_task(base=...)`) makes a subclass of the base,
//! the app's `task_cls` is the base of the others, and `app.register_task(MyTask)` registers a
//! class-based task. Celery makes each instance when the app is finalized (Celery 5.x
//! `Celery._task_from_fun`: `type(fun.__name__, (base,), {...})()`; `register_task`:
//! `inspect.isclass(task) and task() or task`), which the worker does before its pool forks:
//! the base's `__init__` runs there, with `self` the task, and what it stores on `self` is the
//! task's in every child. The children read it in the class's methods (`self.conn`) and in a
//! `bind=True` task's body, whose first parameter is the task (`key_of_bound`).

use std::collections::HashSet;
use std::sync::Arc;

use super::keys::Key;
use super::parent::{init_of, loc, visit_stmts, Parent, Root};
use super::worker::is_task_decorator;
use crate::effects::{Analyzer, Hop, Loc};
use celint_project::project::ModuleData;
use celint_project::resolve::{ClassRef, Ctx, FuncRef, Value};
use celint_syntax::ir::{Call, Expr, FuncIdx, Scope, Stmt};

/// Methods of a task class that are not the children's code: `__init__` runs in the main
/// process (above), `__del__` when the instance goes, which a pool child's task never does.
pub const NOT_RUN_IN_CHILD: &[&str] = &["__init__", "__del__"];

/// A task defined by a decorator, and the project class it is an instance of.
pub struct TaskBase {
    pub func: FuncRef,
    pub name: String,
    pub decorator: Loc,
    pub base: ClassRef,
    /// `bind=True`: the body's first parameter is the task.
    pub bound: bool,
}

/// The decorated tasks of `modules` whose class derives from a project class: the decorator's
/// `base=`, else the app's `task_cls` when the modules give exactly one.
pub fn task_bases(an: &Analyzer, modules: &[Arc<ModuleData>]) -> Vec<TaskBase> {
    let default = task_cls(an, modules);
    let mut out = Vec::new();
    for m in modules {
        for (i, f) in m.parsed.module.functions.iter().enumerate() {
            let ctx = Ctx::new(m.clone(), f.parent);
            for d in &f.decorators {
                let call = match d {
                    Expr::Call(c) => Some(&**c),
                    _ => None,
                };
                let named = call
                    .map_or(d, |c| &c.func)
                    .dotted()
                    .is_some_and(|n| n.rsplit('.').next().is_some_and(|l| l.ends_with("task")));
                if !named || !is_task_decorator(an, &ctx, d) {
                    continue;
                }
                let base = match call.and_then(|c| c.keyword("base")) {
                    Some(b) => match an.resolver.value(&ctx, b) {
                        Value::Class(c) => Some(c),
                        _ => None,
                    },
                    None => default,
                };
                let Some(base) = base else {
                    continue;
                };
                let bound = call
                    .and_then(|c| c.keyword("bind"))
                    .is_some_and(|b| matches!(b, Expr::Bool { value: true, .. }));
                out.push(TaskBase {
                    func: FuncRef {
                        module: m.id,
                        func: FuncIdx(i as u32),
                    },
                    name: f.name.clone(),
                    decorator: loc(&ctx, d.span()),
                    base,
                    bound,
                });
                break;
            }
        }
    }
    out
}

/// The project class given as `Celery(..., task_cls=...)` at module level (a class, or its
/// `"module:Class"` / `"module.Class"` name), when every app made gives the same one.
fn task_cls(an: &Analyzer, modules: &[Arc<ModuleData>]) -> Option<ClassRef> {
    let mut found: HashSet<ClassRef> = HashSet::new();
    let mut unknown = false;
    for m in modules {
        let ctx = Ctx::new(m.clone(), Scope::Module);
        visit_stmts(&m.parsed.module.body, &mut |s| {
            let value = match s {
                Stmt::Assign { value, .. } => &**value,
                Stmt::Expr(e) => e,
                _ => return,
            };
            let Expr::Call(call) = value else {
                return;
            };
            let Some(given) = call.keyword("task_cls") else {
                return;
            };
            if !matches!(an.resolver.value(&ctx, value), Value::ExtInstance(p) if p == "celery.Celery")
            {
                return;
            }
            match class_named(an, &ctx, given) {
                Some(c) => {
                    found.insert(c);
                }
                None => unknown = true,
            }
        });
    }
    match (found.len(), unknown) {
        (1, false) => found.into_iter().next(),
        _ => None,
    }
}

fn class_named(an: &Analyzer, ctx: &Ctx, e: &Expr) -> Option<ClassRef> {
    if let Some(text) = e.as_str() {
        let (module, name) = match text.split_once(':') {
            Some(split) => split,
            None => text.rsplit_once('.')?,
        };
        let project = an.project();
        let id = project.find_module(module, Some(ctx.module.id))?;
        let m = project.module(id)?;
        return match an.resolver.name(&Ctx::new(m, Scope::Module), name) {
            Value::Class(c) => Some(c),
            _ => None,
        };
    }
    match an.resolver.value(ctx, e) {
        Value::Class(c) => Some(c),
        _ => None,
    }
}

/// The global a `bind=True` task's first parameter is: the task, keyed as the class whose
/// `__init__` its base runs (where that `__init__` stores `self.x`, `Class.x`).
pub fn key_of_bound(an: &Analyzer, t: &TaskBase) -> Option<Key> {
    let (init, _) = init_of(an, t.base)?;
    class_key(an, init)
}

fn class_name(an: &Analyzer, c: ClassRef) -> String {
    an.project()
        .module(c.module)
        .and_then(|m| m.parsed.module.class(c.class).map(|d| d.name.clone()))
        .unwrap_or_default()
}

/// `Class` for a method of `Class`.
fn class_key(an: &Analyzer, method: FuncRef) -> Option<Key> {
    let module = an.project().module(method.module)?;
    let def = module.parsed.module.function(method.func)?;
    let Scope::Class(c) = def.parent else {
        return None;
    };
    Some(Key {
        module: method.module,
        path: module.parsed.module.class(c)?.name.clone(),
    })
}

impl Parent<'_, '_> {
    /// Runs the `__init__` of every decorated task's project base class, as Celery's
    /// finalization of the app does in the main process before the fork.
    pub fn task_classes(&mut self, modules: &[Arc<ModuleData>]) {
        for t in task_bases(self.an, modules) {
            let Some((init, class)) = init_of(self.an, t.base) else {
                continue;
            };
            let Some(module) = self.an.project().module(t.func.module) else {
                continue;
            };
            let hop = Hop {
                call: t.decorator,
                callee: class_name(self.an, class) + ".__init__",
            };
            let root = Root::Registered(module, t.name.clone());
            self.run_init(init, class, &root, &[hop]);
        }
    }

    /// `app.register_task(MyTask)` or `app.tasks.register(MyTask)` with a project class:
    /// Celery instantiates it there (`MyTask()` given instead is an ordinary call).
    pub(super) fn registers_class(
        &mut self,
        ctx: &Ctx,
        call: &Call,
        callee: &Value,
        root: &Root,
        trace: &[Hop],
    ) {
        let Value::External(path) = callee else {
            return;
        };
        if !(path.ends_with(".register_task") || path.ends_with(".tasks.register")) {
            return;
        }
        let Some(Value::Class(c)) = call.args.first().map(|a| self.an.resolver.value(ctx, a))
        else {
            return;
        };
        let Some((init, class)) = init_of(self.an, c) else {
            return;
        };
        let mut inner = trace.to_vec();
        inner.push(Hop {
            call: loc(ctx, call.span),
            callee: class_name(self.an, class) + ".__init__",
        });
        self.run_init(init, class, root, &inner);
    }
}
