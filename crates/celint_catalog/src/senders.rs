//! What Celery passes to a signal's handlers that leads to the app, for remote control:
//! `sender.control` / `sender.app.control` in a handler is the app's only where Celery passes an
//! app, or an object whose `.app` is the app, under that keyword. Read from celery 5.7.0's
//! source (the `.send(...)` of each signal; receivers are always called with keywords).

/// What a handler receives under a keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Passes {
    /// The app itself.
    App,
    /// An object whose `.app` is the app: a task, the worker, its consumer, beat's service.
    HasApp,
}

/// (signal, keyword, what it is). Signals and keywords not listed pass no app: a host name
/// (`celeryd_init`'s and `worker_process_init`'s `sender`, `worker_shutting_down`'s), `None`
/// (the logging signals), the pool (`worker_before_create_process`), the heart
/// (`heartbeat_sent`), a task name (`before_task_publish`).
const PASSED: &[(&str, &str, Passes)] = &[
    // celery/loaders/base.py `import_default_modules`: send(sender=self.app)
    ("import_modules", "sender", Passes::App),
    // celery/apps/worker.py `on_before_init` / `on_start`: sender=hostname, instance=self
    ("celeryd_init", "instance", Passes::HasApp),
    ("celeryd_after_setup", "instance", Passes::HasApp),
    // celery/worker/worker.py: the WorkController
    ("worker_init", "sender", Passes::HasApp),
    ("worker_shutdown", "sender", Passes::HasApp),
    // celery/apps/worker.py `on_consumer_ready`: sender=consumer
    ("worker_ready", "sender", Passes::HasApp),
    // celery/worker/strategy.py, consumer/consumer.py: sender=consumer
    ("task_received", "sender", Passes::HasApp),
    ("task_rejected", "sender", Passes::HasApp),
    ("task_unknown", "sender", Passes::HasApp),
    // celery/app/trace.py, worker/request.py: sender=task (and task=task)
    ("task_prerun", "sender", Passes::HasApp),
    ("task_prerun", "task", Passes::HasApp),
    ("task_postrun", "sender", Passes::HasApp),
    ("task_postrun", "task", Passes::HasApp),
    ("task_success", "sender", Passes::HasApp),
    ("task_failure", "sender", Passes::HasApp),
    ("task_retry", "sender", Passes::HasApp),
    ("task_revoked", "sender", Passes::HasApp),
    ("task_internal_error", "sender", Passes::HasApp),
    // celery/beat.py `Service.start`: sender=self
    ("beat_init", "sender", Passes::HasApp),
    ("beat_embedded_init", "sender", Passes::HasApp),
    // celery/bin/base.py: sender=the command, app=app
    ("user_preload_options", "app", Passes::App),
];

/// What `signal` passes its handlers under `keyword`, if it leads to the app.
pub fn passed(signal: &str, keyword: &str) -> Option<Passes> {
    PASSED
        .iter()
        .find(|(s, k, _)| *s == signal && *k == keyword)
        .map(|(_, _, p)| *p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn senders_that_lead_to_the_app() {
        assert_eq!(passed("worker_ready", "sender"), Some(Passes::HasApp));
        assert_eq!(passed("import_modules", "sender"), Some(Passes::App));
        assert_eq!(
            passed("celeryd_after_setup", "instance"),
            Some(Passes::HasApp)
        );
        // Host names and None.
        assert_eq!(passed("celeryd_init", "sender"), None);
        assert_eq!(passed("worker_process_init", "sender"), None);
        assert_eq!(passed("worker_shutting_down", "sender"), None);
        assert_eq!(passed("setup_logging", "sender"), None);
        // Every signal named here is one of Celery's.
        for (signal, _, _) in PASSED {
            assert!(
                crate::signals::from_path(&format!("celery.signals.{signal}")).is_some(),
                "{signal}"
            );
        }
    }
}
