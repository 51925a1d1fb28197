//! CEL013 connected-too-late: a receiver connected after the only send of its signal never
//! runs. Three forms, each read from the worker model (which module is imported when, the
//! signal table's start-up order):
//! - a configuration-time signal (`app.on_after_configure`, `user_preload_options`,
//!   `import_modules`) connected in a module the worker imports only with the task modules;
//! - `heartbeat_sent` connected once the worker's heart runs (in a `worker_ready` handler, a
//!   task) while no receiver existed when the heart was built (it samples them once);
//! - a pool child's signal connected by a main-process handler before the fork, where the pool
//!   starts its children by spawn (they import the modules afresh, and inherit nothing);
//! - (warning) worker-signal handlers in a module nothing the worker imports names.

use crate::checker::{Checker, Handler};
use crate::diagnostic::{Diagnostic, FileRef, Severity};
use crate::rules::Rule;
use celint_analysis::handlers::Connection;
use celint_analysis::worker::references::{imports_at_import, names_module};
use celint_analysis::worker::timeline::{self, Loads};
use celint_analysis::worker::Worker;
use celint_catalog::signals::{Kind, Process};
use celint_project::project::ModuleData;

pub fn check(ck: &Checker, h: &Handler, out: &mut Vec<Diagnostic>) {
    let c = h.connection;
    match c.enclosing {
        None => {
            let early = timeline::sent_before_task_modules(c.signal)
                .then(|| before_task_modules(ck, h))
                .flatten();
            out.extend(early.or_else(|| unreached(ck, h)));
        }
        Some(_) if c.signal.name == "heartbeat_sent" => out.extend(late_heartbeat(ck, h)),
        Some(_) => out.extend(lost_under_spawn(ck, h)),
    }
}

fn file_of(c: &Connection) -> FileRef {
    FileRef {
        display: c.module.source.display.clone(),
        module: Some(c.module.clone()),
    }
}

/// The workers whose entry is under the same source root as `m`: several projects linted in one
/// run (sibling services given together) each keep their own workers.
fn workers_of<'c>(ck: &'c Checker, m: &'c ModuleData) -> impl Iterator<Item = &'c Worker> + 'c {
    let project = ck.analyzer.project();
    ck.model.workers.iter().filter(move |w| {
        w.entry
            .iter()
            .filter_map(|id| project.module(*id))
            .any(|e| e.root == m.root)
    })
}

/// Where the worker's entry is: `-A proj (Procfile:1)`, or the module that makes the app.
fn entry_of(ck: &Checker, w: &Worker) -> String {
    let names: Vec<String> = w
        .entry
        .iter()
        .filter_map(|id| ck.analyzer.project().module(*id))
        .map(|m| format!("`{}`", m.name))
        .collect();
    match &w.command {
        Some(cmd) => format!(
            "{} (`-A {}`, {}:{})",
            names.join(", "),
            cmd.app.as_deref().unwrap_or("?"),
            celint_syntax::source::display_path(&cmd.file),
            cmd.line
        ),
        None => format!("{} (the module that makes the app)", names.join(", ")),
    }
}

/// Does the entry import the task modules itself as it is imported
/// (`autodiscover_tasks(force=True)`, `loader.import_default_modules()`)?
fn imports_tasks_at_once(ck: &Checker, w: &Worker) -> bool {
    w.entry_imports
        .iter()
        .filter_map(|id| ck.analyzer.project().module(*id))
        .any(|m| {
            let t = m.source.text.as_str();
            (t.contains("autodiscover_tasks") && t.contains("force=True"))
                || t.contains("import_default_modules")
                || t.contains("import_task_module")
        })
}

fn before_task_modules(ck: &Checker, h: &Handler) -> Option<Diagnostic> {
    let c = h.connection;
    let module = c.module.id;
    let imported = ck.model.imported.iter().find(|i| i.module.id == module)?;
    if imported.step != Loads::TaskModules || imported.assumed {
        return None;
    }
    let w = workers_of(ck, &c.module).find(|w| {
        !w.entry.is_empty() && !w.entry_imports.contains(&module) && !imports_tasks_at_once(ck, w)
    })?;
    // Without a command line the entry is the module that makes the app, a guess: `-A` may
    // name another module, which imports this one. Only a module no other module but a task
    // module imports at import is sure to be imported with the task modules.
    if w.command.is_none() && imported_by_other_than_tasks(ck, &c.module) {
        return None;
    }
    let signal = match c.signal.kind {
        Kind::App => format!("app.{}", c.signal.name),
        Kind::Celery => c.signal.name.to_string(),
    };
    let message = format!(
        "`{signal}` is sent before the worker imports this module: `{}` never runs",
        h.name()
    );
    let mut d = Diagnostic::new(Rule::ConnectedTooLate, file_of(c), c.site, message);
    d.notes.push(format!(
        "the worker imports {} first; `{signal}` is sent {}; `{}` is imported later, with the \
         task modules (include, imports, autodiscovery)",
        entry_of(ck, w),
        when_sent(c.signal.name),
        c.module.name
    ));
    let body = c
        .module
        .source
        .text
        .get(h.def.span.start as usize..h.def.span.end as usize)
        .unwrap_or_default();
    if body.contains("add_periodic_task") {
        d.notes.push(
            "so the periodic tasks it adds are never scheduled, by beat or by `-B`".to_string(),
        );
    }
    d.notes.push(match c.signal.kind {
        Kind::App => format!(
            "connect it in the module that makes the app, or use `app.on_after_finalize` (sent \
             after the task modules are imported){}",
            if c.signal.name == "on_after_configure" {
                ", or `app.conf.beat_schedule`"
            } else {
                ""
            }
        ),
        Kind::Celery => "connect it in the module `-A` names, or one it imports".to_string(),
    });
    Some(d)
}

