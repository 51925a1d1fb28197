//! The start-up of a prefork worker, step by step, and which process runs each signal's
//! handlers under each pool. Which signal fires at which step is the signal table's `order`
//! (`catalog/signals.toml`, held against live workers on Celery 5.5 and 5.7); this file names
//! the steps, says what the worker imports at each, and adds the signals sent once the worker
//! runs.

use crate::celery_config::Pool;
use celint_catalog::signals::{self, Process, Signal};

/// One step of the worker's life.
pub struct Step {
    pub what: &'static str,
    /// The table's `order` of the start-up signals sent at this step; `None` for the steps
    /// after start-up, whose signals are listed in `after_start`.
    pub order: Option<u8>,
    /// Signals sent at this step that the table gives no start-up order (sent repeatedly).
    pub after_start: &'static [&'static str],
    /// What the worker imports at this step.
    pub loads: Loads,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loads {
    Nothing,
    /// The `-A` module and what it imports at module level (its first configuration read
    /// sends `on_after_configure`).
    Entry,
    /// The task modules: `include`, `imports`, autodiscovery.
    TaskModules,
}

const fn start(what: &'static str, order: u8, loads: Loads) -> Step {
    Step {
        what,
        order: Some(order),
        after_start: &[],
        loads,
    }
}

/// The steps, in order (celery-signals.md 0.3, corrected by the live table: the app is
/// finalized with the task modules' import).
pub static STEPS: &[Step] = &[
    start(
        "the CLI imports the -A module; its first configuration read",
        1,
        Loads::Entry,
    ),
    start("the CLI parses preload options", 2, Loads::Nothing),
    start(
        "the worker imports the task modules (include, imports, autodiscovery) and finalizes the app",
        3,
        Loads::TaskModules,
    ),
    start("celeryd_init", 4, Loads::Nothing),
    start("worker_init", 5, Loads::Nothing),
    start("logging is set up", 6, Loads::Nothing),
    start("the worker's components start", 7, Loads::Nothing),
    start(
        "the pool forks (the main process before each child; then in each child)",
        8,
        Loads::Nothing,
    ),
    start("the consumer starts", 9, Loads::Nothing),
    Step {
        what: "while tasks run",
        order: None,
        after_start: &[
            "heartbeat_sent",
            "task_received",
            "task_prerun",
            "task_postrun",
            "task_success",
            "task_failure",
            "task_retry",
            "task_revoked",
            "task_rejected",
            "task_unknown",
            "task_internal_error",
        ],
        loads: Loads::Nothing,
    },
    Step {
        what: "shutdown",
        order: None,
        after_start: &[
            "worker_shutting_down",
            "worker_process_shutdown",
            "worker_shutdown",
        ],
        loads: Loads::Nothing,
    },
];

/// A signal of `celery.signals` or of the app (`on_after_configure`) by name.
pub fn signal(name: &str) -> Option<&'static Signal> {
    signals::signals()
        .iter()
        .chain(signals::app_signals())
        .find(|s| s.name == name)
}

/// The index in `STEPS` of the step that sends `signal`; `None` for signals the worker does
/// not send (publishing, beat, eventlet hooks).
pub fn step_of(name: &str) -> Option<usize> {
    let order = signal(name).and_then(|s| s.order);
    STEPS.iter().position(|s| match order {
        Some(o) => s.order == Some(o),
        None => s.after_start.contains(&name),
    })
}

/// Is the signal sent before the worker imports its task modules, so that a receiver connected
/// as a task module is imported misses it? The app's configuration signals and preload options
/// (the steps before), and `import_modules` (sent as the import step begins).
pub fn sent_before_task_modules(s: &Signal) -> bool {
    let task_modules = STEPS
        .iter()
        .find(|st| st.loads == Loads::TaskModules)
        .and_then(|st| st.order);
    match (s.order, task_modules) {
        (Some(o), Some(t)) => o < t || (o == t && s.before_imports),
        _ => false,
    }
}

/// Is the signal sent once the worker's consumer runs (`worker_ready`, the task signals, the
/// heartbeat), after the heart that samples `heartbeat_sent`'s receivers is built?
pub fn sent_after_consumer_start(name: &str) -> bool {
    let consumer = signal("worker_ready").and_then(|s| step_of(s.name));
    matches!((step_of(name), consumer), (Some(at), Some(c)) if at >= c)
}

/// The start-up order of the fork (`worker_process_init`'s).
fn fork_order() -> u8 {
    signal("worker_process_init")
        .and_then(|s| s.order)
        .unwrap_or(u8::MAX)
}

