//! Celery's signals: which process sends each one, whether it fires before the worker consumes
//! remote-control messages (celery-lifecycle.md, "Signals by process and time"), what it sends
//! as `sender` and which keywords, by Celery version. The table is data (`signals.toml`,
//! compiled in and parsed once, on first use), held against live workers on Celery 5.5 and 5.7
//! by `tests/runtime/signal_table.py`. A broken table fails the unit test
//! `signal_table_parses`; at run time it would leave the table empty, never panic.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::Deserialize;

/// The table's source, compiled into the binary.
pub const SOURCE: &str = include_str!("signals.toml");

/// A Celery version, (major, minor).
pub type Version = (u32, u32);

/// The newest Celery the table describes: what the accessors without a version answer for.
pub const NEWEST: Version = (5, 7);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
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
    /// Any program that loads the app (the app's own `on_*` signals).
    Any,
}

/// Does the signal fire before this worker listens to its remote-control (pidbox) queue?
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BeforeControl {
    Yes,
    /// `worker_ready`: yes on Redis (not subscribed yet), no on RabbitMQ (queue already bound).
    UnlessAmqp,
    #[default]
    No,
}

/// Where a signal lives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// `celery.signals.<name>`.
    #[default]
    Celery,
    /// An attribute of every Celery app (`app.on_after_configure`).
    App,
}

/// What a signal passes as `sender`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sender {
    /// The task object (`app.tasks[name]`).
    TaskInstance,
    /// The task's name, a `str`.
    TaskName,
    /// The worker's node name, a `str` (`celery@host`).
    Nodename,
    /// The worker's `Consumer`.
    Consumer,
    /// The `WorkController`.
    WorkController,
    /// The Celery app.
    App,
    /// `None`.
    None,
    /// The worker's `Heart`.
    Heart,
    /// beat's `Service`.
    BeatService,
    /// prefork's `AsynPool`.
    Pool,
    /// eventlet's `TaskPool`.
    TaskPool,
    /// The command-line command's function.
    ClickCommand,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
}

/// A range of Celery versions: clauses that must all hold (`">=5.5,<5.7"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versions(Vec<(Op, Version)>);

impl Versions {
    pub fn parse(text: &str) -> Result<Versions, String> {
        let mut clauses = Vec::new();
        for clause in text.split(',').map(str::trim) {
            let ops = [
                (">=", Op::Ge),
                ("<=", Op::Le),
                ("==", Op::Eq),
                (">", Op::Gt),
                ("<", Op::Lt),
            ];
            let (op, rest) = ops
                .iter()
                .find_map(|(p, op)| clause.strip_prefix(p).map(|rest| (*op, rest.trim())))
                .ok_or_else(|| format!("`{clause}` does not start with >=, >, <=, < or =="))?;
            let (major, minor) = rest
                .split_once('.')
                .ok_or_else(|| format!("`{rest}` is not major.minor"))?;
            let number = |s: &str| {
                s.parse::<u32>()
                    .map_err(|_| format!("`{rest}` is not major.minor"))
            };
            clauses.push((op, (number(major)?, number(minor)?)));
        }
        Ok(Versions(clauses))
    }

    pub fn contains(&self, v: Version) -> bool {
        self.0.iter().all(|(op, bound)| match op {
            Op::Ge => v >= *bound,
            Op::Gt => v > *bound,
            Op::Le => v <= *bound,
            Op::Lt => v < *bound,
            Op::Eq => v == *bound,
        })
    }
}

/// A value that is the same in every version, or differs by version range.
#[derive(Clone, Debug, PartialEq)]
pub enum ByVersion<T> {
    Always(T),
    /// The first range that holds wins.
    Ranges(Vec<(Versions, T)>),
}

impl<T> ByVersion<T> {
    pub fn at(&self, v: Version) -> Option<&T> {
        match self {
            ByVersion::Always(t) => Some(t),
            ByVersion::Ranges(r) => r.iter().find(|(vs, _)| vs.contains(v)).map(|(_, t)| t),
        }
    }

