//! Celery's signals: which process sends each one, and whether it fires before the worker
//! consumes remote-control messages (celery-lifecycle.md, "Signals by process and time").

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Process {
    /// The worker's main process.
    Main,
    /// A prefork pool child (the main process under the solo pool).
    PoolChild,
    /// celery beat.
    Beat,
    /// Whichever process publishes tasks (clients, tasks).
    Publisher,
    /// Eventlet pool hooks and option parsing.
    Other,
}

/// Does the signal fire before this worker listens to its remote-control (pidbox) queue?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BeforeControl {
    Yes,
    /// `worker_ready`: yes on Redis (not subscribed yet), no on RabbitMQ (queue already bound).
    UnlessAmqp,
    No,
}

#[derive(Debug)]
pub struct Signal {
    pub name: &'static str,
    pub process: Process,
    pub before_control: BeforeControl,
}

impl Signal {
    /// `Signal.send` catches `Exception` from receivers of every signal but `import_modules`.
    pub fn swallows_exceptions(&self) -> bool {
        self.name != "import_modules"
    }
    pub fn is_process_init(&self) -> bool {
        self.name == "worker_process_init"
    }
}

use BeforeControl::{No, UnlessAmqp, Yes};
use Process::{Beat, Main, Other, PoolChild, Publisher};

const fn sig(name: &'static str, process: Process, before_control: BeforeControl) -> Signal {
    Signal {
        name,
        process,
        before_control,
    }
}

/// Every signal in `celery.signals`.
pub static SIGNALS: &[Signal] = &[
    sig("import_modules", Main, Yes),
    sig("celeryd_init", Main, Yes),
    sig("worker_init", Main, Yes),
    sig("setup_logging", Main, Yes),
    sig("after_setup_logger", Main, Yes),
    sig("after_setup_task_logger", Main, Yes),
    sig("celeryd_after_setup", Main, Yes),
    sig("worker_before_create_process", Main, Yes),
    sig("worker_process_init", PoolChild, Yes),
    sig("worker_ready", Main, UnlessAmqp),
    sig("heartbeat_sent", Main, No),
    sig("task_received", Main, No),
    sig("task_rejected", Main, No),
    sig("task_unknown", Main, No),
    sig("task_revoked", Main, No),
    sig("worker_shutting_down", Main, No),
    sig("worker_shutdown", Main, No),
    sig("task_prerun", PoolChild, No),
    sig("task_postrun", PoolChild, No),
    sig("task_success", PoolChild, No),
    sig("task_failure", PoolChild, No),
    sig("task_retry", PoolChild, No),
    sig("task_internal_error", PoolChild, No),
    sig("worker_process_shutdown", PoolChild, No),
    sig("beat_init", Beat, No),
    sig("beat_embedded_init", Beat, No),
    sig("before_task_publish", Publisher, No),
    sig("after_task_publish", Publisher, No),
    sig("task_sent", Publisher, No),
    sig("eventlet_pool_started", Other, No),
    sig("eventlet_pool_preshutdown", Other, No),
    sig("eventlet_pool_postshutdown", Other, No),
    sig("eventlet_pool_apply", Other, No),
    sig("user_preload_options", Other, No),
];

/// The signal a dotted path names (`celery.signals.worker_ready`), if any.
pub fn from_path(path: &str) -> Option<&'static Signal> {
    let name = path.strip_prefix("celery.signals.")?;
    SIGNALS.iter().find(|s| s.name == name)
}
