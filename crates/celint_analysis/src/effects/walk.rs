//! The path-sensitive walk over one function's body: statements in order, branches as
//! alternatives, loops multiplied, `try` blocks that catch `SystemExit`, and every call
//! resolved to a detector, a catalogue entry or a project function whose summary it adds.

use super::cost::Cost;
use super::summary::{BoundedPart, Effect, Hop, Loc, Summary, Traced, UnboundedWork};
use super::Analyzer;
use celint_project::project::ModuleData;
use celint_project::resolve::{ClassRef, Ctx, FuncRef, Value};
use celint_syntax::ir::{Call, Expr, Span, Stmt};

/// `Thread.join` as the resolver names it.
const THREAD_JOIN: &str = "threading.Thread.join";

pub(super) struct Walk<'a, 'p> {
    pub(super) an: &'a Analyzer<'p>,
    pub(super) ctx: Ctx,
    /// Some path to here has blocked.
    pub(super) blocked: bool,
    /// Inside a `try` whose handlers catch `SystemExit` (bare `except:`, `BaseException`).
    exit_caught: bool,
    /// Loop variables bound to one project function each time round
    /// (`for step in (load, warm): step()`), innermost last.
    loop_funcs: Vec<(String, FuncRef)>,
    /// Walking a decorator's wrapper: calls of the decorator's first parameter call this
    /// decorated function (`(decorator, decorated)`).
    pub(super) wrapped: Option<(FuncRef, FuncRef)>,
    out: Summary,
}

impl<'a, 'p> Walk<'a, 'p> {
    pub(super) fn new(an: &'a Analyzer<'p>, ctx: Ctx) -> Self {
        Walk {
            an,
            ctx,
            blocked: false,
            exit_caught: false,
            loop_funcs: Vec::new(),
            wrapped: None,
            out: Summary::default(),
        }
    }

    /// The summary of a function body.
    pub(super) fn function(mut self, body: &[Stmt]) -> Summary {
        self.block(body);
        self.out
    }

    fn fork(&self) -> Walk<'a, 'p> {
        Walk {
            an: self.an,
            ctx: self.ctx.clone(),
            blocked: self.blocked,
            exit_caught: self.exit_caught,
            loop_funcs: self.loop_funcs.clone(),
            wrapped: self.wrapped,
            out: Summary::default(),
        }
    }

    pub(super) fn module(&self) -> &ModuleData {
        &self.ctx.module
    }

    pub(super) fn value(&self, expr: &Expr) -> Value {
        self.an.resolver.value(&self.ctx, expr)
    }

    fn loc(&self, span: Span) -> Loc {
        Loc {
            module: self.ctx.module.id,
            span,
        }
    }

    /// The source text of a span, on one line (for messages).
    pub(super) fn text(&self, span: Span) -> String {
        let text = self.module().source.slice(span);
        let first = text.lines().next().unwrap_or("");
        if first.len() < text.len() {
            format!("{first} ...")
        } else {
            first.to_string()
        }
    }

    /// Records an effect that happens here. An exit inside a `try` that catches it does not
    /// end the process; blocking work makes whatever follows come after blocking.
    fn record(&mut self, span: Span, item: Effect) {
        match &item {
            Effect::Exit(_) if self.exit_caught => return,
            Effect::Bounded(p) => {
                self.out.seconds += p.seconds;
                self.out.blocks = true;
                self.blocked = true;
            }
            Effect::Unbounded(_) => {
                self.out.blocks = true;
                self.blocked = true;
            }
            Effect::Exit(_) | Effect::Shutdown(_) => {}
        }
        let loc = self.loc(span);
        self.out.push(Traced {
            loc,
            trace: Vec::new(),
            item,
        });
    }

    /// Alternative paths (each with whether it ends having blocked).
    fn branches(&mut self, alternatives: Vec<(Summary, bool)>) {
        let blocked = alternatives.iter().any(|(_, b)| *b);
        let joined = Summary::join(alternatives.into_iter().map(|(s, _)| s).collect());
        self.out.append(joined, 1.0);
        self.blocked = blocked;
    }

    /// Walks a block; returns true when it always ends in `return`, `raise`, `break` or
    /// `continue` (what follows in the enclosing block is then not reached from it).
    fn block(&mut self, stmts: &[Stmt]) -> bool {
        for stmt in stmts {
            if self.stmt(stmt) {
                return true;
            }
        }
        false
    }

