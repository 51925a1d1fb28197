//! The dotted paths of Celery's own objects that the analyses recognise: the app, the task
//! decorators, the task base class. One list, read by the handler search, the effect
//! detectors and the fork analysis.

/// Paths of a Celery app: the class (what calling it makes), the proxies to the current app.
pub const APP_PATHS: &[&str] = &[
    "celery.Celery",
    "celery.app.Celery",
    "celery.app.base.Celery",
    "celery.app.base.App",
    "celery.current_app",
    "celery._state.current_app",
    "celery.current_app._get_current_object",
    "celery._state.get_current_app",
    "celery.current_task.app",
    "celery._state.current_task.app",
];

/// The app's class, which a project class may derive from.
pub const APP_CLASSES: &[&str] = &[
    "celery.Celery",
    "celery.app.Celery",
    "celery.app.base.Celery",
    "celery.app.base.App",
];

/// The task base class, which class-based tasks derive from.
pub const TASK_CLASSES: &[&str] = &["celery.Task", "celery.app.task.Task", "celery.Celery.Task"];

/// Decorators that make a task of a function without naming an app (`@app.task` is matched
/// by the app it is an attribute of).
pub const SHARED_TASK: &[&str] = &["celery.shared_task", "celery.app.shared_task"];

/// Paths `@app.task` resolves to when the app's class is followed (`celery.Celery.task`), and
/// the old module-level decorator.
pub const APP_TASK: &[&str] = &[
    "celery.task",
    "celery.Celery.task",
    "celery.app.base.Celery.task",
];

pub fn is_app_path(p: &str) -> bool {
    APP_PATHS.contains(&p)
}

pub fn is_shared_task(p: &str) -> bool {
    SHARED_TASK.contains(&p) || p.ends_with(".shared_task")
}