/// Where a signal's handlers run in a worker with this pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runs {
    /// The worker's main process, before the pool forks.
    MainBeforeFork,
    /// The worker's main process, after the pool started.
    Main,
    /// Each prefork child.
    Child,
    /// The thread or greenlet that runs the task (thread, gevent and eventlet pools), in the
    /// main process.
    TaskThread,
    /// Whichever process publishes tasks (a web process, a script, a task).
    Producer,
    Beat,
    /// Not sent in this kind of worker.
    Never,
    Other,
}

impl Runs {
    pub fn label(self) -> &'static str {
        match self {
            Runs::MainBeforeFork => "main process, before the fork",
            Runs::Main => "main process",
            Runs::Child => "each pool child",
            Runs::TaskThread => "main process, in the task's thread or greenlet",
            Runs::Producer => "the producer (whoever sends the task)",
            Runs::Beat => "celery beat",
            Runs::Never => "never sent with this pool",
            Runs::Other => "the CLI or the pool's hooks",
        }
    }
}

/// Where `name`'s handlers run in a worker under `pool`: the table's process, placed before or
/// after the fork by its start-up order (a main-process signal at or before the fork's step
/// runs before the children exist: what it leaves is inherited).
pub fn runs(name: &str, pool: Pool) -> Runs {
    let Some(s) = signal(name) else {
        return Runs::Other;
    };
    let before_fork = s.order.is_some_and(|o| o <= fork_order());
    match (s.process, pool) {
        (Process::Main | Process::Any, _) if before_fork => Runs::MainBeforeFork,
        (Process::Main, _) => Runs::Main,
        (Process::Any, _) => Runs::Other,
        (Process::PoolChild, Pool::Prefork) => Runs::Child,
        // The solo pool sends worker_process_init in the main process, and no
        // worker_process_shutdown (concurrency/solo.py); `on_after_fork` needs a fork.
        (Process::PoolChild, Pool::Solo) => match name {
            "worker_process_shutdown" | "on_after_fork" => Runs::Never,
            _ => Runs::Main,
        },
        (Process::PoolChild, _) => match name {
            "worker_process_init" | "worker_process_shutdown" | "on_after_fork" => Runs::Never,
            _ => Runs::TaskThread,
        },
        (Process::Publisher, _) => Runs::Producer,
        (Process::Beat, _) => Runs::Beat,
        (Process::Other, _) => Runs::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::{runs, signal, step_of, Runs, STEPS};
    use crate::celery_config::Pool;

    #[test]
    fn every_step_signal_is_in_the_table() {
        for step in STEPS {
            for s in step.after_start {
                assert!(signal(s).is_some_and(|s| s.order.is_none()), "{s}");
            }
        }
        // Every signal the worker's own processes send has a step (and the CLI's one).
        for s in celint_catalog::signals::signals() {
            let sent_by_worker = matches!(
                s.process,
                celint_catalog::signals::Process::Main
                    | celint_catalog::signals::Process::PoolChild
            ) || s.name == "user_preload_options";
            assert_eq!(step_of(s.name).is_some(), sent_by_worker, "{}", s.name);
        }
    }

    #[test]
    fn processes_by_pool() {
        assert_eq!(runs("worker_init", Pool::Prefork), Runs::MainBeforeFork);
        assert_eq!(runs("setup_logging", Pool::Prefork), Runs::MainBeforeFork);
        assert_eq!(
            runs("worker_before_create_process", Pool::Prefork),
            Runs::MainBeforeFork
        );
        assert_eq!(runs("worker_process_init", Pool::Prefork), Runs::Child);
        assert_eq!(runs("worker_process_init", Pool::Solo), Runs::Main);
        assert_eq!(runs("worker_process_init", Pool::Threads), Runs::Never);
        assert_eq!(runs("task_prerun", Pool::Gevent), Runs::TaskThread);
        assert_eq!(runs("worker_ready", Pool::Prefork), Runs::Main);
        assert_eq!(runs("before_task_publish", Pool::Prefork), Runs::Producer);
        assert_eq!(
            runs("on_after_configure", Pool::Prefork),
            Runs::MainBeforeFork
        );
        assert_eq!(runs("on_after_fork", Pool::Prefork), Runs::Child);
        assert!(step_of("celeryd_init") < step_of("worker_process_init"));
        assert!(step_of("on_after_finalize") < step_of("celeryd_init"));
        assert_eq!(step_of("beat_init"), None);
    }
}