    pub fn values(&self) -> Vec<&T> {
        match self {
            ByVersion::Always(t) => vec![t],
            ByVersion::Ranges(r) => r.iter().map(|(_, t)| t).collect(),
        }
    }
}

#[derive(Debug)]
pub struct Signal {
    pub name: &'static str,
    pub kind: Kind,
    pub process: Process,
    /// Other processes it is sent from on some paths, or by programs other than the worker.
    pub also_in: Vec<Process>,
    pub before_control: BeforeControl,
    /// The step of a prefork worker's start-up it fires in, if it is sent during start-up.
    pub order: Option<u8>,
    /// Sent at the start of its step, before the modules that step imports (`import_modules`:
    /// before the task modules).
    pub before_imports: bool,
    pub sender: ByVersion<Sender>,
    /// The keywords besides `sender` (and `signal`, which `Signal.send` always adds).
    pub kwargs: ByVersion<Vec<String>>,
    /// Keywords some sends leave out.
    pub kwargs_sometimes_missing: Vec<String>,
    /// The source lines it was read from, what a live run showed.
    pub note: String,
}

impl Signal {
    /// The Celery versions on which a receiver's `Exception` goes no further than `Signal.send`
    /// (`versions.toml`): from 4.0, but for `import_modules` from 4.2 and `setup_logging` from
    /// 5.7, whose senders raise it again.
    pub fn swallowed_on(&self) -> crate::releases::VersionSet {
        use crate::versions::Fact;
        let catches = Fact::SignalSendCatches.versions();
        match self.name {
            "import_modules" => catches.minus(Fact::ImportModulesRaisesThrough.versions()),
            "setup_logging" => catches.minus(Fact::SetupLoggingRaisesThrough.versions()),
            _ => catches,
        }
    }

