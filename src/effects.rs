//! Effect summaries: what calling a project function can do (block for a bounded or unknown
//! time, exit the process, broadcast a shutdown), composed along calls across modules, memoised
//! per function and safe under recursion. Each effect keeps the chain of calls that reaches it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::catalog::blocking::{self, Arg, Bound, Entry, Kind};
use crate::project::{ModuleData, ModuleId, Project};
use crate::resolve::{Ctx, FuncRef, Resolver, Value};
use crate::syntax::ir::{Call, Expr, Scope, SeqKind, Span, Stmt};

/// At most this many effects of one kind are kept per function: enough for every report, and
/// a bound on the work for code that calls the same hazard from thousands of places.
const MAX_EFFECTS: usize = 64;

/// See [`Analyzer::summary`].
const MAX_RECOMPUTATIONS: usize = 200_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loc {
    pub module: ModuleId,
    pub span: Span,
}

/// One call on the way from a handler to an effect.
#[derive(Clone, Debug)]
pub struct Hop {
    /// The call site.
    pub call: Loc,
    /// The function called there.
    pub callee: String,
}

/// An effect, where it happens, and the calls (outermost first) that lead to it.
#[derive(Clone, Debug)]
pub struct Traced<T> {
    pub loc: Loc,
    pub trace: Vec<Hop>,
    pub item: T,
}

#[derive(Clone, Debug)]
pub struct BoundedPart {
    /// `time.sleep(1)` as written.
    pub what: String,
    pub seconds: f64,
    /// How many times the enclosing loops run it.
    pub times: f64,
}

#[derive(Clone, Debug)]
pub struct UnboundedWork {
    pub what: String,
}

#[derive(Clone, Debug)]
pub struct ExitCall {
    /// `sys.exit(1)` as written.
    pub what: String,
    /// Some path reaches it after blocking work.
    pub after_blocking: bool,
    /// The exit is a whole statement (so a fix can replace it).
    pub statement: Option<Span>,
}

#[derive(Clone, Debug)]
pub struct ShutdownCall {
    pub what: String,
    pub has_destination: bool,
    /// Some path reaches it after blocking work (the worker may be ready by then).
    pub after_blocking: bool,
    pub statement: Option<Span>,
}

#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Estimated bounded blocking time of the worst path, in seconds.
    pub seconds: f64,
    /// The bounded blocking calls on that path.
    pub parts: Vec<Traced<BoundedPart>>,
    /// Some path blocks (bounded or not).
    pub blocks: bool,
    pub unbounded: Vec<Traced<UnboundedWork>>,
    pub exits: Vec<Traced<ExitCall>>,
    pub shutdowns: Vec<Traced<ShutdownCall>>,
}

/// A user-added blocking call (`--blocking-call mylib.slow_setup`).
#[derive(Clone, Debug)]
pub struct ExtraBlocking(pub Vec<String>);

pub struct Analyzer<'p> {
    pub resolver: Resolver<'p>,
    memo: RefCell<HashMap<FuncRef, Rc<Summary>>>,
    /// Functions whose summary is being computed, outermost first, each with the lowest stack
    /// index of an unfinished function its computation met (recursion).
    stack: RefCell<Vec<(FuncRef, usize)>>,
    /// Summaries computed so far: past a bound, results inside recursion are memoised even when
    /// incomplete, so that dense cyclic call graphs cannot take exponential time.
    computed: std::cell::Cell<usize>,
    /// Modules with a function whose summary was computed: a handler's calls reach them.
    reached: RefCell<std::collections::HashSet<ModuleId>>,
    extra: Vec<String>,
}

impl<'p> Analyzer<'p> {
    pub fn new(project: &'p Project, extra_blocking: Vec<String>) -> Self {
        Analyzer {
            resolver: Resolver::new(project),
            memo: RefCell::new(HashMap::new()),
            stack: RefCell::new(Vec::new()),
            computed: std::cell::Cell::new(0),
            reached: RefCell::new(std::collections::HashSet::new()),
            extra: extra_blocking,
        }
    }

    /// Did a handler's calls lead into this module?
    pub fn reached(&self, module: ModuleId) -> bool {
        self.reached.borrow().contains(&module)
    }

