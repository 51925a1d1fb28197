//! The Celery settings that change what the rules claim, found statically wherever the project
//! sets them: the effective `worker_proc_alive_timeout`, the broker (Redis or AMQP), and the
//! pool. A setting counts only where Celery reads it: in the app's own configuration, and in the
//! configuration modules and classes the app loads, under the namespace it loads them with.
//!
//! - `scanner.rs`: reading the project's code (every place a setting is given, what is loaded);
//! - `values.rs`: the values, through names, `int()` and environment defaults;
//! - `deploy.rs`: the pool of the `celery worker` command lines in deployment files
//!   (`worker::commands` finds them).

mod deploy;
pub use crate::worker::commands::is_command_file;
pub use deploy::command_pool;
mod scanner;
mod values;

use std::path::PathBuf;

use celint_project::project::Project;
use celint_project::resolve::Resolver;
use celint_syntax::ir::Scope;

/// A `worker_proc_alive_timeout` given to celint rather than found in the project.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeoutOverride {
    pub seconds: f64,
    /// Where it was given, for notes: `--proc-alive-timeout`, or the configuration file.
    pub source: String,
}

pub const DEFAULT_PROC_ALIVE_TIMEOUT: f64 = 4.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Broker {
    Amqp,
    Redis,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pool {
    Prefork,
    Solo,
    Threads,
    Gevent,
    Eventlet,
}

/// How the prefork pool starts its children (`worker_pool_start_method`, Celery 5.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartMethod {
    Fork,
    /// A fresh interpreter per child: it imports the modules again and inherits nothing the
    /// main process did after its imports.
    Spawn,
    Forkserver,
}

/// One place a setting is given.
#[derive(Clone, Debug)]
pub struct Setting<T> {
    /// `None`: set to something celint cannot evaluate.
    pub value: Option<T>,
    /// Where: `path:line`.
    pub at: String,
    /// How it is written, for notes (`app.conf.worker_proc_alive_timeout = 10`).
    pub form: String,
    /// The value is the default of this environment variable's lookup
    /// (`os.environ.get("X", "30")`): the worker's environment may give another.
    pub env_default: Option<String>,
}

#[derive(Debug, Default)]
pub struct CeleryConfig {
    pub timeouts: Vec<Setting<f64>>,
    pub brokers: Vec<Setting<Broker>>,
    /// `worker_pool` in the project's configuration (a command line's `-P` is its worker's:
    /// `worker::Model::pool`).
    pub pools: Vec<Setting<Pool>>,
    /// `worker_pool_start_method` in the project's configuration.
    pub start_methods: Vec<Setting<StartMethod>>,
    /// `task_protocol` in the project's configuration (the message protocol producers use),
    /// each with the source root of the module that sets it: sibling projects linted together
    /// keep their own.
    pub protocols: Vec<(Setting<f64>, std::path::PathBuf)>,
    /// The `celery` command lines of the project's deployment files (`worker::commands::from_files`,
    /// read once per run: take them from here).
    pub commands: Vec<crate::worker::commands::Command>,
    /// The Celery versions each part of the project runs.
    pub versions: crate::celery_version::ProjectVersions,
}

/// Where the effective timeout comes from.
#[derive(Clone, Debug)]
pub enum Timeout {
    /// Celery's default.
    Default,
    /// Given to celint: `--proc-alive-timeout` or `proc-alive-timeout` in its configuration.
    Override(TimeoutOverride),
    /// The largest value set in the project.
    Project(Setting<f64>),
    /// Set somewhere to a value celint cannot evaluate: no timeout claim is made.
    Unknown(Setting<f64>),
}

impl CeleryConfig {
    pub fn timeout(&self, override_: Option<&TimeoutOverride>) -> Timeout {
        if let Some(t) = override_ {
            return Timeout::Override(t.clone());
        }
        if let Some(unknown) = self.timeouts.iter().find(|t| t.value.is_none()) {
            return Timeout::Unknown(unknown.clone());
        }
        self.timeouts
            .iter()
            .max_by(|a, b| a.value.unwrap_or(0.0).total_cmp(&b.value.unwrap_or(0.0)))
            .map(|t| Timeout::Project(t.clone()))
            .unwrap_or(Timeout::Default)
    }

    /// The broker, when every broker setting found agrees.
    pub fn broker(&self) -> Option<Broker> {
        let first = self.brokers.first()?.value?;
        self.brokers
            .iter()
            .all(|b| b.value == Some(first))
            .then_some(first)
    }

    /// The `worker_pool` setting of the project's configuration (not a command line's `-P`):
    /// the one found, or all agreeing; unknown (`value: None`) when they disagree.
    pub fn setting_pool(&self) -> Option<Setting<Pool>> {
        let first = self.pools.first()?;
        if self.pools.iter().all(|p| p.value == first.value) {
            return Some(first.clone());
        }
        Some(Setting {
            value: None,
            form: "several `worker_pool` settings that disagree".to_string(),
            ..first.clone()
        })
    }
}