/// Loads the modules beside `m` and in the directory above: those most likely to import it
/// that the pre-scan had no reason to read (an `-A` module that only imports the app and the
/// task modules, an `AppConfig` outside `apps.py`).
fn load_neighbours(ck: &Checker, m: &ModuleData) {
    let project = ck.analyzer.project();
    let dir = m.source.path.parent();
    for d in dir.into_iter().chain(dir.and_then(std::path::Path::parent)) {
        // Listing a directory reads no file: the loader reads the modules it holds.
        let Ok(entries) = std::fs::read_dir(d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.extension().is_some_and(|x| x == "py") {
                let _ = project.module_at(&path);
            }
        }
    }
}

/// Does a module that defines no task import `m` at its own import?
fn imported_by_other_than_tasks(ck: &Checker, m: &ModuleData) -> bool {
    load_neighbours(ck, m);
    ck.analyzer.project().modules().iter().any(|o| {
        o.id != m.id
            && imports_at_import(o, &m.name)
            && !celint_analysis::fork::worker::defines_tasks(ck.analyzer, o)
    })
}

fn when_sent(name: &str) -> &'static str {
    match name {
        "on_configure" | "on_after_configure" => "at its first configuration read",
        "user_preload_options" => "as the command line is parsed",
        "import_modules" => "as the task modules' import begins",
        _ => "before the task modules are imported",
    }
}

fn late_heartbeat(ck: &Checker, h: &Handler) -> Option<Diagnostic> {
    let c = h.connection;
    let f = c.enclosing?;
    let resolver = &ck.analyzer.resolver;
    let runs_in = |func, pred: &dyn Fn(&str) -> bool| {
        ck.connections
            .iter()
            .find(|o| o.receiver == func && pred(o.signal.name))
            .map(|o| o.signal.name)
    };
    let late = match runs_in(f, &timeline::sent_after_consumer_start) {
        Some(signal) => format!("a `{signal}` handler"),
        None if resolver.task_decorator(f).is_some() => "a task".to_string(),
        None => return None,
    };
    // A receiver in place when the heart was built keeps `heartbeat_sent.send` in use, and
    // `send` reaches receivers connected since.
    let early = ck.connections.iter().any(|o| {
        o.signal.name == "heartbeat_sent"
            && match o.enclosing {
                None => true,
                Some(e) => runs_in(e, &|s| !timeline::sent_after_consumer_start(s)).is_some(),
            }
    });
    if early || without_heartbeat(ck) {
        return None;
    }
    let message = format!(
        "`heartbeat_sent` is connected in {late}, after the heart started: `{}` never runs",
        h.name()
    );
    let mut d = Diagnostic::new(Rule::ConnectedTooLate, file_of(c), c.site, message);
    d.notes.push(
        "the worker's heart looks at `heartbeat_sent`'s receivers once, as the consumer starts \
         (before `worker_ready`): with none, it never sends the signal (until a broker \
         reconnect rebuilds it)"
            .to_string(),
    );
    d.notes
        .push("connect the receiver at module level, where the worker imports it".to_string());
    Some(d)
}

/// A pool child's signal (`task_prerun`, ...) connected in a handler the main process runs
/// before the fork (`worker_init`, `celeryd_init`), where every setting of the pool's start
/// method says spawn: the children never see the connection.
fn lost_under_spawn(ck: &Checker, h: &Handler) -> Option<Diagnostic> {
    use celint_analysis::celery_config::{Pool, StartMethod};
    use celint_analysis::worker::timeline::Runs;
    let c = h.connection;
    let f = c.enclosing?;
    if timeline::runs(c.signal.name, Pool::Prefork) != Runs::Child || !ck.model.forks() {
        return None;
    }
    let starts = &ck.config.start_methods;
    let spawn = starts.first()?;
    if !starts.iter().all(|s| s.value == Some(StartMethod::Spawn)) {
        return None;
    }
    // Before Celery 5.7 the setting is not read and the pool forks.
    let holds = ck.holds(
        &c.module,
        celint_catalog::versions::Fact::PoolStartMethodSetting,
    );
    if holds == crate::checker::Holds::Never {
        return None;
    }
    let parent = ck
        .connections
        .iter()
        .find(|o| {
            o.receiver == f && timeline::runs(o.signal.name, Pool::Prefork) == Runs::MainBeforeFork
        })?
        .signal
        .name;
    let message = format!(
        "`{}` is connected in the main process's `{parent}` handler: spawned children never run `{}`",
        c.signal.name,
        h.name()
    );
    let mut d = Diagnostic::new(Rule::ConnectedTooLate, file_of(c), c.site, message);
    d.notes.push(format!(
        "the pool starts its children by spawn (`{}` at {}): each imports the modules afresh and \
         inherits nothing the main process connected after its imports",
        spawn.form, spawn.at
    ));
    d.notes
        .push("connect the receiver at module level, in a module the worker imports".to_string());
    holds.mark(&mut d);
    Some(d)
}

