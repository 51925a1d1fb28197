//! CEL016 logging-takeover: a `setup_logging` receiver, whatever it does, makes Celery skip its
//! own logging set-up (`app/log.py`: `if not receivers:`): the handlers, `-l`/`--logfile`, and
//! the `after_setup_logger`/`after_setup_task_logger` signals, which are then never sent.
//!
//! Three forms: a dead `after_setup_*` connection (error); a `setup_logging` receiver that can
//! raise (warning: on Celery up to 5.6 the worker runs with no logs at all, on 5.7 start-up
//! aborts); a receiver that ignores `loglevel`/`logfile` where a command line gives them
//! (warning).

use std::collections::HashSet;
use std::sync::Arc;

use crate::checker::{Checker, Handler};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::arguments::Argument;
use crate::rules::Rule;
use celint_analysis::effects::{Hop, Loc};
use celint_analysis::handlers::sender::Given;
use celint_analysis::handlers::Connection;
use celint_catalog::signals::Kind;
use celint_catalog::versions::Fact;
use celint_project::project::ModuleData;
use celint_project::resolve::{Ctx, FuncRef, Value};
use celint_syntax::ir::{Call, Expr, Module, Scope, Span, Stmt};
use celint_syntax::visitor::{walk_body, walk_expr, walk_stmt, Visitor};

/// The signals Celery sends only from its own logging set-up.
const AFTER_SETUP: &[&str] = &["after_setup_logger", "after_setup_task_logger"];

/// Calls that read a file when the worker starts: a missing or malformed file raises. (A
/// `dictConfig` of settings the program already applies, Django's `LOGGING`, is not one: it
/// would have failed before.)
const READS_FILE: &[&str] = &[
    "logging.config.fileConfig",
    "open",
    "builtins.open",
    "io.open",
    "json.load",
    "yaml.load",
    "yaml.safe_load",
    "yaml.full_load",
    "tomllib.load",
    "toml.load",
];

/// How deep the search for a raising call follows project functions.
const MAX_DEPTH: usize = 4;

pub fn check(ck: &Checker, h: &Handler, out: &mut Vec<Diagnostic>) {
    let c = h.connection;
    if c.signal.kind != Kind::Celery {
        return;
    }
    if AFTER_SETUP.contains(&c.signal.name) {
        if let Some(taker) = takeover_for(ck, c) {
            out.push(dead_connection(ck, h, taker));
        }
        return;
    }
    if c.signal.name != "setup_logging" || c.task_receiver.is_some() {
        return;
    }
    if let Some(d) = may_raise(ck, h) {
        out.push(d);
    }
    if let Some(d) = ignores_options(ck, h) {
        out.push(d);
    }
}

/// A `setup_logging` receiver in place whenever `c`'s module is imported: connected at module
/// level in the same module, or in a module every worker of that project imports at start-up.
fn takeover_for<'c>(ck: &'c Checker, c: &Connection) -> Option<&'c Connection> {
    let started: HashSet<_> = ck
        .model
        .imported
        .iter()
        .filter(|i| !i.assumed)
        .map(|i| i.module.id)
        .chain(
            ck.model
                .workers
                .iter()
                .flat_map(|w| w.entry_imports.iter().copied()),
        )
        .collect();
    ck.connections.iter().find(|s| {
        s.signal.name == "setup_logging"
            && s.signal.kind == Kind::Celery
            && s.enclosing.is_none()
            && s.task_receiver.is_none()
            // `setup_logging` is sent with `sender=None`: a filter never matches (CEL012).
            && s.sender.as_ref().is_none_or(|a| a.given == Given::None)
            && s.module.root == c.module.root
            && (s.module.id == c.module.id || started.contains(&s.module.id))
            && unconditional(&s.module.parsed.module, s.site)
    })
}