impl Timeout {
    pub fn seconds(&self) -> Option<f64> {
        match self {
            Timeout::Default => Some(DEFAULT_PROC_ALIVE_TIMEOUT),
            Timeout::Override(t) => Some(t.seconds),
            Timeout::Project(s) => s.value,
            Timeout::Unknown(_) => None,
        }
    }
}

/// Scans every module read so far, and the configuration modules they name
/// (`config_from_object("celeryconfig")`, `DJANGO_SETTINGS_MODULE`), read on demand; then keeps
/// what Celery reads under the namespaces the project gives.
pub fn scan(
    project: &Project,
    resolver: &Resolver,
    roots: &[PathBuf],
    versions: Option<&crate::celery_version::Pin>,
) -> CeleryConfig {
    let mut col = scanner::Collected::default();
    let mut seen = 0usize;
    loop {
        let modules = project.modules();
        if seen >= modules.len() {
            break;
        }
        for module in modules.iter().skip(seen) {
            // Settings are written with names the pre-scan knows; other modules (the helpers
            // a handler's calls lead into) hold none.
            if !module.may_matter() {
                continue;
            }
            scanner::Scanner {
                resolver,
                module: module.clone(),
                col: &mut col,
            }
            .module();
            for (name, from) in std::mem::take(&mut col.to_read) {
                // Read now; the next round of the loop scans it.
                project.find_module(&name, Some(from));
            }
        }
        seen = modules.len();
    }
    read_sources(project, resolver, &mut col);
    let mut config = CeleryConfig::default();
    for c in std::mem::take(&mut col.candidates) {
        if counts(&c, &col) {
            match c.found {
                Found::Timeout(s) => config.timeouts.push(s),
                Found::Broker(s) => config.brokers.push(s),
                Found::Pool(s) => config.pools.push(s),
                Found::StartMethod(s) => config.start_methods.push(s),
                Found::Protocol(s, root) => config.protocols.push((s, root)),
            }
        }
    }
    // Deployment files (command lines) and dependency files (the Celery version): one search.
    let is_command = |p: &std::path::Path| {
        p.file_name()
            .is_some_and(|n| is_command_file(&n.to_string_lossy()))
    };
    let files = project
        .loader()
        .text_files(roots, crate::worker::commands::DEPTH, &|p| {
            is_command(p) || crate::celery_version::is_dependency_path(p)
        });
    // A YAML file can be both (a conda environment is named like a compose file could be).
    let dependencies: Vec<_> = files
        .iter()
        .filter(|(p, _)| crate::celery_version::is_dependency_path(p))
        .cloned()
        .collect();
    let commands: Vec<_> = files
        .iter()
        .filter(|(p, _)| is_command(p))
        .cloned()
        .collect();
    config.commands = crate::worker::commands::from_files(&commands, roots);
    config.versions = crate::celery_version::from_files(dependencies, roots, versions);
    config
}

/// The names the loaded configuration modules and classes set (a module's `from x import *`
/// of project modules included), and the Django settings where an app loads
/// `django.conf:settings`.
fn read_sources(project: &Project, resolver: &Resolver, col: &mut scanner::Collected) {
    use scanner::{Source, Target};
    let mut sources = std::mem::take(&mut col.sources);
    for (name, from) in std::mem::take(&mut col.django_modules) {
        for namespace in &col.django_loads {
            sources.push(Source {
                target: Target::Named(name.clone(), from),
                namespace: namespace.clone(),
                upper_only: true,
            });
        }
    }
    let mut done = std::collections::HashSet::new();
    let mut queue: std::collections::VecDeque<Source> = sources.into();
    while let Some(source) = queue.pop_front() {
        let (module, scope) = match &source.target {
            Target::Named(name, from) => match project.find_module(name, Some(*from)) {
                Some(id) => (id, Scope::Module),
                None => continue,
            },
            Target::Module(id) => (*id, Scope::Module),
            Target::Class(c) => (c.module, Scope::Class(c.class)),
            Target::NamedClass(name, attr, from) => {
                let Some(id) = project.find_module(name, Some(*from)) else {
                    continue;
                };
                match resolver.attribute_of(&celint_project::resolve::Value::Module(id), attr) {
                    celint_project::resolve::Value::Class(c) => (c.module, Scope::Class(c.class)),
                    _ => continue,
                }
            }
        };
        let key = (module, scope, source.namespace.clone(), source.upper_only);
        if done.len() > 256 || !done.insert(key) {
            continue;
        }
        let Some(data) = project.module(module) else {
            continue;
        };
        let origin = Origin::Read {
            namespace: source.namespace.clone(),
            upper_only: source.upper_only,
        };
        scanner::Scanner {
            resolver,
            module: data.clone(),
            col: &mut *col,
        }
        .names(scope, &origin);
        // `from .base import *` in a settings module: the base's names are the module's too.
        if scope == Scope::Module {
            for star in &data.symbols.module.star_imports {
                if let Some(id) = project.find_module(star, Some(module)) {
                    queue.push_back(Source {
                        target: Target::Module(id),
                        namespace: source.namespace.clone(),
                        upper_only: source.upper_only,
                    });
                }
            }
        }
    }
}

