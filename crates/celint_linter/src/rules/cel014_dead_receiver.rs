//! CEL014 dead-receiver: a receiver Celery calls but whose body never does its work: an
//! `async def` (the coroutine is never awaited), a required parameter the signal never passes
//! (every call raises TypeError, which `Signal.send` swallows), a Celery task object given as
//! the receiver (`connect` cannot weakly reference a `@shared_task` proxy; an `@app.task`
//! runs inline, never queued).

use crate::checker::{Checker, Handler, Holds};
use crate::diagnostic::{Diagnostic, FileRef};
use crate::rules::Rule;
use celint_analysis::celery_version::VersionSet;
use celint_analysis::handlers::{TaskReceiver, Weak};
use celint_syntax::ir::{Expr, Function, Scope};

pub fn check(ck: &Checker, h: &Handler, out: &mut Vec<Diagnostic>) {
    let c = h.connection;
    if let Some(task) = c.task_receiver {
        out.push(task_receiver(h, task));
        return;
    }
    // What Celery calls: a project decorator's wrapper when there is one.
    let (def, module) = match &h.called {
        Some(called) => match called.def() {
            Some(def) => (def, &called.module),
            None => return,
        },
        None => (h.def, &h.module),
    };
    let file = FileRef {
        display: module.source.display.clone(),
        module: Some(module.clone()),
    };
    if def.is_async {
        if !uses_asyncio_pool(ck) {
            let mut d = Diagnostic::new(
                Rule::DeadReceiver,
                file,
                def.name_span,
                format!(
                    "async receiver `{}` is never awaited: its body never runs",
                    def.name
                ),
            );
            d.notes.push(format!(
                "`{}.send` calls each receiver and drops what it returns: a coroutine nobody \
                 awaits (\"RuntimeWarning: coroutine '{}' was never awaited\")",
                h.signal.name, def.name
            ));
            d.notes.push(
                "make it a plain `def`; run async work with `asyncio.run(...)` inside it"
                    .to_string(),
            );
            out.push(d);
        }
        return;
    }
    // Without `**kwargs`, `connect` itself raises (CEL009); a partial may give the rest.
    if def.params.kwarg.is_none() || c.partial {
        return;
    }
    let versions = ck.pin(&h.module).versions;
    if let Some((param, missing, dead_on)) = missing_parameter(h, def, versions) {
        let holds = ck.holds_on(&h.module, dead_on);
        let message = match missing {
            Missing::Never if holds == Holds::Always => format!(
                "`{}` requires `{param}`, which `{}` never passes: every call raises TypeError",
                def.name, h.signal.name
            ),
            Missing::Never => format!(
                "`{}` requires `{param}`, which `{}` does not pass on Celery {}: calls raise \
                 TypeError",
                def.name,
                h.signal.name,
                dead_on.describe()
            ),
            Missing::PositionOnly => format!(
                "`{}` takes `{param}` by position only, Celery passes keywords: every call raises \
                 TypeError",
                def.name
            ),
            Missing::Sometimes => format!(
                "`{}` requires `{param}`, which some `{}` sends leave out: those calls raise \
                 TypeError",
                def.name, h.signal.name
            ),
        };
        let mut d = Diagnostic::new(Rule::DeadReceiver, file, def.name_span, message);
        if let Holds::Partly { note, .. } = &holds {
            d.notes.push(note.clone());
        }
        let passed: Vec<String> = passed(h, versions)
            .iter()
            .map(|k| format!("`{k}`"))
            .collect();
        d.notes.push(format!(
            "Celery calls receivers with keywords only: `sender`, `signal` and {}",
            if passed.is_empty() {
                "nothing else".to_string()
            } else {
                passed.join(", ")
            }
        ));
        if h.signal.swallows_exceptions() {
            d.notes.push(format!(
                "`{}.send` catches the TypeError and logs it at most (\"Signal handler ... \
                 raised\"): the handler fails silently",
                h.signal.name
            ));
        }
        d.notes.push(format!(
            "give `{param}` a default (`{param}=None`) or take it from `**{}`",
            def.params.kwarg.as_deref().unwrap_or("kwargs")
        ));
        out.push(d);
    }
}

