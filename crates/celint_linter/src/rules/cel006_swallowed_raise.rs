//! CEL006 swallowed-raise: an exception raised in a signal handler to stop start-up is caught
//! by `Signal.send` (every signal but import_modules) and start-up goes on. `Signal.send`
//! catches `Exception` only: a class derived from `BaseException` alone propagates, and a class
//! celint cannot place is not reported (precision first).

use crate::checker::{Checker, Handler, Holds};
use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::rules::Rule;
use celint_catalog::exceptions::{self, Derives};
use celint_catalog::signals::Process;
use celint_project::project::ModuleData;
use celint_project::resolve::{ClassRef, Ctx, Value};
use celint_syntax::ir::{Expr, Scope, Stmt};
use celint_syntax::visitor::{walk_body, walk_stmt, Visitor};

pub fn check(ck: &Checker, h: &Handler, out: &mut Vec<Diagnostic>) {
    // A `setup_logging` receiver's exception is swallowed up to Celery 5.6 and re-raised by
    // 5.7 (start-up aborts): CEL016 reports it, with both outcomes.
    if h.signal.name == "setup_logging" {
        return;
    }
    // Celery 3.x lets every receiver's exception through; `import_modules` re-raises from 4.2.
    let holds = ck.holds_on(&h.module, h.signal.swallowed_on());
    if holds == Holds::Never {
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
        // Precision first: a class not known to be an `Exception` is not reported.
        if raised_class(ck, &ctx, exc) != Derives::Exception {
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
            "it is swallowed before logging is set up: it vanishes without a trace and start-up goes on"
        } else {
            "it is caught and logged (\"Signal handler ... raised\"): the worker carries on"
        };
        let message = format!(
            "`{text}` in `{}` is swallowed by `Signal.send`",
            h.signal.name
        );
        let mut d = Diagnostic::new(Rule::SwallowedRaise, ck.file(h.func.module), span, message);
        d.notes.push(fate.to_string());
        holds.mark(&mut d);
        let advice = match h.signal.process {
            Process::Main if !matches!(h.signal.before_control, celint_catalog::signals::BeforeControl::No) => {
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
    out: Vec<(&'a Expr, celint_syntax::Span)>,
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

/// What the class a `raise` names derives from.
fn raised_class(ck: &Checker, ctx: &Ctx, exc: &Expr) -> Derives {
    let class = match exc {
        Expr::Call(call) => &call.func,
        other => other,
    };
    class_expr(ck, ctx, class, 0)
}

/// What the class an expression names derives from: a builtin or outside class by the
/// catalogue, a project class by its bases.
fn class_expr(ck: &Checker, ctx: &Ctx, class: &Expr, depth: u32) -> Derives {
    match ck.analyzer.resolver.value(ctx, class) {
        Value::External(p) => exceptions::outside(&p),
        Value::Class(c) => project_class(ck, c, depth),
        // The resolver knows the builtins the rules need; any other builtin class is a name
        // bound nowhere in the module (`UnicodeTranslateError`, `BaseExceptionGroup`, `object`).
        Value::Unknown => match class {
            Expr::Name { id, .. } if unbound(&ctx.module, ctx.scope, id) => {
                if exceptions::is_builtin_class(id) {
                    exceptions::outside(&format!("builtins.{id}"))
                } else if id == "object" {
                    Derives::NotException
                } else {
                    Derives::Unknown
                }
            }
            _ => Derives::Unknown,
        },
        _ => Derives::Unknown,
    }
}

/// Does `name` have no binding from `scope` outwards, nor a `from m import *` that could bind
/// it?
fn unbound(module: &ModuleData, scope: Scope, name: &str) -> bool {
    if !module.symbols.module.star_imports.is_empty() {
        return false;
    }
    let mut at = Some(scope);
    while let Some(s) = at {
        if module
            .symbols
            .table(s)
            .is_some_and(|t| t.names.contains_key(name))
        {
            return false;
        }
        at = celint_project::resolve::parent_scope(module, s);
    }
    true
}

/// A project class is an `Exception` when one of its bases is (as `issubclass` says); it is
/// not when every base is known not to be (no bases: a plain class); otherwise not known.
fn project_class(ck: &Checker, class: ClassRef, depth: u32) -> Derives {
    if depth > 16 {
        return Derives::Unknown;
    }
    let Some(module) = ck.analyzer.project().module(class.module) else {
        return Derives::Unknown;
    };
    let Some(def) = module.parsed.module.class(class.class) else {
        return Derives::Unknown;
    };
    let ctx = Ctx {
        module: module.clone(),
        scope: def.parent,
        this: None,
    };
    let mut result = Derives::NotException;
    for base in &def.bases {
        match class_expr(ck, &ctx, base, depth + 1) {
            Derives::Exception => return Derives::Exception,
            Derives::Unknown => result = Derives::Unknown,
            Derives::NotException => {}
        }
    }
    result
}
