//! CEL006 swallowed-raise: an exception raised in a signal handler to stop start-up is caught
//! by `Signal.send` (every signal but import_modules) and start-up goes on.

use crate::catalog::signals::Process;
use crate::checker::{Checker, Handler};
use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::resolve::{ClassRef, Ctx, Value};
use crate::rules::Rule;
use crate::syntax::ir::{Expr, Scope, Stmt};
use crate::syntax::visitor::{walk_body, walk_stmt, Visitor};

/// Exceptions that are not `Exception`s: they propagate through `Signal.send`.
const NOT_EXCEPTION: &[&str] = &[
    "builtins.SystemExit",
    "builtins.KeyboardInterrupt",
    "builtins.GeneratorExit",
    "builtins.BaseException",
    "celery.exceptions.WorkerShutdown",
    "celery.exceptions.WorkerTerminate",
];

pub fn check(ck: &Checker, h: &Handler, out: &mut Vec<Diagnostic>) {
    if !h.signal.swallows_exceptions() {
        return;
    }
    // Thread pools never send worker_process_init: its handlers never run.
    if h.signal.is_process_init() && !ck.process_init_applies() {
        return;
    }
    let ctx = Ctx {
        module: h.module.clone(),
        scope: Scope::Function(h.func.func),
        this: None,
    };
    let mut raises = Raises {
        in_try: false,
        out: Vec::new(),
    };
    walk_body(&mut raises, &h.def.body);
    for (exc, span) in raises.out {
        if !is_exception(ck, &ctx, exc) {
            continue;
        }
        let text = h
            .module
            .source
            .slice(span)
            .lines()
            .next()
            .unwrap_or("")
            .to_string();
        let fate = if matches!(h.signal.name, "worker_init" | "celeryd_init") {
            "swallowed by `Signal.send` before logging is set up: it vanishes without a trace and start-up goes on"
        } else {
            "caught and logged by `Signal.send` (\"Signal handler ... raised\"): the worker carries on"
        };
        let message = format!("`{text}` in a `{}` handler is {fate}", h.signal.name);
        let mut d = Diagnostic::new(Rule::SwallowedRaise, ck.file(h.func.module), span, message);
        let advice = match h.signal.process {
            Process::Main if !matches!(h.signal.before_control, crate::catalog::signals::BeforeControl::No) => {
                "To stop the worker, `raise SystemExit(1)` (it is not an `Exception` and propagates)"
            }
            Process::PoolChild if h.signal.is_process_init() => {
                "To stop the worker, `os.kill(os.getppid(), signal.SIGTERM)` (warm shutdown)"
            }
            _ => "Handle the error here: an exception raised by a signal handler never reaches Celery",
        };
        d.fix = Some(Fix {
            applicability: Applicability::DisplayOnly,
            message: advice.to_string(),
            edits: Vec::new(),
        });
        out.push(d);
    }
}

/// `raise X` statements of the handler's own body (nested definitions are not run), outside
/// any `try` that has `except` clauses.
struct Raises<'a> {
    in_try: bool,
    out: Vec<(&'a Expr, crate::syntax::Span)>,
}

impl<'a> Visitor<'a> for Raises<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Raise { exc: Some(e), span } if !self.in_try => self.out.push((e, *span)),
            // Only the `try` clause is guarded by the `except` clauses: the walk is split here.
            Stmt::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } if !handlers.is_empty() => {
                let outer = std::mem::replace(&mut self.in_try, true);
                walk_body(self, body);
                self.in_try = outer;
                for h in handlers {
                    walk_body(self, &h.body);
                }
                walk_body(self, orelse);
                walk_body(self, finalbody);
            }
            _ => walk_stmt(self, stmt),
        }
    }

    /// A raise is a statement; expressions hold none.
    fn visit_expr(&mut self, _: &'a Expr) {}
}

fn is_exception(ck: &Checker, ctx: &Ctx, exc: &Expr) -> bool {
    let class = match exc {
        Expr::Call(call) => &call.func,
        other => other,
    };
    match ck.analyzer.resolver.value(ctx, class) {
        Value::External(p) => !NOT_EXCEPTION.contains(&p.as_str()),
        Value::Class(c) => !class_is_exit(ck, c, 0),
        _ => false,
    }
}

/// Does a project class derive from `SystemExit` and friends?
fn class_is_exit(ck: &Checker, class: ClassRef, depth: u32) -> bool {
    if depth > 16 {
        return false;
    }
    let Some(module) = ck.analyzer.project().module(class.module) else {
        return false;
    };
    let Some(def) = module.parsed.module.class(class.class) else {
        return false;
    };
    let ctx = Ctx {
        module: module.clone(),
        scope: def.parent,
        this: None,
    };
    def.bases
        .iter()
        .any(|b| match ck.analyzer.resolver.value(&ctx, b) {
            Value::External(p) => NOT_EXCEPTION.contains(&p.as_str()),
            Value::Class(c) => class_is_exit(ck, c, depth + 1),
            _ => false,
        })
}