/// Is `site` in a statement that runs whenever its module is imported (not under an `if` or a
/// loop: `if settings.OWN_LOGGING: setup_logging.connect(...)` takes over only sometimes)?
fn unconditional(module: &Module, site: Span) -> bool {
    fn within(module: &Module, body: &[Stmt], site: Span) -> bool {
        let holds = |span: Span| span.start <= site.start && site.end <= span.end;
        body.iter().any(|stmt| match stmt {
            Stmt::Def(idx) => module.function(*idx).is_some_and(|f| holds(f.span)),
            Stmt::Class(idx) => module.class(*idx).is_some_and(|c| holds(c.span)),
            Stmt::Expr(e) => holds(e.span()),
            Stmt::Assign { value, .. } => holds(value.span()),
            Stmt::Try {
                body, finalbody, ..
            } => within(module, body, site) || within(module, finalbody, site),
            Stmt::With { body, .. } => within(module, body, site),
            _ => false,
        })
    }
    within(module, &module.body, site)
}

fn dead_connection(ck: &Checker, h: &Handler, taker: &Connection) -> Diagnostic {
    let c = h.connection;
    let message = format!(
        "`{}` is never sent: a `setup_logging` receiver replaces Celery's logging set-up",
        c.signal.name
    );
    let mut d = Diagnostic::new(Rule::LoggingTakeover, ck.file(c.module.id), c.site, message);
    let taker_name = ck
        .analyzer
        .project()
        .module(taker.receiver.module)
        .and_then(|m| {
            m.parsed
                .module
                .function(taker.receiver.func)
                .map(|f| f.name.clone())
        })
        .unwrap_or_default();
    let at = ck.location(Loc {
        module: taker.module.id,
        span: taker.site,
    });
    d.notes.push(format!(
        "`setup_logging` receiver `{taker_name}` ({at}): Celery configures logging, and sends \
         `after_setup_logger` and `after_setup_task_logger`, only when `setup_logging` has no \
         receiver"
    ));
    d.notes.push(format!(
        "`{}` never runs: do its work in the `setup_logging` receiver, or drop that receiver \
         (`worker_hijack_root_logger = False` keeps your root handlers)",
        h.name()
    ));
    d.related.push(ck.place(Loc {
        module: taker.module.id,
        span: taker.site,
    }));
    d
}

/// A call that raises on a bad configuration, or a `raise`, outside any `try`, reached from
/// the receiver.
fn may_raise(ck: &Checker, h: &Handler) -> Option<Diagnostic> {
    let mut search = Search {
        ck,
        seen: HashSet::new(),
    };
    let (loc, hops, what) = search.function(h.func, 0)?;
    // What follows depends on the version: swallowed from 4.0 to 5.6, raised through on 5.7
    // (and on 3.x, whose `Signal.send` catches nothing).
    let pin = ck.pin(&h.module);
    let stops = Fact::SetupLoggingRaisesThrough.on(pin);
    let silent = pin.versions.minus(stops);
    let outcome = match (silent.is_empty(), stops.is_empty()) {
        (false, false) => format!(
            "no worker logs (Celery {}) or no start ({})",
            silent.describe(),
            stops.describe()
        ),
        (true, _) => format!("the worker does not start (Celery {})", stops.describe()),
        (false, true) => format!(
            "the worker runs without logs (Celery {})",
            silent.describe()
        ),
    };
    let message = format!("`setup_logging` receiver can raise (`{what}`): {outcome}");
    let mut d = ck.at(Rule::LoggingTakeover, h, loc, &hops, message);
    d.severity = Some(Severity::Warning);
    if !silent.is_empty() {
        d.notes.push(format!(
            "Celery {} swallows the exception: the worker runs with no logging at all (no \
             \"ready.\", no task errors) and prints nothing about it",
            silent.describe()
        ));
    }
    if !stops.is_empty() {
        d.notes.push(format!(
            "Celery {} lets it through: the worker does not start",
            stops.describe()
        ));
    }
    d.notes
        .push(format!("the project's Celery version: {}", pin.describe()));
    d.notes.push(
        "catch the exception and fall back to a basic configuration (`logging.basicConfig`), \
         printing the error to stderr"
            .to_string(),
    );
    Some(d)
}