    fn sub_block(&self, stmts: &[Stmt]) -> (Summary, bool, bool) {
        let mut sub = self.fork();
        let ends = sub.block(stmts);
        (sub.out, sub.blocked, ends)
    }

    fn stmt(&mut self, stmt: &Stmt) -> bool {
        match stmt {
            Stmt::Def(_) | Stmt::Class(_) | Stmt::Import { .. } | Stmt::ImportFrom { .. } => false,
            Stmt::Global { .. } | Stmt::Pass => false,
            Stmt::Break | Stmt::Continue => true,
            Stmt::Expr(expr) => {
                self.expr(expr, Some(expr.span()));
                false
            }
            Stmt::Assign { targets, value, .. } => {
                self.expr(value, None);
                for t in targets {
                    self.expr(t, None);
                }
                false
            }
            Stmt::AugAssign { target, value } => {
                self.expr(value, None);
                self.expr(target, None);
                false
            }
            Stmt::Return { value } => {
                if let Some(v) = value {
                    self.expr(v, None);
                }
                true
            }
            Stmt::Raise { exc, span } => {
                if let Some(e) = exc {
                    self.expr(e, None);
                    if let Some(exit) = super::celery::raised_exit(self, e, *span) {
                        self.record(*span, exit);
                    }
                }
                true
            }
            Stmt::If { test, body, orelse } => {
                self.expr(test, None);
                let (a, a_blocked, a_ends) = self.sub_block(body);
                let (b, b_blocked, b_ends) = self.sub_block(orelse);
                self.branches(vec![(a, a_blocked), (b, b_blocked)]);
                a_ends && b_ends
            }
            Stmt::Match { subject, cases } => {
                self.expr(subject, None);
                let mut alts: Vec<(Summary, bool)> = cases
                    .iter()
                    .map(|c| {
                        let (s, b, _) = self.sub_block(c);
                        (s, b)
                    })
                    .collect();
                // No case may match.
                alts.push((Summary::default(), self.blocked));
                self.branches(alts);
                false
            }
            Stmt::For {
                target,
                iter,
                body,
                orelse,
                ..
            } => {
                self.expr(iter, None);
                match self.loop_over_functions(target, iter) {
                    Some((name, funcs)) => self.each_function(name, funcs, body),
                    None => {
                        let times = super::cost::loop_count(self, iter).unwrap_or(1.0);
                        self.looped(body, times);
                    }
                }
                self.block(orelse);
                false
            }
            Stmt::While {
                test,
                body,
                orelse,
                span,
            } => {
                self.while_loop(test, body, *span);
                self.block(orelse);
                false
            }
            Stmt::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => self.try_block(body, handlers, orelse, finalbody),
            Stmt::With { items, body, .. } => {
                for i in items {
                    self.expr(i, None);
                }
                self.block(body)
            }
        }
    }

    fn while_loop(&mut self, test: &Expr, body: &[Stmt], span: Span) {
        self.expr(test, None);
        let mut sub = self.fork();
        sub.block(body);
        let mut body_out = sub.out;
        if body_out.blocks {
            // Blocking in a `while` loop: a retry or polling loop whose duration is unknown.
            // Reported once, at the loop's header (`while <test>`); its inner calls are not
            // repeated. A loop without blocking work inside (draining a local structure) is
            // CPU work that ends: not reported.
            let header = Span::new(span.start, test.span().end);
            let what = format!(
                "`{}` loop that blocks on every iteration",
                self.text(header)
            );
            let loc = self.loc(header);
            self.out.push(Traced {
                loc,
                trace: Vec::new(),
                item: Effect::Unbounded(UnboundedWork {
                    what,
                    note: None,
                    bound_by: None,
                    joins: None,
                }),
            });
            body_out.forget_blocking();
            body_out.mark_after_blocking();
            self.blocked = true;
        }
        self.out.append(body_out, 1.0);
    }

