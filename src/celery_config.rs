//! The Celery settings that change what the rules claim, found statically wherever the project
//! sets them: the effective `worker_proc_alive_timeout`, the broker (Redis or AMQP), and the
//! pool.

use std::path::PathBuf;
use std::sync::Arc;

use crate::project::{ModuleData, Project};
use crate::resolve::{Ctx, Resolver, Value};
use crate::syntax::ir::{Call, Expr, Scope, Span, Stmt};
use crate::syntax::visitor::{walk_body, walk_expr, walk_stmt, Visitor};

pub const DEFAULT_PROC_ALIVE_TIMEOUT: f64 = 4.0;

const TIMEOUT_KEYS: &[&str] = &[
    "worker_proc_alive_timeout",
    "CELERY_WORKER_PROC_ALIVE_TIMEOUT",
    "CELERYD_PROC_ALIVE_TIMEOUT",
];
const BROKER_KEYS: &[&str] = &["broker_url", "BROKER_URL", "CELERY_BROKER_URL", "broker"];
const POOL_KEYS: &[&str] = &["worker_pool", "CELERY_WORKER_POOL", "CELERYD_POOL"];

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

/// One place a setting is given.
#[derive(Clone, Debug)]
pub struct Setting<T> {
    /// `None`: set to something celint cannot evaluate.
    pub value: Option<T>,
    /// Where: `path:line`.
    pub at: String,
    /// How it is written, for notes (`app.conf.worker_proc_alive_timeout = 10`).
    pub form: String,
}

#[derive(Debug, Default)]
pub struct CeleryConfig {
    pub timeouts: Vec<Setting<f64>>,
    pub brokers: Vec<Setting<Broker>>,
    pub pools: Vec<Setting<Pool>>,
}

/// Where the effective timeout comes from.
#[derive(Clone, Debug)]
pub enum Timeout {
    /// Celery's default.
    Default,
    /// `--proc-alive-timeout`.
    Override(f64),
    /// The largest value set in the project.
    Project(Setting<f64>),
    /// Set somewhere to a value celint cannot evaluate: no timeout claim is made.
    Unknown(Setting<f64>),
}

