//! Which values are Celery's own objects: an app, a task made by a decorator, a task class.
//! The handler search, the effect detectors and the fork analysis ask the same questions.

use super::{ClassRef, Ctx, FuncRef, Resolver, Value};
use celint_catalog::celery_api::{self, APP_CLASSES, TASK_CLASSES};
use celint_syntax::ir::Expr;

/// How deep a chain of project base classes is followed.
const MAX_BASES: u32 = 16;

/// What a task decorator made of a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskDecorator {
    /// `@shared_task`: the name is bound to a `Proxy` of the current app's task. Otherwise
    /// `@app.task`: a `PromiseProxy` evaluated when the app is finalized.
    pub shared: bool,
    /// `bind=True`: the first parameter is the task.
    pub bound: bool,
}

impl Resolver<'_> {
    /// Is the value a Celery app (`Celery(...)`, `current_app`, an instance of a subclass)?
    pub fn is_app(&self, v: &Value) -> bool {
        match v {
            Value::External(p) | Value::ExtInstance(p) => celery_api::is_app_path(p),
            Value::Instance(c) => self.derives_from(*c, APP_CLASSES, 0),
            _ => false,
        }
    }

    /// Does a project class derive, through project classes, from one of `targets`?
    pub fn derives_from(&self, class: ClassRef, targets: &[&str], depth: u32) -> bool {
        if depth > MAX_BASES {
            return false;
        }
        let Some(module) = self.project.module(class.module) else {
            return false;
        };
        let Some(def) = module.parsed.module.class(class.class) else {
            return false;
        };
        let ctx = Ctx::new(module.clone(), def.parent);
        def.bases.iter().any(|b| match self.value(&ctx, b) {
            Value::External(p) => targets.contains(&p.as_str()),
            Value::Class(c) => self.derives_from(c, targets, depth + 1),
            _ => false,
        })
    }

    /// Is the class a Celery task class (deriving from `celery.Task`)?
    pub fn is_task_class(&self, class: ClassRef) -> bool {
        self.derives_from(class, TASK_CLASSES, 0)
    }

    /// Is `d` (a decorator, called or not) one that makes a task? `Some(shared)`.
    pub fn task_decorator_kind(&self, ctx: &Ctx, d: &Expr) -> Option<bool> {
        let func = match d {
            Expr::Call(c) => &c.func,
            other => other,
        };
        if let Expr::Attribute { value, attr, .. } = func {
            if attr == "task" && self.is_app(&self.value(ctx, value)) {
                return Some(false);
            }
        }
        match self.value(ctx, func) {
            Value::External(p) if celery_api::is_shared_task(&p) => Some(true),
            Value::External(p) if celery_api::APP_TASK.contains(&p.as_str()) => Some(false),
            _ => None,
        }
    }

    /// Like [`Self::task_decorator_kind`], and also a decorator written the way Celery's
    /// documentation writes one (`@app.task`, `@shared_task`) whose app celint cannot follow
    /// (an import it does not resolve: a package layout with several roots).
    pub fn task_decorator_written(&self, ctx: &Ctx, d: &Expr) -> Option<bool> {
        if let Some(shared) = self.task_decorator_kind(ctx, d) {
            return Some(shared);
        }
        let func = match d {
            Expr::Call(c) => &c.func,
            other => other,
        };
        let written = func.dotted()?;
        match self.value(ctx, func) {
            Value::Unknown if written == "shared_task" || written.ends_with(".shared_task") => {
                Some(true)
            }
            Value::Unknown => written.ends_with(".task").then_some(false),
            // An app imported from a module celint took for an outside one (`from
            // proj.celery import app` where `proj` is not found under the roots it knows): only
            // under the names projects give their Celery app.
            Value::External(_) => {
                let owner = written.strip_suffix(".task")?;
                let last = owner.rsplit('.').next().unwrap_or(owner);
                (last == "app" || last == "celery" || last.ends_with("_app")).then_some(false)
            }
            _ => None,
        }
    }

    /// The task decorator on a project function, if it has one.
    pub fn task_decorator(&self, f: FuncRef) -> Option<TaskDecorator> {
        let module = self.project.module(f.module)?;
        let def = module.parsed.module.function(f.func)?;
        let ctx = Ctx::new(module.clone(), def.parent);
        def.decorators.iter().find_map(|d| {
            let shared = self.task_decorator_written(&ctx, d)?;
            let bound = match d {
                Expr::Call(call) => call
                    .keyword("bind")
                    .is_some_and(|b| matches!(b, Expr::Bool { value: true, .. })),
                _ => false,
            };
            Some(TaskDecorator { shared, bound })
        })
    }
}
