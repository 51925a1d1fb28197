//! Runs the rules: finds the handlers in the linted modules, gives each rule the handler and
//! its effect summary, and collects the findings (one per rule and place, whatever the number
//! of handlers or paths that reach it).

use std::collections::HashSet;
use std::rc::Rc;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, FileRef, Place, TraceEntry};
use crate::rules::{self, Rule};
use celint_analysis::celery_config::{Broker, CeleryConfig, Pool, Timeout};
use celint_analysis::effects::{Analyzer, At, Hop, Loc, ShutdownCall, Summary, Via};
use celint_analysis::handlers::{self, Connection};
use celint_catalog::senders::{self, Passes};
use celint_catalog::signals::{Kind, Process, Signal};
use celint_project::project::{ModuleData, ModuleId};
use celint_project::resolve::{ClassRef, FuncRef};
use celint_syntax::ir::Function;

pub struct Checker<'a, 'p> {
    pub analyzer: &'a Analyzer<'p>,
    pub config: CeleryConfig,
    pub timeout: Timeout,
    pub broker: Option<Broker>,
    pub pool: Option<Pool>,
    /// The workers the project runs and what they import (CEL013 reads when a module is
    /// imported).
    pub model: &'a celint_analysis::worker::Model,
    /// Every connection found, the app's own signals' included.
    pub connections: &'a [Connection],
}

/// What Celery calls when it is not the receiver as written (a decorator's wrapper).
pub struct Called {
    pub func: FuncRef,
    pub module: Arc<ModuleData>,
}

impl Called {
    pub fn def(&self) -> Option<&Function> {
        self.module.parsed.module.function(self.func.func)
    }
}

/// One function connected to one signal.
pub struct Handler<'c> {
    pub module: Arc<ModuleData>,
    pub func: FuncRef,
    /// The receiver as written (for a decorated receiver, the decorated `def`).
    pub def: &'c Function,
    /// What Celery calls instead of `def`, when a project decorator replaced it.
    pub called: Option<Called>,
    pub signal: &'static Signal,
    pub summary: Rc<Summary>,
    pub connection: &'c Connection,
}

impl Handler<'_> {
    pub fn name(&self) -> &str {
        &self.def.name
    }

    /// The remote-control shutdowns this handler reaches that go through a Celery app: through
    /// an app wherever they are, or through a parameter of the handler itself (`sender.app`)
    /// where this signal passes what leads to the app under that keyword.
    pub fn shutdowns(&self) -> impl Iterator<Item = At<'_, ShutdownCall>> {
        self.summary.shutdowns().filter(|s| match &s.item.via {
            Via::App => true,
            Via::Param { name, app_attr } => {
                s.trace.is_empty()
                    && match senders::passed(self.signal.name, name) {
                        Some(Passes::App) => !app_attr,
                        Some(Passes::HasApp) => *app_attr,
                        None => false,
                    }
            }
        })
    }
}

/// Where a version fact holds among the Celery versions a module runs under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Holds {
    /// On every one of them.
    Always,
    /// On none: a claim resting on the fact is false for this module.
    Never,
    /// On some: a finding says which (`suffix` for its message, `note` with the source).
    Partly { suffix: String, note: String },
}

impl Holds {
    /// Adds what a partial hold says to a finding.
    pub fn mark(&self, d: &mut Diagnostic) {
        if let Holds::Partly { suffix, note } = self {
            d.message.push_str(suffix);
            d.notes.push(note.clone());
        }
    }
}

impl Checker<'_, '_> {
    /// The Celery versions the module runs under (`celery_version`).
    pub fn pin(&self, module: &ModuleData) -> &celint_analysis::celery_version::Pin {
        self.config.versions.for_path(&module.source.path)
    }

    /// The module's Celery versions that do not read the `worker_proc_alive_timeout` the
    /// project sets (before 4.4 the 4 s constant holds): empty when the project sets none, or
    /// when the timeout was given to celint.
    pub fn timeout_ignored_on(
        &self,
        module: &ModuleData,
    ) -> celint_analysis::celery_version::VersionSet {
        use celint_catalog::versions::Fact;
        match self.timeout {
            Timeout::Project(_) | Timeout::Unknown(_) => self
                .pin(module)
                .versions
                .minus(Fact::ProcAliveTimeoutSetting.versions()),
            Timeout::Default | Timeout::Override(_) => {
                celint_analysis::celery_version::VersionSet::EMPTY
            }
        }
    }

    /// Where `fact` holds among the module's Celery versions.
    pub fn holds(&self, module: &ModuleData, fact: celint_catalog::versions::Fact) -> Holds {
        self.holds_on(module, fact.versions())
    }