    pub fn project(&self) -> &'p Project {
        self.resolver.project
    }

    /// The summary of a project function. A function met again while its own summary is being
    /// computed (recursion) contributes nothing the second time round.
    ///
    /// A summary that depends on an unfinished caller (inside a recursion cycle) is incomplete:
    /// it is not memoised, so that a later call from outside the cycle sees the whole of it.
    pub fn summary(&self, f: FuncRef) -> Rc<Summary> {
        if let Some(known) = self.memo.borrow().get(&f) {
            return known.clone();
        }
        let in_progress = self.stack.borrow().iter().position(|(g, _)| *g == f);
        if let Some(index) = in_progress {
            if let Some(top) = self.stack.borrow_mut().last_mut() {
                top.1 = top.1.min(index);
            }
            return Rc::default();
        }
        let depth = self.stack.borrow().len();
        self.reached.borrow_mut().insert(f.module);
        self.stack.borrow_mut().push((f, depth));
        let summary = Rc::new(self.compute(f));
        let (_, low) = self.stack.borrow_mut().pop().unwrap_or((f, depth));
        self.computed.set(self.computed.get() + 1);
        if low < depth {
            // Met an unfinished caller: tell it, and do not memoise (unless the work is
            // already large, where memoising an approximation is the lesser evil).
            if let Some(parent) = self.stack.borrow_mut().last_mut() {
                parent.1 = parent.1.min(low);
            }
            if self.computed.get() < MAX_RECOMPUTATIONS {
                return summary;
            }
        }
        self.memo.borrow_mut().insert(f, summary.clone());
        summary
    }

    fn compute(&self, f: FuncRef) -> Summary {
        let Some(module) = self.project().module(f.module) else {
            return Summary::default();
        };
        let Some(func) = module.parsed.module.function(f.func) else {
            return Summary::default();
        };
        let mut walk = Walk {
            an: self,
            ctx: Ctx {
                module: module.clone(),
                scope: Scope::Function(f.func),
            },
            blocked: false,
            exit_caught: false,
            out: Summary::default(),
        };
        walk.block(&func.body);
        walk.out
    }

    /// The catalogue entry for a callee, including the user's additions.
    fn blocking_entry(&self, callee: &Value, func: &Expr) -> Option<Entry> {
        let path = match callee {
            Value::External(p) => Some(p.clone()),
            _ => None,
        };
        if let Some(p) = &path {
            if let Some(e) = blocking::lookup(p) {
                return Some(*e);
            }
            if self.extra.iter().any(|x| x == p) {
                return Some(custom_entry());
            }
        }
        if *callee == Value::Unknown {
            let written = func.dotted()?;
            if let Some(e) = blocking::lookup_written(&written) {
                return Some(*e);
            }
            if self.extra.contains(&written) {
                return Some(custom_entry());
            }
        }
        None
    }
}

fn custom_entry() -> Entry {
    Entry {
        pattern: "",
        kind: Kind::Custom,
        bound: Bound::Timeout {
            arg: Arg {
                pos: None,
                kw: "timeout",
            },
            default: None,
        },
        nonblocking_when_false: None,
    }
}

/// What one blocking call costs.
enum Cost {
    None,
    Bounded(f64),
    Unbounded(String),
}

struct Walk<'a, 'p> {
    an: &'a Analyzer<'p>,
    ctx: Ctx,
    /// Some path to here has blocked.
    blocked: bool,
    /// Inside a `try` whose handlers catch `SystemExit` (bare `except:`, `BaseException`).
    exit_caught: bool,
    out: Summary,
}

fn mark_after_blocking(s: &mut Summary) {
    for e in &mut s.exits {
        e.item.after_blocking = true;
    }
    for x in &mut s.shutdowns {
        x.item.after_blocking = true;
    }
}

fn push<T>(list: &mut Vec<T>, item: T) {
    if list.len() < MAX_EFFECTS {
        list.push(item);
    }
}

impl<'a, 'p> Walk<'a, 'p> {
    fn fork(&self) -> Walk<'a, 'p> {
        Walk {
            an: self.an,
            ctx: self.ctx.clone(),
            blocked: self.blocked,
            exit_caught: self.exit_caught,
            out: Summary::default(),
        }
    }

    fn module(&self) -> &ModuleData {
        &self.ctx.module
    }

    fn loc(&self, span: Span) -> Loc {
        Loc {
            module: self.ctx.module.id,
            span,
        }
    }