    /// Does the newest Celery swallow a receiver's `Exception`?
    pub fn swallows_exceptions(&self) -> bool {
        self.swallowed_on().contains(NEWEST)
    }
    pub fn is_process_init(&self) -> bool {
        self.name == "worker_process_init"
    }
    /// What `sender=` is on Celery `version`, if the table describes that version.
    pub fn sender_at(&self, version: Version) -> Option<Sender> {
        self.sender.at(version).copied()
    }
    /// What `sender=` is on the newest Celery.
    pub fn sender(&self) -> Option<Sender> {
        self.sender_at(NEWEST)
    }
    /// The keywords handlers receive on Celery `version` (empty if it is not described).
    pub fn kwargs_at(&self, version: Version) -> &[String] {
        self.kwargs.at(version).map_or(&[], Vec::as_slice)
    }
    /// The keywords handlers receive on the newest Celery.
    pub fn kwargs(&self) -> &[String] {
        self.kwargs_at(NEWEST)
    }
    /// Is `keyword` passed on every send of `version`?
    pub fn always_passes(&self, keyword: &str, version: Version) -> bool {
        self.kwargs_at(version).iter().any(|k| k == keyword)
            && !self.kwargs_sometimes_missing.iter().any(|k| k == keyword)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    signal: Vec<RawSignal>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSignal {
    name: String,
    #[serde(default)]
    kind: Kind,
    process: Process,
    #[serde(default)]
    also_in: Vec<Process>,
    #[serde(default)]
    before_control: BeforeControl,
    order: Option<u8>,
    #[serde(default)]
    before_imports: bool,
    sender: RawSender,
    kwargs: RawKwargs,
    #[serde(default)]
    kwargs_sometimes_missing: Vec<String>,
    note: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawSender {
    Always(Sender),
    Ranges(Vec<SenderRange>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SenderRange {
    versions: String,
    kind: Sender,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawKwargs {
    Always(Vec<String>),
    Ranges(Vec<KwargsRange>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KwargsRange {
    versions: String,
    names: Vec<String>,
}

fn ranges<T, R>(raw: Vec<R>, split: impl Fn(R) -> (String, T)) -> Result<ByVersion<T>, String> {
    let mut out = Vec::new();
    for r in raw {
        let (versions, value) = split(r);
        out.push((Versions::parse(&versions)?, value));
    }
    Ok(ByVersion::Ranges(out))
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl RawSignal {
    fn build(self) -> Result<Signal, String> {
        let sender = match self.sender {
            RawSender::Always(s) => ByVersion::Always(s),
            RawSender::Ranges(r) => ranges(r, |r| (r.versions, r.kind))?,
        };
        let kwargs = match self.kwargs {
            RawKwargs::Always(k) => ByVersion::Always(k),
            RawKwargs::Ranges(r) => ranges(r, |r| (r.versions, r.names))?,
        };
        if !is_identifier(&self.name) {
            return Err(format!("key `name`: `{}` is not a Python name", self.name));
        }
        if sender.at(NEWEST).is_none() {
            return Err(format!("key `sender`: no range holds for {NEWEST:?}"));
        }
        if kwargs.at(NEWEST).is_none() {
            return Err(format!("key `kwargs`: no range holds for {NEWEST:?}"));
        }
        for names in kwargs.values() {
            if let Some(bad) = names.iter().find(|n| !is_identifier(n)) {
                return Err(format!("key `kwargs`: `{bad}` is not a Python name"));
            }
        }
        if let Some(missing) = self
            .kwargs_sometimes_missing
            .iter()
            .find(|k| !kwargs.values().iter().any(|names| names.contains(k)))
        {
            return Err(format!(
                "key `kwargs-sometimes-missing`: `{missing}` is not in `kwargs`"
            ));
        }
        Ok(Signal {
            // Once per process (the table is parsed once): the rest of celint holds names
            // as `&'static str`.
            name: Box::leak(self.name.into_boxed_str()),
            kind: self.kind,
            process: self.process,
            also_in: self.also_in,
            before_control: self.before_control,
            order: self.order,
            before_imports: self.before_imports,
            sender,
            kwargs,
            kwargs_sometimes_missing: self.kwargs_sometimes_missing,
            note: self.note,
        })
    }
}

/// The parsed table: `celery.signals`' signals first, then the app's.
#[derive(Debug, Default)]
pub struct Table {
    signals: Vec<Signal>,
    celery: usize,
}

impl Table {
    /// Parses and checks a table. Errors name the entry and key.
    pub fn parse(text: &str) -> Result<Table, String> {
        let raw: RawTable = toml::from_str(text).map_err(|e| e.message().to_string())?;
        let mut seen = HashSet::new();
        let mut signals = Vec::new();
        for (i, r) in raw.signal.into_iter().enumerate() {
            let name = r.name.clone();
            if !seen.insert(name.clone()) {
                return Err(format!("signal {} (`{name}`): listed twice", i + 1));
            }
            signals.push(
                r.build()
                    .map_err(|e| format!("signal {} (`{name}`), {e}", i + 1))?,
            );
        }
        signals.sort_by_key(|s| s.kind != Kind::Celery);
        let celery = signals.iter().filter(|s| s.kind == Kind::Celery).count();
        Ok(Table { signals, celery })
    }
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| Table::parse(SOURCE).unwrap_or_default())
}

/// Every signal in `celery.signals`.
pub fn signals() -> &'static [Signal] {
    let t = table();
    t.signals.get(..t.celery).unwrap_or_default()
}

/// The app's own signals (`app.on_after_configure`, ...).
pub fn app_signals() -> &'static [Signal] {
    let t = table();
    t.signals.get(t.celery..).unwrap_or_default()
}

/// The signal a dotted path names (`celery.signals.worker_ready`), if any.
pub fn from_path(path: &str) -> Option<&'static Signal> {
    let name = path.strip_prefix("celery.signals.")?;
    signals().iter().find(|s| s.name == name)
}

/// An app signal by its attribute name (`on_after_configure`).
pub fn app_signal(name: &str) -> Option<&'static Signal> {
    app_signals().iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `Signal` defined in Celery 5.7.0's `celery/signals.py`: its `__all__`, then the
    /// three it defines without exporting them there (`import_modules`, `task_sent`,
    /// `user_preload_options`; `from celery.signals import task_sent` works all the same).
    const CELERY_5_7: &[&str] = &[
        "before_task_publish",
        "after_task_publish",
        "task_internal_error",
        "task_prerun",
        "task_postrun",
        "task_success",
        "task_received",
        "task_rejected",
        "task_unknown",
        "task_retry",
        "task_failure",
        "task_revoked",
        "celeryd_init",
        "celeryd_after_setup",
        "worker_init",
        "worker_before_create_process",
        "worker_process_init",
        "worker_process_shutdown",
        "worker_ready",
        "worker_shutdown",
        "worker_shutting_down",
        "setup_logging",
        "after_setup_logger",
        "after_setup_task_logger",
        "beat_init",
        "beat_embedded_init",
        "heartbeat_sent",
        "eventlet_pool_started",
        "eventlet_pool_preshutdown",
        "eventlet_pool_postshutdown",
        "eventlet_pool_apply",
        // Defined, not in __all__.
        "import_modules",
        "task_sent",
        "user_preload_options",
    ];

    /// The signals Celery 5.7.0 declares with `providing_args`, and those arguments.
    const PROVIDING_ARGS: &[(&str, &[&str])] = &[
        (
            "before_task_publish",
            &[
                "body",
                "exchange",
                "routing_key",
                "headers",
                "properties",
                "declare",
                "retry_policy",
            ],
        ),
        ("after_task_publish", &["body", "exchange", "routing_key"]),
        ("task_received", &["request"]),
        ("task_prerun", &["task_id", "task", "args", "kwargs"]),
        (
            "task_postrun",
            &["task_id", "task", "args", "kwargs", "retval"],
        ),
        ("task_success", &["result", "runtime"]),
        ("task_retry", &["request", "reason", "einfo"]),
        (
            "task_failure",
            &[
                "task_id",
                "exception",
                "args",
                "kwargs",
                "traceback",
                "einfo",
            ],
        ),
        (
            "task_internal_error",
            &[
                "task_id",
                "args",
                "kwargs",
                "request",
                "exception",
                "traceback",
                "einfo",
            ],
        ),
        (
            "task_revoked",
            &["request", "terminated", "signum", "expired"],
        ),
        ("task_rejected", &["message", "exc"]),
        ("task_unknown", &["message", "exc", "name", "id"]),
        (
            "task_sent",
            &["task_id", "task", "args", "kwargs", "eta", "taskset"],
        ),
        ("celeryd_init", &["instance", "conf", "options"]),
        ("celeryd_after_setup", &["instance", "conf"]),
        (
            "setup_logging",
            &["loglevel", "logfile", "format", "colorize"],
        ),
        (
            "after_setup_logger",
            &["logger", "loglevel", "logfile", "format", "colorize"],
        ),
        (
            "after_setup_task_logger",
            &["logger", "loglevel", "logfile", "format", "colorize"],
        ),
        ("eventlet_pool_apply", &["target", "args", "kwargs"]),
        ("user_preload_options", &["app", "options"]),
    ];

    #[test]
    fn signal_table_parses() {
        let t = Table::parse(SOURCE).unwrap();
        assert_eq!(t.signals.len(), table().signals.len());
        assert_eq!(signals().len(), 34);
        let app: Vec<&str> = app_signals().iter().map(|s| s.name).collect();
        assert_eq!(
            app,
            [
                "on_configure",
                "on_after_configure",
                "on_after_finalize",
                "on_after_fork"
            ]
        );
        assert!(signals().iter().all(|s| s.kind == Kind::Celery));
    }

    #[test]
    fn the_table_has_every_signal_celery_defines() {
        let table: HashSet<&str> = signals().iter().map(|s| s.name).collect();
        let celery: HashSet<&str> = CELERY_5_7.iter().copied().collect();
        assert_eq!(CELERY_5_7.len(), celery.len());
        assert_eq!(table, celery);
        for name in CELERY_5_7 {
            assert!(
                from_path(&format!("celery.signals.{name}")).is_some(),
                "{name}"
            );
        }
        // The app's signals are not in celery.signals.
        assert!(from_path("celery.signals.on_after_configure").is_none());
        assert!(app_signal("on_after_configure").is_some());
    }

    #[test]
    fn kwargs_cover_providing_args() {
        for (name, args) in PROVIDING_ARGS {
            let s = from_path(&format!("celery.signals.{name}")).unwrap();
            assert!(!s.kwargs().is_empty(), "{name}");
            for arg in *args {
                assert!(s.kwargs().iter().any(|k| k == arg), "{name}: {arg}");
            }
        }
    }

    #[test]
    fn accessors_by_version() {
        let init = from_path("celery.signals.worker_process_init").unwrap();
        assert_eq!(init.sender_at((5, 5)), Some(Sender::None));
        assert_eq!(init.sender_at((5, 7)), Some(Sender::Nodename));
        assert_eq!(init.sender(), Some(Sender::Nodename));
        let success = from_path("celery.signals.task_success").unwrap();
        assert_eq!(success.kwargs_at((5, 5)), ["result"]);
        assert_eq!(success.kwargs_at((5, 7)), ["result", "runtime"]);
        assert_eq!(success.kwargs(), ["result", "runtime"]);
        let retry = from_path("celery.signals.task_retry").unwrap();
        assert!(retry.always_passes("request", NEWEST));
        assert!(!retry.always_passes("reason", NEWEST));
        let ready = from_path("celery.signals.worker_ready").unwrap();
        assert_eq!(ready.process, Process::Main);
        assert_eq!(ready.before_control, BeforeControl::UnlessAmqp);
        assert_eq!(ready.order, Some(9));
        let import_modules = from_path("celery.signals.import_modules").unwrap();
        assert!(!import_modules.swallows_exceptions());
        assert_eq!(import_modules.swallowed_on().describe(), "4.0, 4.1");
        let logging = from_path("celery.signals.setup_logging").unwrap();
        assert_eq!(logging.swallowed_on().describe(), "4.0 to 5.6");
        assert_eq!(ready.swallowed_on().describe(), "4.0 to 5.7");
    }

    #[test]
    fn versions() {
        let v = Versions::parse(">=5.5, <5.7").unwrap();
        assert!(v.contains((5, 5)) && v.contains((5, 6)));
        assert!(!v.contains((5, 7)) && !v.contains((5, 4)) && !v.contains((6, 0)));
        assert!(Versions::parse("==5.7").unwrap().contains((5, 7)));
        assert!(Versions::parse("5.7").is_err());
        assert!(Versions::parse(">=5").is_err());
    }

    #[test]
    fn schema_errors_name_the_entry_and_key() {
        let entry = |extra: &str| {
            format!("[[signal]]\nname = \"a\"\nprocess = \"main\"\nsender = \"app\"\nkwargs = []\nnote = \"n\"\n{extra}")
        };
        assert!(Table::parse(&entry("")).is_ok());
        assert_eq!(
            Table::parse(&format!("{}{}", entry(""), entry(""))).unwrap_err(),
            "signal 2 (`a`): listed twice"
        );
        let text = "[[signal]]\nname = \"a\"\nprocess = \"main\"\nnote = \"n\"\nkwargs = []\nsender = [{ versions = \"<5.7\", kind = \"none\" }]\n";
        assert_eq!(
            Table::parse(text).unwrap_err(),
            "signal 1 (`a`), key `sender`: no range holds for (5, 7)"
        );
        assert_eq!(
            Table::parse(&entry("kwargs-sometimes-missing = [\"x\"]\n")).unwrap_err(),
            "signal 1 (`a`), key `kwargs-sometimes-missing`: `x` is not in `kwargs`"
        );
        assert!(Table::parse(&entry("colour = 1\n")).is_err());
        assert!(Table::parse("[[signal]]\nname = \"a\"\n").is_err());
    }
}