    /// Where a claim true on `on` holds among the module's Celery versions.
    pub fn holds_on(
        &self,
        module: &ModuleData,
        on: celint_analysis::celery_version::VersionSet,
    ) -> Holds {
        let pin = self.pin(module);
        let yes = pin.versions.intersect(on);
        if yes.is_empty() {
            return Holds::Never;
        }
        match pin.only_on(on) {
            None => Holds::Always,
            Some(note) => Holds::Partly {
                suffix: format!(" (on Celery {} only)", yes.describe()),
                note,
            },
        }
    }

    pub fn place(&self, loc: Loc) -> Place {
        Place {
            file: self.file(loc.module),
            span: loc.span,
        }
    }

    pub fn file(&self, module: ModuleId) -> FileRef {
        match self.analyzer.project().module(module) {
            Some(m) => FileRef {
                display: m.source.display.clone(),
                module: Some(m),
            },
            None => FileRef {
                display: String::new(),
                module: None,
            },
        }
    }

    pub fn location(&self, loc: Loc) -> String {
        let file = self.file(loc.module);
        let p = file.position(loc.span.start);
        format!("{}:{}", file.display, p.row)
    }

    /// The way from the handler to an effect: the handler, then each call.
    pub fn trace(&self, h: &Handler, hops: &[Hop]) -> Vec<TraceEntry> {
        let start = TraceEntry {
            file: self.file(h.func.module),
            span: h.def.name_span,
            note: format!("reached from {} handler `{}`", h.signal.name, h.name()),
        };
        self.trace_through(Some(start), hops)
    }

    /// `start` (where the code runs from, if anything names it), then each call; nothing when
    /// the effect is in the starting function itself.
    pub fn trace_through(&self, start: Option<TraceEntry>, hops: &[Hop]) -> Vec<TraceEntry> {
        if hops.is_empty() {
            return Vec::new();
        }
        let calls = hops.iter().map(|hop| TraceEntry {
            file: self.file(hop.call.module),
            span: hop.call.span,
            note: format!("via `{}()`", hop.callee),
        });
        start.into_iter().chain(calls).collect()
    }

    /// A diagnostic at an effect's place, with its trace.
    pub fn at(
        &self,
        rule: Rule,
        h: &Handler,
        loc: Loc,
        hops: &[Hop],
        message: String,
    ) -> Diagnostic {
        let mut d = Diagnostic::new(rule, self.file(loc.module), loc.span, message);
        d.trace = self.trace(h, hops);
        d
    }

    /// Do worker_process_init rules apply (prefork, or the pool is unknown)?
    pub fn process_init_applies(&self) -> bool {
        !matches!(
            self.pool,
            Some(Pool::Threads | Pool::Gevent | Pool::Eventlet)
        )
    }

    pub fn is_solo(&self) -> bool {
        self.pool == Some(Pool::Solo)
    }
}

/// Every connection in the linted modules, and each one's summary. The summaries come first:
/// they read the modules the handlers' calls lead into, whose settings count too.
fn connections_and_summaries(
    analyzer: &Analyzer,
    linted: &[Arc<ModuleData>],
) -> (Vec<Connection>, Vec<Rc<Summary>>) {
    let connections: Vec<Connection> = linted
        .iter()
        .flat_map(|m| handlers::find(&analyzer.resolver, m))
        .collect();
    // A receiver bound to `self` in a base class runs on the subclasses the project makes.
    let connections = handlers::instances::expand(&analyzer.resolver, connections);
    let summaries = connections
        .iter()
        .map(|c| match c.wrapper {
            Some(w) => analyzer.wrapper_summary(w.func, w.decorator, c.receiver),
            None => analyzer.summary_as(c.receiver, c.this),
        })
        .collect();
    (connections, summaries)
}