impl CeleryConfig {
    pub fn timeout(&self, override_: Option<f64>) -> Timeout {
        if let Some(t) = override_ {
            return Timeout::Override(t);
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

    /// The pool, when every pool setting found agrees.
    pub fn pool(&self) -> Option<Pool> {
        let first = self.pools.first()?.value?;
        self.pools
            .iter()
            .all(|p| p.value == Some(first))
            .then_some(first)
    }
}

impl Timeout {
    pub fn seconds(&self) -> Option<f64> {
        match self {
            Timeout::Default => Some(DEFAULT_PROC_ALIVE_TIMEOUT),
            Timeout::Override(t) => Some(*t),
            Timeout::Project(s) => s.value,
            Timeout::Unknown(_) => None,
        }
    }
}

/// Scans every module read so far, and the configuration modules they name
/// (`config_from_object("celeryconfig")`, `DJANGO_SETTINGS_MODULE`), read on demand.
pub fn scan(project: &Project, resolver: &Resolver, roots: &[PathBuf]) -> CeleryConfig {
    let mut config = CeleryConfig::default();
    let mut seen = 0usize;
    loop {
        let modules = project.modules();
        if seen >= modules.len() {
            break;
        }
        for module in modules.iter().skip(seen) {
            // Settings are written with names the pre-scan knows; other modules (the helpers
            // a handler's calls lead into) hold none.
            if !crate::prescan::may_matter(module.source.text.as_bytes()) {
                continue;
            }
            let mut scanner = Scanner {
                resolver,
                module: module.clone(),
                config: &mut config,
                config_modules: Vec::new(),
            };
            scanner.module();
            for name in std::mem::take(&mut scanner.config_modules) {
                // Read now; the next round of the loop scans it.
                project.find_module(&name, Some(module.id));
            }
        }
        seen = modules.len();
    }
    config.pools.extend(command_line_pools(project, roots));
    config
}

/// Files that hold `celery worker` command lines: Procfile, Dockerfiles, compose files,
/// systemd units.
fn is_command_file(name: &str) -> bool {
    name == "Procfile"
        || name.starts_with("Procfile.")
        || name.starts_with("Dockerfile")
        || name.ends_with(".dockerfile")
        || (name.contains("compose") && (name.ends_with(".yml") || name.ends_with(".yaml")))
        || name.ends_with(".service")
}

/// `-P solo`, `--pool=threads`, `--pool gevent` in `celery ... worker` command lines found in
/// the project's Procfile, Dockerfiles, compose files and systemd units.
fn command_line_pools(project: &Project, roots: &[PathBuf]) -> Vec<Setting<Pool>> {
    let mut out = Vec::new();
    for (path, text) in project.loader().text_files(roots, 2, &is_command_file) {
        for (i, line) in text.lines().enumerate() {
            if let Some(pool) = pool_in_command(line) {
                out.push(Setting {
                    value: pool_of(&pool),
                    at: format!("{}:{}", crate::source::display_path(&path), i + 1),
                    form: line.trim().to_string(),
                });
            }
        }
    }
    out
}

/// The pool named on a `celery ... worker` command line.
pub fn pool_in_command(line: &str) -> Option<String> {
    let cleaned: String = line
        .chars()
        .map(|c| {
            if matches!(c, '"' | '\'' | ',' | '[' | ']') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    let celery = words
        .iter()
        .position(|w| *w == "celery" || w.ends_with("/celery"))?;
    let worker = celery + words.iter().skip(celery).position(|w| *w == "worker")?;
    let mut rest = words.iter().skip(worker + 1);
    while let Some(w) = rest.next() {
        if *w == "-P" || *w == "--pool" {
            return rest.next().map(|p| p.to_string());
        }
        if let Some(p) = w.strip_prefix("--pool=") {
            return Some(p.to_string());
        }
        if let Some(p) = w.strip_prefix("-P") {
            if !p.is_empty() {
                return Some(p.trim_start_matches('=').to_string());
            }
        }
    }
    None
}

struct Scanner<'a, 'r, 'p> {
    resolver: &'r Resolver<'p>,
    module: Arc<ModuleData>,
    config: &'a mut CeleryConfig,
    config_modules: Vec<String>,
}

impl Scanner<'_, '_, '_> {
    fn module(&mut self) {
        let m = self.module.clone();
        for (scope, body) in m.parsed.module.scopes() {
            walk_body(
                &mut InScope {
                    scanner: self,
                    scope,
                },
                body,
            );
        }
    }

    fn ctx(&self, scope: Scope) -> Ctx {
        Ctx {
            module: self.module.clone(),
            scope,
            this: None,
        }
    }

    fn at(&self, span: Span) -> String {
        format!(
            "{}:{}",
            self.module.source.display,
            self.module.source.line_of(span.start)
        )
    }

    fn form(&self, span: Span) -> String {
        let text = self.module.source.slice(span);
        let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if one_line.chars().count() > 80 {
            let cut: String = one_line.chars().take(77).collect();
            format!("{cut}...")
        } else {
            one_line
        }
    }

    fn assignment(&mut self, target: &Expr, value: &Expr, span: Span, scope: Scope) {
        let key = match target {
            // A setting at module or class level of a configuration module or class.
            Expr::Name { id, .. } if !matches!(scope, Scope::Function(_)) => id.as_str(),
            // `app.conf.worker_proc_alive_timeout = N`, `asynpool.PROC_ALIVE_TIMEOUT = N`.
            Expr::Attribute {
                attr, value: base, ..
            } => {
                if attr == "PROC_ALIVE_TIMEOUT" {
                    let v = self.resolver.value(&self.ctx(scope), base);
                    if v.path() != Some("celery.concurrency.asynpool") {
                        return;
                    }
                    "worker_proc_alive_timeout"
                } else if is_conf(base) {
                    attr.as_str()
                } else {
                    return;
                }
            }
            // `app.conf["worker_proc_alive_timeout"] = N`
            Expr::Subscript {
                value: base, index, ..
            } if is_conf(base) => match index.as_str() {
                Some(k) => k,
                None => return,
            },
            _ => return,
        };
        // `broker` is a setting only as a `Celery(broker=...)` keyword.
        if key != "broker" {
            self.setting(key, value, span, scope);
        }
    }

    fn setting(&mut self, key: &str, value: &Expr, span: Span, scope: Scope) {
        let form = self.form(span);
        let at = self.at(span);
        if TIMEOUT_KEYS.contains(&key) {
            let value = self.number(value, scope);
            self.config.timeouts.push(Setting { value, at, form });
        } else if BROKER_KEYS.contains(&key) {
            let value = self.string(value, scope).map(|s| broker_of(&s));
            self.config.brokers.push(Setting { value, at, form });
        } else if POOL_KEYS.contains(&key) {
            let value = self.string(value, scope).and_then(|s| pool_of(&s));
            self.config.pools.push(Setting { value, at, form });
        }
    }

    fn call(&mut self, call: &Call, scope: Scope) {
        let span = call.span;
        if let Expr::Attribute {
            value: base, attr, ..
        } = &call.func
        {
            match attr.as_str() {
                // `app.conf.update(worker_proc_alive_timeout=N)` / `update({...})`
                "update" if is_conf(base) => {
                    self.keywords(call, span, scope);
                    if let Some(arg) = call.args.first() {
                        self.mapping(arg, span, scope);
                    }
                    return;
                }
                "config_from_object" => {
                    if let Some(arg) = call.args.first().or_else(|| call.keyword("obj")) {
                        match self.resolver.value(&self.ctx(scope), arg) {
                            Value::Str(s) => {
                                let module = s.split(':').next().unwrap_or(&s).to_string();
                                if module != "django.conf" {
                                    self.config_modules.push(module);
                                }
                            }
                            _ => self.mapping(arg, span, scope),
                        }
                    }
                    return;
                }
                "setdefault" => {
                    // `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")`
                    if let [key, value, ..] = call.args.as_slice() {
                        if key.as_str() == Some("DJANGO_SETTINGS_MODULE") {
                            if let Some(v) = self.string(value, scope) {
                                self.config_modules.push(v);
                            }
                        }
                    }
                    return;
                }
                _ => {}
            }
        }
        // Only a call written `Celery(...)` / `x.Celery(...)` can be the constructor: resolving
        // every call would read modules for nothing.
        let written = match &call.func {
            Expr::Name { id, .. } => id.as_str(),
            Expr::Attribute { attr, .. } => attr.as_str(),
            _ => "",
        };
        if written != "Celery" {
            return;
        }
        let callee = self.resolver.value(&self.ctx(scope), &call.func);
        if callee.path() == Some("celery.Celery") {
            // Constructor keywords are settings.
            self.keywords(call, span, scope);
        }
    }

    fn keywords(&mut self, call: &Call, span: Span, scope: Scope) {
        for k in &call.keywords {
            if let Some(name) = &k.arg {
                self.setting(name, &k.value, span, scope);
            }
        }
    }

    /// A dict literal (or a name bound to one) of settings.
    fn mapping(&mut self, expr: &Expr, span: Span, scope: Scope) {
        let items = match expr {
            Expr::Dict { items, .. } => items,
            Expr::Name { id, .. } => {
                let table = self.module.symbols.table(Scope::Module);
                if let Some([crate::facts::symbols::Binding::Assign(v)]) =
                    table.and_then(|t| t.names.get(id)).map(Vec::as_slice)
                {
                    let v = v.clone();
                    if let Expr::Dict { .. } = v.as_ref() {
                        self.mapping(&v, span, Scope::Module);
                    }
                }
                return;
            }
            _ => return,
        };
        for (k, v) in items {
            if let Some(key) = k.as_ref().and_then(Expr::as_str) {
                self.setting(key, v, span, scope);
            }
        }
    }

    /// A number, through names and arithmetic, `int(...)`/`float(...)`, and the default of
    /// `os.environ.get(NAME, default)` / `os.getenv(NAME, default)`.
    fn number(&self, expr: &Expr, scope: Scope) -> Option<f64> {
        let ctx = self.ctx(scope);
        match self.resolver.value(&ctx, expr) {
            Value::Number(n) => return Some(n),
            Value::Str(s) => return s.trim().parse().ok(),
            _ => {}
        }
        if let Expr::Call(call) = expr {
            let callee = self.resolver.value(&ctx, &call.func);
            match callee.path() {
                Some("builtins.int" | "builtins.float") => {
                    return self.number(call.args.first()?, scope)
                }
                Some("os.environ.get" | "os.getenv") => {
                    return self
                        .number(call.args.get(1).or_else(|| call.keyword("default"))?, scope)
                }
                _ => {}
            }
        }
        None
    }

    fn string(&self, expr: &Expr, scope: Scope) -> Option<String> {
        let ctx = self.ctx(scope);
        if let Value::Str(s) = self.resolver.value(&ctx, expr) {
            return Some(s);
        }
        if let Expr::Call(call) = expr {
            let callee = self.resolver.value(&ctx, &call.func);
            if let Some("os.environ.get" | "os.getenv") = callee.path() {
                return self.string(call.args.get(1).or_else(|| call.keyword("default"))?, scope);
            }
        }
        None
    }
}

/// The scan of one scope's own block (nested definitions are scopes of their own): every
/// assignment and every call, wherever it is written.
struct InScope<'s, 'a, 'r, 'p> {
    scanner: &'s mut Scanner<'a, 'r, 'p>,
    scope: Scope,
}

impl<'x> Visitor<'x> for InScope<'_, '_, '_, '_> {
    fn visit_stmt(&mut self, stmt: &'x Stmt) {
        // A setting needs its target and value together, which only the statement has.
        if let Stmt::Assign {
            targets,
            value,
            span,
        } = stmt
        {
            for t in targets {
                self.scanner.assignment(t, value, *span, self.scope);
            }
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'x Expr) {
        if let Expr::Call(call) = expr {
            self.scanner.call(call, self.scope);
        }
        walk_expr(self, expr);
    }
}

/// `<x>.conf`
fn is_conf(expr: &Expr) -> bool {
    matches!(expr, Expr::Attribute { attr, .. } if attr == "conf")
}

pub fn broker_of(url: &str) -> Broker {
    let scheme = url.split("://").next().unwrap_or("").to_ascii_lowercase();
    match scheme.as_str() {
        "amqp" | "amqps" | "pyamqp" | "librabbitmq" => Broker::Amqp,
        "redis" | "rediss" | "sentinel" | "redis+socket" => Broker::Redis,
        _ => Broker::Other,
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

#[cfg(test)]
mod tests {
    use super::pool_in_command;

    #[test]
    fn pools_on_command_lines() {
        let p = |s: &str| pool_in_command(s);
        assert_eq!(
            p("worker: celery -A proj worker -P solo --loglevel=INFO").as_deref(),
            Some("solo")
        );
        assert_eq!(
            p("command: celery -A proj worker --pool=threads").as_deref(),
            Some("threads")
        );
        assert_eq!(
            p(r#"CMD ["celery", "-A", "proj", "worker", "--pool", "gevent"]"#).as_deref(),
            Some("gevent")
        );
        assert_eq!(
            p("ExecStart=/venv/bin/celery -A proj worker -Peventlet").as_deref(),
            Some("eventlet")
        );
        assert_eq!(p("celery -A proj beat -P solo"), None);
        assert_eq!(p("celery -A proj worker --loglevel=INFO"), None);
    }
}