    fn try_block(
        &mut self,
        body: &[Stmt],
        handlers: &[celint_syntax::ir::ExceptHandler],
        orelse: &[Stmt],
        finalbody: &[Stmt],
    ) -> bool {
        let catches_exit = handlers.iter().any(|h| match &h.type_ {
            None => true,
            Some(t) => super::celery::catches_exit(self, t),
        });
        let mut sub = self.fork();
        sub.exit_caught |= catches_exit;
        let body_ends = sub.block(body);
        let body_blocked = sub.blocked;
        self.out.append(sub.out, 1.0);
        self.blocked = body_blocked;
        let mut alts: Vec<(Summary, bool)> = Vec::new();
        let mut all_end = !handlers.is_empty();
        for h in handlers {
            let (s, b, ends) = self.sub_block(&h.body);
            all_end &= ends;
            alts.push((s, b));
        }
        let (s, b, else_ends) = self.sub_block(orelse);
        alts.push((s, b));
        self.branches(alts);
        let fin_ends = self.block(finalbody);
        fin_ends || (body_ends && all_end) || (else_ends && all_end)
    }

    /// `for <name> in <project functions written out>`: the functions, in order (at most 16).
    fn loop_over_functions(&self, target: &Expr, iter: &Expr) -> Option<(String, Vec<FuncRef>)> {
        let name = target.as_name()?;
        let values = self.an.resolver.elements(&self.ctx, iter)?;
        if values.is_empty() || values.len() > 16 {
            return None;
        }
        let funcs: Option<Vec<FuncRef>> = values
            .iter()
            .map(|v| match v {
                Value::Func(f) | Value::BoundMethod(f, _) => Some(*f),
                _ => None,
            })
            .collect();
        Some((name.to_string(), funcs?))
    }

    /// The loop body once for each function, with the loop variable calling that one.
    fn each_function(&mut self, name: String, funcs: Vec<FuncRef>, body: &[Stmt]) {
        for f in funcs {
            let mut sub = self.fork();
            sub.loop_funcs.push((name.clone(), f));
            sub.block(body);
            self.blocked |= sub.blocked;
            self.out.append(sub.out, 1.0);
        }
    }

    fn looped(&mut self, body: &[Stmt], times: f64) {
        let mut sub = self.fork();
        sub.block(body);
        let mut out = sub.out;
        if out.blocks {
            // From the second iteration on, whatever the body does comes after its blocking.
            out.mark_after_blocking();
            self.blocked = true;
        }
        self.out.append(out, times);
    }

    /// Evaluates an expression: every call in it, in evaluation order (the callee's own
    /// sub-expressions, so `Redis().ping()` makes the client before pinging, then the
    /// arguments, then the call). `statement` is the span of the whole statement when the
    /// expression is one. A lambda's body runs when it is called, not here.
    fn expr(&mut self, expr: &Expr, statement: Option<Span>) {
        expr.each_child(|child| self.expr(child, None));
        if let Expr::Call(call) = expr {
            self.call(call, statement);
        }
    }

    /// One call: a detector's effect, else a catalogue entry's cost, else the summary of the
    /// project function it calls.
    fn call(&mut self, call: &Call, statement: Option<Span>) {
        let callee = self.value(&call.func);
        for detect in super::celery::DETECTORS {
            if let Some(effect) = detect(self, call, &callee, statement) {
                self.record(call.span, effect);
                return;
            }
        }
        if let Some(entry) = super::cost::blocking_entry(self.an, &callee, &call.func) {
            let effect = match super::cost::cost(self, &entry, call) {
                Cost::None => return,
                Cost::Bounded(seconds) => Effect::Bounded(BoundedPart {
                    what: self.text(call.span),
                    seconds,
                    times: 1.0,
                    joins: self.joined_thread(call, &callee),
                }),
                Cost::Unbounded(reason) => {
                    let name = self.text(call.func.span());
                    Effect::Unbounded(UnboundedWork {
                        what: format!("{} `{name}` {reason}", entry.kind.describe()),
                        note: None,
                        bound_by: bound_by(&entry.bound),
                        joins: self.joined_thread(call, &callee),
                    })
                }
            };
            self.record(call.span, effect);
            return;
        }
        if let Some(note) = self.model_load(call, &callee) {
            let what = format!(
                "model loading `{}` of unknown duration",
                self.text(call.func.span())
            );
            let note = Some(note);
            let work = UnboundedWork {
                what,
                note,
                bound_by: None,
                joins: None,
            };
            self.record(call.span, Effect::Unbounded(work));
            return;
        }
        if let Some((f, this)) = self.project_callee(&callee) {
            self.call_project(f, this, call);
        } else if let Some(f) = self.loop_function(call, &callee) {
            self.call_project(f, None, call);
        } else if let Some(f) = self.wrapped_function(call, &callee) {
            self.call_project(f, None, call);
        }
    }