/// Lints the given modules; with `show_worker`, also describes the worker model.
pub fn check(
    analyzer: &Analyzer,
    linted: &[Arc<ModuleData>],
    proc_alive_timeout: Option<&celint_analysis::celery_config::TimeoutOverride>,
    celery_version: Option<&celint_analysis::celery_version::Pin>,
    roots: &[std::path::PathBuf],
    show_worker: bool,
) -> (Vec<Diagnostic>, Option<String>) {
    let (connections, summaries) = connections_and_summaries(analyzer, linted);
    let config = celint_analysis::celery_config::scan(
        analyzer.project(),
        &analyzer.resolver,
        roots,
        celery_version,
    );
    // The workers the project runs, each with its pool: a rule that depends on the pool
    // holds for the pool every worker runs.
    // The app's own signals (`app.on_after_configure`) are checked as connections only: their
    // handlers run wherever the app is configured, which the worker model does not place.
    let worker_connections: Vec<Connection> = connections
        .iter()
        .filter(|c| c.signal.kind == Kind::Celery)
        .cloned()
        .collect();
    let model = celint_analysis::worker::build(analyzer, &worker_connections, &config, roots);
    let checker = Checker {
        analyzer,
        timeout: config.timeout(proc_alive_timeout),
        broker: config.broker(),
        pool: model.pool(),
        config,
        model: &model,
        connections: &connections,
    };
    let summaries = if model.forks() {
        let imported: Vec<Arc<ModuleData>> =
            model.imported.iter().map(|m| m.module.clone()).collect();
        without_dead_joins(analyzer, &connections, &imported, summaries)
    } else {
        summaries
    };
    // Which rule runs where is the registry's to say (`rules::Check`).
    let (receiver_checks, body_checks) = (rules::receiver_checks(), rules::body_checks());
    let mut out = Vec::new();
    let mut seen_handlers: HashSet<(FuncRef, Option<ClassRef>, &'static str)> = HashSet::new();
    for (c, summary) in connections.iter().zip(summaries) {
        let Some(module) = analyzer.project().module(c.receiver.module) else {
            continue;
        };
        let Some(def) = module.parsed.module.function(c.receiver.func) else {
            continue;
        };
        let called = c.wrapper.and_then(|w| {
            let m = analyzer.project().module(w.func.module)?;
            Some(Called {
                func: w.func,
                module: m,
            })
        });
        let h = Handler {
            module: module.clone(),
            func: c.receiver,
            def,
            called,
            signal: c.signal,
            summary,
            connection: c,
        };
        for check in &receiver_checks {
            check(&checker, &h, &mut out);
        }
        // A receiver that is garbage-collected before the signal is sent never runs: what its
        // body would do is moot.
        if rules::cel008_weak_local_receiver::never_called(&h)
            || c.signal.kind == Kind::App
            || !seen_handlers.insert((c.receiver, c.this, c.signal.name))
        {
            continue;
        }
        for check in &body_checks {
            check(&checker, &h, &mut out);
        }
    }
    // What the main process opens or starts before the pool forks: only where a worker forks.
    if model.forks() {
        let imported = model.imported.iter().map(|m| m.module.clone()).collect();
        let facts = celint_analysis::fork::analyse(analyzer, &worker_connections, imported);
        for check in rules::project_checks() {
            check(&checker, &facts, &mut out);
        }
    }
    let worker = show_worker.then(|| {
        celint_analysis::worker::show::render(
            analyzer,
            &model,
            &worker_connections,
            &checker.config.versions,
        )
    });
    // The registry declares each rule's fix level; the checks build their fixes by hand.
    debug_assert!(
        out.iter()
            .all(|d| d.fix.as_ref().is_none_or(|f| d.rule.offers(f))),
        "a fix's applicability is not its rule's registered fix level"
    );
    tidy(&mut out);
    (out, worker)
}

/// One finding per rule and place; no edits in a file that does not parse.
fn tidy(out: &mut Vec<Diagnostic>) {
    // One finding per rule and place: the first (the nearest handler's) wins, preferring a
    // trace through a linted file: in project mode a helper given alone is reported through
    // the handler that reaches it from a given file, if any (elsewhere every handler's is).
    out.sort_by_key(|d| !through_linted(d));
    let mut seen = HashSet::new();
    out.retain(|d| seen.insert((d.rule, d.file.display.clone(), d.span)));
    // In a file that does not parse, the recovered tree may not be what the author meant: the
    // fix is still described, but no edit is offered (as Ruff does).
    for d in out.iter_mut() {
        let broken = d
            .file
            .module
            .as_ref()
            .is_some_and(|m| !m.parsed.errors.is_empty());
        if let Some(fix) = d.fix.as_mut().filter(|_| broken) {
            fix.edits.clear();
            fix.applicability = crate::diagnostic::Applicability::DisplayOnly;
        }
    }
}

/// Child-process handlers' summaries without their joins of threads the main process started
/// before the fork: in a pool child such a thread is not alive, and `join()` returns at once
/// (`fork::joins`). Computed only when a child-process handler joins a global thread.
fn without_dead_joins(
    analyzer: &Analyzer,
    connections: &[Connection],
    imported: &[Arc<ModuleData>],
    summaries: Vec<Rc<Summary>>,
) -> Vec<Rc<Summary>> {
    let in_child = |c: &Connection| c.signal.process == Process::PoolChild;
    let joins = connections
        .iter()
        .zip(&summaries)
        .any(|(c, s)| in_child(c) && s.joins_threads());
    if !joins {
        return summaries;
    }
    let threads = celint_analysis::fork::joins::threads(analyzer, connections, imported);
    let dead = |k: &celint_analysis::fork::keys::Key| threads.not_alive_in_child(k);
    connections
        .iter()
        .zip(summaries)
        .map(|(c, s)| {
            if in_child(c) && s.joins_threads() {
                Rc::new(s.without_joins(&dead))
            } else {
                s
            }
        })
        .collect()
}

/// The finding is in a linted file, or its trace or related places pass through one.
fn through_linted(d: &Diagnostic) -> bool {
    std::iter::once(&d.file)
        .chain(d.trace.iter().map(|t| &t.file))
        .chain(d.related.iter().map(|p| &p.file))
        .any(|f| f.module.as_ref().is_some_and(|m| m.linted))
}