    fn text(&self, span: Span) -> String {
        let text = self.module().source.slice(span);
        // Keep messages to one line.
        let first = text.lines().next().unwrap_or("");
        if first.len() < text.len() {
            format!("{first} ...")
        } else {
            first.to_string()
        }
    }

    /// Appends a sequential piece of work.
    fn append(&mut self, other: Summary, times: f64) {
        self.out.seconds += other.seconds * times;
        for mut p in other.parts {
            p.item.times *= times;
            push(&mut self.out.parts, p);
        }
        self.out.blocks |= other.blocks;
        for u in other.unbounded {
            push(&mut self.out.unbounded, u);
        }
        for e in other.exits {
            push(&mut self.out.exits, e);
        }
        for s in other.shutdowns {
            push(&mut self.out.shutdowns, s);
        }
    }

    /// Alternative paths: the worst one counts for time, all of them for everything else.
    fn branches(&mut self, alternatives: Vec<(Summary, bool)>) {
        let mut worst: Option<Summary> = None;
        let mut blocked = false;
        let mut rest = Summary::default();
        for (s, ends_blocked) in alternatives {
            blocked |= ends_blocked;
            rest.blocks |= s.blocks;
            rest.unbounded.extend(s.unbounded);
            rest.exits.extend(s.exits);
            rest.shutdowns.extend(s.shutdowns);
            let timed = Summary {
                seconds: s.seconds,
                parts: s.parts,
                ..Summary::default()
            };
            if worst.as_ref().is_none_or(|w| timed.seconds > w.seconds) {
                worst = Some(timed);
            }
        }
        if let Some(w) = worst {
            rest.seconds = w.seconds;
            rest.parts = w.parts;
        }
        self.append(rest, 1.0);
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
                    if let Some(what) = self.exit_exception(e) {
                        self.exit(*span, what, Some(*span));
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
                iter, body, orelse, ..
            } => {
                self.expr(iter, None);
                let times = self.loop_count(iter).unwrap_or(1.0);
                self.looped(body, times);
                self.block(orelse);
                false
            }
            Stmt::While {
                test,
                body,
                orelse,
                span,
            } => {
                self.expr(test, None);
                let mut sub = self.fork();
                sub.block(body);
                let mut body_out = sub.out;
                if body_out.blocks {
                    // Blocking in a `while` loop: a retry or polling loop whose duration is
                    // unknown. Reported once, at the loop; its inner calls are not repeated.
                    // A loop without blocking work inside (draining a local structure) is
                    // CPU work that ends: not reported.
                    let what = format!(
                        "`{}` loop that blocks on every iteration",
                        self.text(Span::new(span.start, test.span().end))
                    );
                    // Anchored at the loop's header, `while <test>`.
                    let loc = self.loc(Span::new(span.start, test.span().end));
                    push(
                        &mut self.out.unbounded,
                        Traced {
                            loc,
                            trace: Vec::new(),
                            item: UnboundedWork { what },
                        },
                    );
                    body_out.seconds = 0.0;
                    body_out.parts.clear();
                    body_out.unbounded.clear();
                    mark_after_blocking(&mut body_out);
                    self.blocked = true;
                }
                self.append(body_out, 1.0);
                self.block(orelse);
                false
            }
            Stmt::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                let catches_exit = handlers.iter().any(|h| match &h.type_ {
                    None => true,
                    Some(t) => self.catches_exit(t),
                });
                let mut sub = self.fork();
                sub.exit_caught |= catches_exit;
                let body_ends = sub.block(body);
                let body_blocked = sub.blocked;
                let body_out = sub.out;
                self.append(body_out, 1.0);
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
            Stmt::With { items, body, .. } => {
                for i in items {
                    self.expr(i, None);
                }
                self.block(body)
            }
        }
    }

    fn looped(&mut self, body: &[Stmt], times: f64) {
        let mut sub = self.fork();
        sub.block(body);
        let mut out = sub.out;
        if out.blocks {
            // From the second iteration on, whatever the body does comes after its blocking.
            mark_after_blocking(&mut out);
            self.blocked = true;
        }
        self.append(out, times);
    }

    /// How many times `for _ in <iter>` runs, when it is known.
    fn loop_count(&self, iter: &Expr) -> Option<f64> {
        match iter {
            Expr::Seq { elts, kind, .. } => {
                // A set literal may hold duplicates; a starred element has unknown length.
                if *kind == SeqKind::Set || elts.iter().any(|e| matches!(e, Expr::Starred { .. })) {
                    None
                } else {
                    Some(elts.len() as f64)
                }
            }
            Expr::Call(call) => {
                let callee = self.an.resolver.value(&self.ctx, &call.func);
                if callee.path() != Some("builtins.range") || !call.keywords.is_empty() {
                    return None;
                }
                let nums: Option<Vec<f64>> = call
                    .args
                    .iter()
                    .map(|a| self.an.resolver.value(&self.ctx, a).number())
                    .collect();
                let n = match nums?.as_slice() {
                    [stop] => *stop,
                    [start, stop] => stop - start,
                    [start, stop, step] if *step != 0.0 => ((stop - start) / step).ceil(),
                    _ => return None,
                };
                Some(n.max(0.0))
            }
            Expr::Name { .. } | Expr::Attribute { .. } => {
                match self.an.resolver.value(&self.ctx, iter) {
                    Value::Seq(n) => Some(n as f64),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Evaluates an expression: every call in it, in evaluation order. `statement` is the span
    /// of the whole statement when the expression is one.
    fn expr(&mut self, expr: &Expr, statement: Option<Span>) {
        match expr {
            Expr::Call(call) => {
                // The callee's own sub-expressions first (`Redis().ping()` makes the client
                // before pinging), then the arguments, then the call.
                if let Expr::Attribute { value, .. } = &call.func {
                    self.expr(value, None);
                } else if !matches!(call.func, Expr::Name { .. }) {
                    self.expr(&call.func, None);
                }
                for a in &call.args {
                    self.expr(a, None);
                }
                for k in &call.keywords {
                    self.expr(&k.value, None);
                }
                self.call(call, statement);
            }
            Expr::Attribute { value, .. } => self.expr(value, None),
            Expr::Lambda { .. } => {}
            Expr::BinOp { left, right, .. } => {
                self.expr(left, None);
                self.expr(right, None);
            }
            Expr::Neg { operand, .. } => self.expr(operand, None),
            Expr::Seq { elts, .. } => {
                for e in elts {
                    self.expr(e, None);
                }
            }
            Expr::Dict { items, .. } => {
                for (k, v) in items {
                    if let Some(k) = k {
                        self.expr(k, None);
                    }
                    self.expr(v, None);
                }
            }
            Expr::Subscript { value, index, .. } => {
                self.expr(value, None);
                self.expr(index, None);
            }
            Expr::Starred { value, .. } => self.expr(value, None),
            Expr::Other { children, .. } => {
                for c in children {
                    self.expr(c, None);
                }
            }
            Expr::Name { .. }
            | Expr::Number { .. }
            | Expr::Str { .. }
            | Expr::Bool { .. }
            | Expr::NoneLit { .. } => {}
        }
    }

    fn call(&mut self, call: &Call, statement: Option<Span>) {
        let callee = self.an.resolver.value(&self.ctx, &call.func);
        if let Some(has_destination) = self.shutdown(call, &callee) {
            let what = self.text(call.span);
            let loc = self.loc(call.span);
            push(
                &mut self.out.shutdowns,
                Traced {
                    loc,
                    trace: Vec::new(),
                    item: ShutdownCall {
                        what,
                        has_destination,
                        after_blocking: self.blocked,
                        statement,
                    },
                },
            );
            return;
        }
        if matches!(
            callee.path(),
            Some("builtins.exit" | "builtins.quit" | "sys.exit" | "os._exit")
        ) {
            let what = self.text(call.span);
            self.exit(call.span, what, statement);
            return;
        }
        if let Some(entry) = self.an.blocking_entry(&callee, &call.func) {
            let name = self.text(call.func.span());
            match self.cost(&entry, call) {
                Cost::None => {}
                Cost::Bounded(seconds) => {
                    let loc = self.loc(call.span);
                    let what = self.text(call.span);
                    self.out.seconds += seconds;
                    push(
                        &mut self.out.parts,
                        Traced {
                            loc,
                            trace: Vec::new(),
                            item: BoundedPart {
                                what,
                                seconds,
                                times: 1.0,
                            },
                        },
                    );
                    self.out.blocks = true;
                    self.blocked = true;
                }
                Cost::Unbounded(reason) => {
                    let loc = self.loc(call.span);
                    push(
                        &mut self.out.unbounded,
                        Traced {
                            loc,
                            trace: Vec::new(),
                            item: UnboundedWork {
                                what: format!("{} `{name}` {reason}", entry.kind.describe()),
                            },
                        },
                    );
                    self.out.blocks = true;
                    self.blocked = true;
                }
            }
            return;
        }
        let target = match &callee {
            Value::Func(f) | Value::BoundMethod(f) => Some(*f),
            Value::Partial(inner) => match inner.as_ref() {
                Value::Func(f) | Value::BoundMethod(f) => Some(*f),
                _ => None,
            },
            Value::Class(c) => match self
                .an
                .resolver
                .attribute_of(&Value::Instance(*c), "__init__")
            {
                Value::BoundMethod(f) => Some(f),
                _ => None,
            },
            Value::Instance(c) => match self
                .an
                .resolver
                .attribute_of(&Value::Instance(*c), "__call__")
            {
                Value::BoundMethod(f) => Some(f),
                _ => None,
            },
            _ => None,
        };
        if let Some(f) = target {
            self.call_project(f, call);
        }
    }

    fn call_project(&mut self, f: FuncRef, call: &Call) {
        let summary = self.an.summary(f);
        let callee_name = self
            .an
            .project()
            .module(f.module)
            .and_then(|m| m.parsed.module.function(f.func).map(|d| d.name.clone()))
            .unwrap_or_default();
        let hop = Hop {
            call: self.loc(call.span),
            callee: callee_name,
        };
        let prefixed = |trace: &Vec<Hop>| {
            let mut t = Vec::with_capacity(trace.len() + 1);
            t.push(hop.clone());
            t.extend(trace.iter().cloned());
            t
        };
        self.out.seconds += summary.seconds;
        for p in &summary.parts {
            push(
                &mut self.out.parts,
                Traced {
                    loc: p.loc,
                    trace: prefixed(&p.trace),
                    item: p.item.clone(),
                },
            );
        }
        for u in &summary.unbounded {
            push(
                &mut self.out.unbounded,
                Traced {
                    loc: u.loc,
                    trace: prefixed(&u.trace),
                    item: u.item.clone(),
                },
            );
        }
        if !self.exit_caught {
            for e in &summary.exits {
                let mut item = e.item.clone();
                item.after_blocking |= self.blocked;
                push(
                    &mut self.out.exits,
                    Traced {
                        loc: e.loc,
                        trace: prefixed(&e.trace),
                        item,
                    },
                );
            }
        }
        for s in &summary.shutdowns {
            let mut item = s.item.clone();
            item.after_blocking |= self.blocked;
            push(
                &mut self.out.shutdowns,
                Traced {
                    loc: s.loc,
                    trace: prefixed(&s.trace),
                    item,
                },
            );
        }
        self.out.blocks |= summary.blocks;
        self.blocked |= summary.blocks;
    }

    fn exit(&mut self, span: Span, what: String, statement: Option<Span>) {
        if self.exit_caught {
            return;
        }
        let loc = self.loc(span);
        let after_blocking = self.blocked;
        push(
            &mut self.out.exits,
            Traced {
                loc,
                trace: Vec::new(),
                item: ExitCall {
                    what,
                    after_blocking,
                    statement,
                },
            },
        );
    }

    /// `raise SystemExit(...)`, `raise WorkerShutdown`: the written exception, if it is one
    /// that ends the process.
    fn exit_exception(&self, exc: &Expr) -> Option<String> {
        let class = match exc {
            Expr::Call(call) => &call.func,
            other => other,
        };
        let v = self.an.resolver.value(&self.ctx, class);
        match v.path()? {
            "builtins.SystemExit"
            | "celery.exceptions.WorkerShutdown"
            | "celery.exceptions.WorkerTerminate" => {
                Some(format!("raise {}", self.text(exc.span())))
            }
            _ => None,
        }
    }

    /// Does an `except` clause of this type catch `SystemExit`?
    fn catches_exit(&self, t: &Expr) -> bool {
        let one = |e: &Expr| {
            matches!(
                self.an.resolver.value(&self.ctx, e).path(),
                Some("builtins.SystemExit" | "builtins.BaseException")
            )
        };
        match t {
            Expr::Seq { elts, .. } => elts.iter().any(one),
            other => one(other),
        }
    }

    /// A remote-control shutdown: `<x>.control.shutdown(...)`, `<x>.control.broadcast("shutdown",
    /// ...)`, or either through a name holding `<x>.control`. Returns whether `destination=` is
    /// given.
    fn shutdown(&self, call: &Call, callee: &Value) -> Option<bool> {
        let Expr::Attribute { value, attr, .. } = &call.func else {
            return None;
        };
        let is_shutdown = match attr.as_str() {
            "shutdown" => true,
            "broadcast" => {
                let command = call.args.first().or_else(|| call.keyword("command"));
                command.and_then(Expr::as_str) == Some("shutdown")
            }
            _ => false,
        };
        if !is_shutdown {
            return None;
        }
        let via_control = self.is_control(value, 0)
            || callee.path().is_some_and(|p| {
                p.ends_with(".control.shutdown") || p.ends_with(".control.broadcast")
            });
        if !via_control {
            return None;
        }
        let has_destination = call.keyword("destination").is_some() || call.has_double_star();
        Some(has_destination)
    }

    /// `<x>.control`, or a local name bound once to it.
    fn is_control(&self, expr: &Expr, depth: u32) -> bool {
        match expr {
            Expr::Attribute { attr, .. } => attr == "control",
            Expr::Name { id, .. } if depth < 4 => {
                let Some(table) = self.module().symbols.table(self.ctx.scope) else {
                    return false;
                };
                match table.names.get(id).map(Vec::as_slice) {
                    Some([crate::facts::symbols::Binding::Assign(v)]) => {
                        self.is_control(v, depth + 1)
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    }

    fn arg<'c>(&self, call: &'c Call, arg: Arg) -> Option<&'c Expr> {
        if let Some(v) = call.keyword(arg.kw) {
            return Some(v);
        }
        let pos = arg.pos?;
        if call
            .args
            .iter()
            .take(pos + 1)
            .any(|a| matches!(a, Expr::Starred { .. }))
        {
            return None;
        }
        call.args.get(pos)
    }

    fn number(&self, expr: &Expr) -> Option<f64> {
        match expr {
            // `timeout=(connect, read)`: both phases can take their full time.
            Expr::Seq { elts, .. } if !elts.is_empty() => {
                elts.iter().map(|e| self.number(e)).sum::<Option<f64>>()
            }
            other => self.an.resolver.value(&self.ctx, other).number(),
        }
    }

    fn cost(&self, entry: &Entry, call: &Call) -> Cost {
        if let Some(flag) = entry.nonblocking_when_false {
            if let Some(Expr::Bool { value: false, .. }) = self.arg(call, flag) {
                return Cost::None;
            }
        }
        match entry.bound {
            Bound::Duration(arg) => match self.arg(call, arg).map(|e| self.number(e)) {
                Some(Some(s)) if s > 0.0 => Cost::Bounded(s),
                Some(Some(_)) => Cost::None,
                _ => Cost::Unbounded("with a duration that is not a constant".to_string()),
            },
            Bound::Timeout { arg, default } => match self.arg(call, arg) {
                Some(Expr::NoneLit { .. }) => Cost::Unbounded("with `timeout=None`".to_string()),
                Some(e) => match self.number(e) {
                    Some(s) if s > 0.0 => Cost::Bounded(s),
                    Some(_) => Cost::Bounded(0.0),
                    None => Cost::Unbounded("with a timeout that is not a constant".to_string()),
                },
                None => {
                    if entry.kind == Kind::Database {
                        if let Some(s) = self.dsn_timeout(call) {
                            return Cost::Bounded(s);
                        }
                    }
                    match default {
                        Some(d) => Cost::Bounded(d),
                        None => Cost::Unbounded("without a timeout".to_string()),
                    }
                }
            },
            Bound::Unbounded => Cost::Unbounded("of unknown duration".to_string()),
        }
    }

    /// `connect_timeout=N` inside a libpq DSN string.
    fn dsn_timeout(&self, call: &Call) -> Option<f64> {
        let dsn = call.args.first().or_else(|| call.keyword("dsn"))?;
        let Value::Str(s) = self.an.resolver.value(&self.ctx, dsn) else {
            return None;
        };
        let rest = s.split("connect_timeout=").nth(1)?;
        let digits: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        digits.parse().ok()
    }
}