struct Search<'c> {
    ck: &'c Checker<'c, 'c>,
    seen: HashSet<FuncRef>,
}

impl Search<'_> {
    /// The first raising call or `raise` in `f`, with the calls leading to it.
    fn function(&mut self, f: FuncRef, depth: usize) -> Option<(Loc, Vec<Hop>, String)> {
        if depth > MAX_DEPTH || !self.seen.insert(f) {
            return None;
        }
        let module = self.ck.analyzer.project().module(f.module)?;
        let def = module.parsed.module.function(f.func)?;
        let mut found = Found {
            calls: Vec::new(),
            raises: Vec::new(),
            in_try: 0,
        };
        walk_body(&mut found, &def.body);
        if let Some(span) = found.raises.first() {
            let loc = Loc {
                module: f.module,
                span: *span,
            };
            return Some((loc, Vec::new(), "raise".to_string()));
        }
        let ctx = Ctx::new(module.clone(), Scope::Function(f.func));
        for call in found.calls {
            if let Some(hit) = self.call(&module, &ctx, call, depth) {
                return Some(hit);
            }
        }
        None
    }

    fn call(
        &mut self,
        module: &Arc<ModuleData>,
        ctx: &Ctx,
        call: &Call,
        depth: usize,
    ) -> Option<(Loc, Vec<Hop>, String)> {
        let loc = Loc {
            module: module.id,
            span: call.span,
        };
        match self.ck.analyzer.resolver.value(ctx, &call.func) {
            Value::External(p) if READS_FILE.contains(&p.as_str()) => {
                let name = p.rsplit('.').next().unwrap_or(&p).to_string();
                Some((loc, Vec::new(), format!("{name}(...)")))
            }
            // A handler that writes to a file: its directory may be missing where the worker
            // runs.
            Value::External(p)
                if p == "logging.config.dictConfig"
                    && call.args.first().is_some_and(names_a_file) =>
            {
                Some((loc, Vec::new(), "dictConfig(...)".to_string()))
            }
            Value::Func(g) | Value::BoundMethod(g, _) => {
                let (at, mut hops, what) = self.function(g, depth + 1)?;
                let callee = module_function_name(self.ck, g);
                hops.insert(0, Hop { call: loc, callee });
                Some((at, hops, what))
            }
            _ => None,
        }
    }
}

/// A literal logging configuration with a `filename` anywhere in it (a file handler).
fn names_a_file(e: &Expr) -> bool {
    match e {
        Expr::Dict { items, .. } => items.iter().any(|(k, v)| {
            matches!(k, Some(Expr::Str { value, .. }) if value == "filename") || names_a_file(v)
        }),
        _ => false,
    }
}

fn module_function_name(ck: &Checker, f: FuncRef) -> String {
    ck.analyzer
        .project()
        .module(f.module)
        .and_then(|m| m.parsed.module.function(f.func).map(|d| d.name.clone()))
        .unwrap_or_default()
}

/// The calls and `raise`s of one body that no `try` surrounds.
struct Found<'a> {
    calls: Vec<&'a Call>,
    raises: Vec<Span>,
    in_try: usize,
}

impl<'a> Visitor<'a> for Found<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } if !handlers.is_empty() => {
                self.in_try += 1;
                walk_body(self, body);
                self.in_try -= 1;
                for h in handlers {
                    walk_body(self, &h.body);
                }
                walk_body(self, orelse);
                walk_body(self, finalbody);
            }
            Stmt::Raise { span, .. } if self.in_try == 0 => {
                self.raises.push(*span);
                walk_stmt(self, stmt);
            }
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, e: &'a Expr) {
        if let Expr::Call(call) = e {
            if self.in_try == 0 {
                self.calls.push(call);
            }
        }
        walk_expr(self, e);
    }
}