    /// The global thread a `<thread>.join(...)` call joins (`t.join()`, `self._thread.join()`),
    /// by the identity the fork analysis gives the thread it sees started.
    fn joined_thread(&self, call: &Call, callee: &Value) -> Option<crate::fork::keys::Key> {
        if callee.path() != Some(THREAD_JOIN) {
            return None;
        }
        let Expr::Attribute { value, .. } = &call.func else {
            return None;
        };
        let keys = crate::fork::keys::Keys {
            resolver: &self.an.resolver,
        };
        keys.of(&self.ctx, value)
    }

    /// The model-load heuristic (`catalog::heuristic`) for a call outside the project that no
    /// catalogue entry names: why it counts, from its constant string arguments.
    fn model_load(&self, call: &Call, callee: &Value) -> Option<String> {
        let Value::External(path) = callee else {
            return None;
        };
        let heuristic = &celint_catalog::blocking::catalogue().heuristic;
        if !heuristic.covers(path) {
            return None;
        }
        let values: Vec<Value> = call
            .args
            .iter()
            .chain(call.keywords.iter().map(|k| &k.value))
            .map(|e| self.value(e))
            .collect();
        let strings: Vec<&str> = values
            .iter()
            .filter_map(|v| match v {
                Value::Str(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        heuristic.model_load(path, &strings)
    }

    /// In a decorator's wrapper, a call of the decorator's first parameter: the decorated
    /// function.
    fn wrapped_function(&self, call: &Call, callee: &Value) -> Option<FuncRef> {
        let (decorator, decorated) = self.wrapped?;
        if *callee != Value::Unknown {
            return None;
        }
        let name = call.func.as_name()?;
        let param = self.an.resolver.param_of(&self.ctx, name)?;
        (param == (decorator, 0)).then_some(decorated)
    }

    /// A call of a loop variable bound to a project function (see `loop_funcs`).
    fn loop_function(&self, call: &Call, callee: &Value) -> Option<FuncRef> {
        if *callee != Value::Unknown {
            return None;
        }
        let name = call.func.as_name()?;
        self.loop_funcs
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, f)| *f)
    }

    /// The project function a call runs (a function or method, through `partial`, a class's
    /// `__init__`, an instance's `__call__`), with the class of `self` for a method.
    fn project_callee(&self, callee: &Value) -> Option<(FuncRef, Option<ClassRef>)> {
        let method = |c, name| match self.an.resolver.attribute_of(&Value::Instance(c), name) {
            Value::BoundMethod(f, c) => Some((f, Some(c))),
            _ => None,
        };
        let direct = |v: &Value| match v {
            Value::Func(f) => Some((*f, None)),
            Value::BoundMethod(f, c) => Some((*f, Some(*c))),
            _ => None,
        };
        match callee {
            Value::Partial(inner) => direct(inner),
            Value::Class(c) => method(*c, "__init__"),
            Value::Instance(c) => method(*c, "__call__"),
            other => direct(other),
        }
    }

    fn call_project(&mut self, f: FuncRef, this: Option<ClassRef>, call: &Call) {
        let summary = self.an.summary_as(f, this);
        let hop = Hop {
            call: self.loc(call.span),
            callee: self.an.callee_name(f, call),
        };
        self.out
            .append(summary.called(&hop, self.exit_caught, self.blocked), 1.0);
        self.blocked |= summary.blocks;
    }
}

/// How a call its catalogue entry describes can be bounded, for the advice: its timeout
/// argument, or where its timeout is set; `None` for work that takes no timeout.
fn bound_by(bound: &celint_catalog::blocking::Bound) -> Option<String> {
    match bound {
        celint_catalog::blocking::Bound::Timeout(t) => match (&t.keyword, t.position, &t.set_on) {
            (Some(k), _, _) => Some(format!("`{k}=`")),
            (None, Some(p), _) => Some(format!("a timeout as argument {}", p + 1)),
            (None, None, Some(on)) => Some(format!("a timeout set on {on}")),
            (None, None, None) => None,
        },
        _ => None,
    }
}