fn without_heartbeat(ck: &Checker) -> bool {
    !ck.model.workers.is_empty()
        && ck.model.workers.iter().all(|w| {
            w.command
                .as_ref()
                .is_some_and(|c| c.form.contains("--without-heartbeat"))
        })
}

/// A worker-signal handler in a module the worker model says nothing imports, and that no
/// module celint has read imports, anywhere, or names in a string.
fn unreached(ck: &Checker, h: &Handler) -> Option<Diagnostic> {
    let c = h.connection;
    let worker_signal = match c.signal.kind {
        Kind::App => true,
        Kind::Celery => matches!(c.signal.process, Process::Main | Process::PoolChild),
    };
    // Reached: imported with the entry or the task modules. A module of worker-signal handlers
    // nothing reaches is kept as "assumed" imported; one that connects only the app's signals
    // is not kept at all.
    let reached = ck
        .model
        .imported
        .iter()
        .any(|i| i.module.id == c.module.id && !i.assumed);
    if !worker_signal || reached || !stands_alone(&c.module) {
        return None;
    }
    // Only where every worker's command line names its entry: a guessed entry (the module
    // that makes the app) may not be what `-A` names.
    let workers: Vec<&Worker> = workers_of(ck, &c.module).collect();
    // A worker whose `-A` module is unknown, in this tree, may import anything.
    let unknown = ck.model.workers.iter().any(|w| {
        w.entry.is_empty()
            && w.command
                .as_ref()
                .is_none_or(|cmd| cmd.file.starts_with(&c.module.root))
    });
    if unknown || workers.iter().any(|w| w.command.is_none()) {
        return None;
    }
    let w = *workers.first()?;
    if named_anywhere(ck, &c.module) || autodiscovered(ck, &c.module) {
        return None;
    }
    let message = format!(
        "the worker never imports `{}`: `{}` is never connected",
        c.module.name,
        h.name()
    );
    let mut d = Diagnostic::new(Rule::ConnectedTooLate, file_of(c), c.site, message);
    d.severity = Some(Severity::Warning);
    d.notes.push(format!(
        "the worker imports {} and the task modules; none of them, nor any module celint read, \
         imports `{}` or names it in a string",
        entry_of(ck, w),
        c.module.name
    ));
    d.notes.push(format!(
        "import `{}` from the module that makes the app (or a Django app's `ready()`)",
        c.module.name
    ));
    Some(d)
}

/// A `tasks` module in a project that calls `autodiscover_tasks`: Celery imports the `tasks`
/// module of every package it is given (with Django, of every installed app), whether or not
/// it defines a task.
fn autodiscovered(ck: &Checker, m: &ModuleData) -> bool {
    m.name.rsplit('.').next() == Some("tasks")
        && ck
            .analyzer
            .project()
            .modules()
            .iter()
            .any(|o| o.source.text.contains("autodiscover_tasks"))
}

/// A module that is not a script, a test or an app module of its own.
fn stands_alone(m: &ModuleData) -> bool {
    let path = m.source.path.to_string_lossy();
    let name = m.name.rsplit('.').next().unwrap_or("");
    let text = m.source.text.as_str();
    !(name.starts_with("test")
        || name.ends_with("_test")
        || name == "conftest"
        || path.contains("/tests/")
        || path.contains("/test/")
        || text.contains("__main__")
        || text.contains("Celery("))
}

/// Does any module celint has read, the packages' `__init__`, `apps` and `models` modules
/// above it (Django imports those of every installed app), or a module beside it or in the
/// package above (an `AppConfig` elsewhere than `apps.py`) name `m`?
fn named_anywhere(ck: &Checker, m: &ModuleData) -> bool {
    let project = ck.analyzer.project();
    load_neighbours(ck, m);
    let mut parts: Vec<&str> = m.name.split('.').collect();
    parts.pop();
    while !parts.is_empty() {
        let package = parts.join(".");
        for name in ["apps", "models", "__init__"] {
            let dotted = if name == "__init__" {
                package.clone()
            } else {
                format!("{package}.{name}")
            };
            let _ = project.find_module(&dotted, Some(m.id));
        }
        parts.pop();
    }
    project
        .modules()
        .iter()
        .filter(|o| o.id != m.id)
        .any(|o| names_module(o, &m.name))
}