/// The settings celint reads: (the new name, the old one, the kind).
const KEYS: &[(&str, &str, Kind)] = &[
    (
        "worker_proc_alive_timeout",
        "CELERYD_PROC_ALIVE_TIMEOUT",
        Kind::Timeout,
    ),
    ("broker_url", "BROKER_URL", Kind::Broker),
    ("worker_pool", "CELERYD_POOL", Kind::Pool),
    (
        "worker_pool_start_method",
        "CELERYD_POOL_START_METHOD",
        Kind::StartMethod,
    ),
    ("task_protocol", "CELERY_TASK_PROTOCOL", Kind::Protocol),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Timeout,
    Broker,
    Pool,
    StartMethod,
    Protocol,
}

/// A setting as written somewhere, before it is known whether Celery reads it.
struct Candidate {
    key: String,
    origin: Origin,
    found: Found,
}

enum Found {
    Timeout(Setting<f64>),
    Broker(Setting<Broker>),
    Pool(Setting<Pool>),
    StartMethod(Setting<StartMethod>),
    Protocol(Setting<f64>, std::path::PathBuf),
}

/// Where a setting is written, which decides how Celery looks it up.
#[derive(Clone, Debug)]
enum Origin {
    /// The app's own configuration (`app.conf`, `Celery(...)`): read with the app's
    /// namespace, taken to be any namespace the project gives an app.
    App,
    /// A configuration module, class or mapping loaded with this namespace.
    Read {
        namespace: Option<String>,
        upper_only: bool,
    },
    /// An entry of a Flask configuration mapping under this key: read as Celery reads the
    /// key's mapping, if it does.
    Flask(String),
}

/// The kind of setting a key names under any namespace: what value to read for it.
fn kind_of(key: &str) -> Option<Kind> {
    KEYS.iter()
        .find(|(new, old, _)| {
            let suffix = format!("_{}", new.to_ascii_uppercase());
            key == *new
                || key == *old
                || (key.len() > suffix.len() && key.to_ascii_uppercase().ends_with(&suffix))
        })
        .map(|(_, _, k)| *k)
}

/// Does Celery read `key` from a configuration loaded with `namespace`? It looks up the
/// namespaced name in the namespace's case (`CELERY_WORKER_PROC_ALIVE_TIMEOUT`), then the new
/// name, then the old one (celery/utils/collections.py `ConfigurationView._to_keys`; seen on
/// 5.7.0: without a namespace `CELERY_WORKER_PROC_ALIVE_TIMEOUT` is ignored). Django's settings
/// object holds upper-case names only.
fn read_as(key: &str, namespace: Option<&str>, upper_only: bool) -> bool {
    if upper_only && key.chars().any(|c| c.is_lowercase()) {
        return false;
    }
    KEYS.iter().any(|(new, old, _)| {
        key == *new || key == *old || namespace.is_some_and(|ns| key == namespaced(ns, new))
    })
}

/// `match_case(prefix + key, prefix)` as Celery writes it.
fn namespaced(namespace: &str, key: &str) -> String {
    let prefix = format!("{}_", namespace.trim_end_matches('_'));
    let full = format!("{prefix}{key}");
    let cased = |s: &str| s.chars().any(char::is_alphabetic);
    if cased(&prefix) && !prefix.chars().any(char::is_lowercase) {
        full.to_uppercase()
    } else if cased(&prefix) && !prefix.chars().any(char::is_uppercase) {
        full.to_lowercase()
    } else {
        full
    }
}

fn counts(c: &Candidate, col: &scanner::Collected) -> bool {
    let read = |origin: &Origin| match origin {
        Origin::App => {
            read_as(&c.key, None, false)
                || col
                    .namespaces
                    .iter()
                    .any(|ns| read_as(&c.key, Some(ns), false))
        }
        Origin::Read {
            namespace,
            upper_only,
        } => read_as(&c.key, namespace.as_deref(), *upper_only),
        Origin::Flask(_) => false,
    };
    match &c.origin {
        Origin::Flask(k) => col
            .flask_wanted
            .iter()
            .any(|(wanted, how)| wanted == k && read(how)),
        other => read(other),
    }
}

pub fn broker_of(url: &str) -> Broker {
    let scheme = url.split("://").next().unwrap_or("").to_ascii_lowercase();
    match scheme.as_str() {
        "amqp" | "amqps" | "pyamqp" | "librabbitmq" => Broker::Amqp,
        "redis" | "rediss" | "sentinel" | "redis+socket" => Broker::Redis,
        _ => Broker::Other,
    }
}

fn start_method_of(name: &str) -> Option<StartMethod> {
    match name {
        "fork" => Some(StartMethod::Fork),
        "spawn" => Some(StartMethod::Spawn),
        "forkserver" => Some(StartMethod::Forkserver),
        _ => None,
    }
}

fn pool_of(name: &str) -> Option<Pool> {
    Some(match name {
        "prefork" | "processes" => Pool::Prefork,
        "solo" => Pool::Solo,
        "threads" => Pool::Threads,
        "gevent" => Pool::Gevent,
        "eventlet" => Pool::Eventlet,
        _ => return None,
    })
}