/// The receiver never reads `loglevel` or `logfile` while a command line of its project gives
/// `-l`/`--loglevel`/`-f`/`--logfile`.
fn ignores_options(ck: &Checker, h: &Handler) -> Option<Diagnostic> {
    let project = ck.analyzer.project();
    let command = ck
        .model
        .workers
        .iter()
        .filter(|w| {
            w.entry
                .iter()
                .filter_map(|id| project.module(*id))
                .any(|e| e.root == h.module.root)
        })
        .filter_map(|w| w.command.as_ref())
        .find(|c| log_option(&c.form).is_some())?;
    let def = h.def;
    if ["loglevel", "logfile"]
        .iter()
        .any(|k| Argument::of(def, k).is_some_and(|a| reads(def, &a)))
    {
        return None;
    }
    let option = log_option(&command.form)?;
    let message = format!(
        "`setup_logging` receiver `{}` ignores the command line's `{option}`: Celery no longer \
         applies it",
        def.name
    );
    let mut d = Diagnostic::new(
        Rule::LoggingTakeover,
        ck.file(h.func.module),
        def.name_span,
        message,
    );
    d.severity = Some(Severity::Warning);
    d.notes.push(format!(
        "`{}` ({}:{}): Celery applies `-l`/`--logfile` in the set-up a `setup_logging` receiver \
         replaces; the receiver is passed them as `loglevel` and `logfile`",
        command.form,
        celint_syntax::source::display_path(&command.file),
        command.line
    ));
    d.notes.push(
        "read `loglevel`/`logfile` in the receiver, or drop the options from the command line"
            .to_string(),
    );
    Some(d)
}

/// The logging option a command line gives, as written (without the quotes around it in an
/// exec-form list).
fn log_option(form: &str) -> Option<&str> {
    form.split_whitespace()
        .map(|t| t.trim_matches(|c| matches!(c, '"' | '\'' | ',' | '[' | ']')))
        // Celery's own options: after its subcommand, up to the end of that command.
        .skip_while(|t| !matches!(*t, "worker" | "beat" | "multi"))
        .take_while(|t| !matches!(*t, "&&" | "||" | ";" | "|" | "&"))
        .find(|t| {
            *t == "-l"
                || *t == "-f"
                || t.starts_with("--loglevel")
                || t.starts_with("--logfile")
                || t.starts_with("--log-level")
                || (t.starts_with("-l") && t.len() > 2 && !t.starts_with("--"))
        })
}

/// Does `def`'s body read the argument?
fn reads<'a>(def: &'a celint_syntax::ir::Function, arg: &Argument<'a>) -> bool {
    struct Reads<'a, 'b> {
        arg: &'b Argument<'a>,
        kwarg: Option<&'a str>,
        found: bool,
    }
    impl<'a> Visitor<'a> for Reads<'a, '_> {
        fn visit_expr(&mut self, e: &'a Expr) {
            // `**kwargs` handed on whole may be read elsewhere.
            let whole = matches!(e, Expr::Name { id, .. } if Some(id.as_str()) == self.kwarg);
            if whole || self.arg.is(e) {
                self.found = true;
            }
            walk_expr(self, e);
        }
    }
    let mut r = Reads {
        arg,
        kwarg: def.params.kwarg.as_deref(),
        found: false,
    };
    walk_body(&mut r, &def.body);
    r.found
}

#[cfg(test)]
mod tests {
    use super::log_option;

    #[test]
    fn logging_options_of_a_command_line() {
        assert_eq!(
            log_option("worker: celery -A proj worker -l info -c 2"),
            Some("-l")
        );
        assert_eq!(
            log_option(r#"["celery", "-A", "proj", "worker", "--loglevel=info"]"#),
            Some("--loglevel=info")
        );
        assert_eq!(log_option("celery -A proj beat -linfo"), Some("-linfo"));
        assert_eq!(
            log_option("celery multi start w1 -A proj --logfile=/var/log/%n.log"),
            Some("--logfile=/var/log/%n.log")
        );
        // Another program's options, before Celery's subcommand or after its command.
        assert_eq!(
            log_option("celery -A proj worker && tail -f worker.log"),
            None
        );
        assert_eq!(log_option("bash -l -c celery -A proj worker"), None);
        assert_eq!(log_option("celery -A proj worker -Q fast"), None);
    }
}