/// The keywords the signal passes on any of `versions` (the project's).
fn passed(h: &Handler, versions: VersionSet) -> Vec<&'static str> {
    let mut out: Vec<&str> = Vec::new();
    for v in versions.iter() {
        for n in h.signal.kwargs_at(v) {
            if !out.contains(&n.as_str()) {
                out.push(n);
            }
        }
    }
    out
}

/// Why Celery's call does not give a parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Missing {
    /// The signal never passes that keyword.
    Never,
    /// Positional-only (before `/`): Celery passes every argument by keyword.
    PositionOnly,
    /// Some sends leave the keyword out (`task_retry`'s cancel path, `reason`).
    Sometimes,
}

/// The first required parameter Celery does not pass, why, and on which of `versions` (the
/// project's Celery versions).
fn missing_parameter<'d>(
    h: &Handler,
    def: &'d Function,
    versions: VersionSet,
) -> Option<(&'d str, Missing, VersionSet)> {
    let params = &def.params;
    // A method is called bound (`obj.method`, `self.method`): its first parameter is the
    // instance. A static method has none.
    let bound = matches!(def.parent, Scope::Class(_)) && !is_staticmethod(def);
    params
        .names
        .iter()
        .enumerate()
        .skip(usize::from(bound))
        .filter(|(i, _)| !params.defaulted.get(*i).copied().unwrap_or(true))
        .find_map(|(i, name)| {
            if i < params.posonly {
                return Some((name.as_str(), Missing::PositionOnly, versions));
            }
            let always = name == "sender" || name == "signal";
            let dead = versions.filter(|v| !h.signal.kwargs_at(v).iter().any(|k| k == name));
            if !always && !dead.is_empty() {
                return Some((name.as_str(), Missing::Never, dead));
            }
            h.signal
                .kwargs_sometimes_missing
                .iter()
                .any(|k| k == name)
                .then_some((name.as_str(), Missing::Sometimes, versions))
        })
}

fn is_staticmethod(def: &Function) -> bool {
    def.decorators
        .iter()
        .any(|d| matches!(d, Expr::Name { id, .. } if id == "staticmethod"))
}

fn task_receiver(h: &Handler, task: TaskReceiver) -> Diagnostic {
    let c = h.connection;
    let name = h.name();
    let (message, why) = if task.shared && c.weak != Weak::False {
        (
            format!("`@shared_task` `{name}` as a receiver: `connect` raises TypeError at import"),
            "a `@shared_task` object is a proxy: \"TypeError: cannot create weak reference to \
             'Proxy' object\", so the module does not import and the worker does not start"
                .to_string(),
        )
    } else {
        (
            format!("task `{name}` as a receiver runs inline in the sending process, not queued"),
            format!(
                "`{}.send` calls the task object as a function: its body runs synchronously \
                 wherever the signal is sent, with the signal's keywords as arguments",
                h.signal.name
            ),
        )
    };
    let mut d = Diagnostic::new(
        Rule::DeadReceiver,
        FileRef {
            display: c.module.source.display.clone(),
            module: Some(c.module.clone()),
        },
        c.site,
        message,
    );
    d.notes.push(why);
    d.notes.push(format!(
        "connect a plain function that queues the task: `{name}.delay(...)` in its body"
    ));
    d
}

/// Does the project run its tasks on celery-pool-asyncio, which awaits coroutine receivers?
fn uses_asyncio_pool(ck: &Checker) -> bool {
    ck.model.workers.iter().any(|w| {
        w.command
            .as_ref()
            .and_then(|c| c.pool.as_deref())
            .is_some_and(|p| p.contains("celery_pool_asyncio"))
    }) || ck
        .analyzer
        .project()
        .modules()
        .iter()
        .any(|m| m.source.text.contains("celery_pool_asyncio"))
}
