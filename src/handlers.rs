//! Signal connections: every function connected to a Celery signal, in every form the catalogue
//! lists (decorators, `connect` calls anywhere, Django's `@receiver`), with the receiver
//! resolved across modules.

use std::rc::Rc;

use crate::catalog::signals::{self, Signal};
use crate::project::ModuleData;
use crate::resolve::{Ctx, FuncRef, Resolver, Value};
use crate::syntax::ir::{walk_stmts, Call, Expr, FuncIdx, Scope, Span, Stmt, StmtVisitor};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `@sig.connect`
    BareDecorator,
    /// `@sig.connect(...)` or `@receiver(sig, ...)`
    CallDecorator,
    /// `sig.connect(fn, ...)`
    Call,
}

/// How `weak=` is given at the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weak {
    /// Not given: Celery's default, `True`.
    Default,
    /// `weak=<expr>` with this span, not the constant `False`.
    Given(Span),
    False,
}

#[derive(Clone, Debug)]
pub struct Connection {
    pub signal: &'static Signal,
    pub receiver: FuncRef,
    /// The module holding the connection.
    pub module: Rc<ModuleData>,
    /// The decorator or the `connect(...)` call.
    pub site: Span,
    pub form: Form,
    /// The connect call's parenthesised arguments (not for a bare decorator).
    pub args_span: Option<Span>,
    pub weak: Weak,
    /// The receiver is a temporary written right in the call: a lambda or a
    /// `functools.partial(...)`. Nothing else refers to it.
    pub temporary: bool,
    /// For a receiver defined in a function: the name is used elsewhere in that function
    /// (returned, stored), so something may keep it alive.
    pub escapes: bool,
    /// The connection is made in a function that may send the signal itself before it returns
    /// (a test, or a function that goes on to start a worker or run tasks): the local receiver
    /// is alive then.
    pub sent_while_alive: bool,
}

/// Calls that, made after the connection in the same function, may send the signal while the
/// function (and so its local receiver) is still alive.
const RUNS_WORK: &[&str] = &[
    "worker_main",
    "start",
    "start_worker",
    "run",
    "join",
    "wait",
    "delay",
    "apply_async",
    "apply",
    "send",
    "send_task",
    "get",
    "main",
    "execute_from_commandline",
    "serve_forever",
];

/// Module-level names that may stand for a Celery signal under another name, in these modules
/// (`WPI = worker_process_init`, `from celery.signals import worker_ready as ready`, and aliases
/// of those). Found from the bindings' text alone, to a fixpoint, without resolving imports
/// (which would read modules): it may name too much, which only costs a parse.
pub fn signal_aliases(modules: &[Rc<ModuleData>]) -> Vec<String> {
    use crate::facts::symbols::Binding;
    let mut known: std::collections::HashSet<String> = signals::SIGNALS
        .iter()
        .map(|s| s.name.to_string())
        .collect();
    let mut aliases = Vec::new();
    loop {
        let mut added = false;
        for m in modules {
            for (name, bindings) in &m.symbols.module.names {
                if known.contains(name) {
                    continue;
                }
                let stands_for_known = bindings.iter().any(|b| match b {
                    Binding::From { name, .. } => known.contains(name),
                    Binding::Assign(value) => value
                        .dotted()
                        .and_then(|d| d.rsplit('.').next().map(str::to_string))
                        .is_some_and(|last| known.contains(&last)),
                    _ => false,
                });
                if stands_for_known {
                    known.insert(name.clone());
                    aliases.push(name.clone());
                    added = true;
                }
            }
        }
        if !added {
            break;
        }
    }
    aliases.sort();
    aliases
}

pub fn find(resolver: &Resolver, module: &Rc<ModuleData>) -> Vec<Connection> {
    let mut finder = Finder {
        resolver,
        module: module.clone(),
        out: Vec::new(),
    };
    finder.block(&module.parsed.module.body, Scope::Module);
    for (i, f) in module.parsed.module.functions.iter().enumerate() {
        let idx = FuncIdx(i as u32);
        finder.decorators(idx, &f.decorators, f.parent);
        finder.block(&f.body, Scope::Function(idx));
    }
    for (i, c) in module.parsed.module.classes.iter().enumerate() {
        finder.block(&c.body, Scope::Class(crate::syntax::ir::ClassIdx(i as u32)));
    }
    finder.out.sort_by_key(|c| (c.site, c.signal.name));
    finder.out
}

struct Finder<'r, 'p> {
    resolver: &'r Resolver<'p>,
    module: Rc<ModuleData>,
    out: Vec<Connection>,
}

impl Finder<'_, '_> {
    fn ctx(&self, scope: Scope) -> Ctx {
        Ctx {
            module: self.module.clone(),
            scope,
        }
    }

    /// The signal `expr` names, if it is one of Celery's.
    fn signal(&self, expr: &Expr, scope: Scope) -> Option<&'static Signal> {
        let v = self.resolver.value(&self.ctx(scope), expr);
        signals::from_path(v.path()?)
    }

    /// `<signal>.connect` -> the signal.
    fn connect_of(&self, func: &Expr, scope: Scope) -> Option<&'static Signal> {
        match func {
            Expr::Attribute { value, attr, .. } if attr == "connect" => self.signal(value, scope),
            _ => None,
        }
    }

    fn is_django_receiver(&self, func: &Expr, scope: Scope) -> bool {
        matches!(
            self.resolver.value(&self.ctx(scope), func).path(),
            Some("django.dispatch.receiver" | "django.dispatch.dispatcher.receiver")
        )
    }

    fn weak(call: &Call) -> Weak {
        match call.keyword("weak") {
            None => Weak::Default,
            Some(Expr::Bool { value: false, .. }) => Weak::False,
            Some(Expr::Number { value, .. }) if *value == 0.0 => Weak::False,
            Some(other) => Weak::Given(other.span()),
        }
    }

    fn decorators(&mut self, func: FuncIdx, decorators: &[Expr], scope: Scope) {
        let receiver = FuncRef {
            module: self.module.id,
            func,
        };
        for d in decorators {
            match d {
                Expr::Attribute { .. } => {
                    if let Some(signal) = self.connect_of(d, scope) {
                        self.push(
                            signal,
                            receiver,
                            d.span(),
                            Form::BareDecorator,
                            None,
                            Weak::Default,
                            false,
                        );
                    }
                }
                Expr::Call(call) => {
                    if let Some(signal) = self.connect_of(&call.func, scope) {
                        if call.args.is_empty() {
                            self.push(
                                signal,
                                receiver,
                                d.span(),
                                Form::CallDecorator,
                                Some(call.args_span),
                                Self::weak(call),
                                false,
                            );
                        }
                    } else if self.is_django_receiver(&call.func, scope) {
                        let Some(first) = call.args.first().or_else(|| call.keyword("signal"))
                        else {
                            continue;
                        };
                        let sigs: Vec<&'static Signal> = match first {
                            Expr::Seq { elts, .. } => {
                                elts.iter().filter_map(|e| self.signal(e, scope)).collect()
                            }
                            one => self.signal(one, scope).into_iter().collect(),
                        };
                        for signal in sigs {
                            self.push(
                                signal,
                                receiver,
                                d.span(),
                                Form::CallDecorator,
                                Some(call.args_span),
                                Self::weak(call),
                                false,
                            );
                        }
                    }
                }
                _ => {}
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        signal: &'static Signal,
        receiver: FuncRef,
        site: Span,
        form: Form,
        args_span: Option<Span>,
        weak: Weak,
        temporary: bool,
    ) {
        let escapes = self.escapes(receiver, site);
        let sent_while_alive = self.sent_while_alive(site);
        self.out.push(Connection {
            signal,
            receiver,
            module: self.module.clone(),
            site,
            form,
            args_span,
            weak,
            temporary,
            escapes,
            sent_while_alive,
        });
    }

    /// Is the connection at `site` made in a test, or in a function that, after connecting,
    /// calls something that may send the signal?
    fn sent_while_alive(&self, site: Span) -> bool {
        let m = &self.module.parsed.module;
        let Some(enclosing) = m
            .functions
            .iter()
            .filter(|f| !f.is_lambda && f.span.contains(site) && f.name_span.start < site.start)
            .min_by_key(|f| f.span.end - f.span.start)
        else {
            return false;
        };
        if is_test_file(&self.module.source.path) {
            return true;
        }
        // The enclosing functions and classes: a test function or a `Test*` class.
        let mut scope = Some(enclosing.parent);
        let mut names = vec![enclosing.name.as_str()];
        while let Some(s) = scope {
            match s {
                Scope::Function(f) => {
                    let f = m.function(f);
                    names.extend(f.map(|f| f.name.as_str()));
                    scope = f.map(|f| f.parent);
                }
                Scope::Class(c) => {
                    let c = m.class(c);
                    names.extend(c.map(|c| c.name.as_str()));
                    scope = c.map(|c| c.parent);
                }
                Scope::Module => scope = None,
            }
        }
        if names
            .iter()
            .any(|n| n.starts_with("test") || n.starts_with("Test"))
        {
            return true;
        }
        let mut calls = Vec::new();
        call_names_after(m, &enclosing.body, site.end, &mut calls);
        calls.iter().any(|c| RUNS_WORK.contains(&c.as_str()))
    }

    /// Is a function defined inside another function referred to there other than at `site`?
    fn escapes(&self, receiver: FuncRef, site: Span) -> bool {
        if receiver.module != self.module.id {
            return false;
        }
        let m = &self.module.parsed.module;
        let Some(f) = m.function(receiver.func) else {
            return false;
        };
        let Scope::Function(parent) = f.parent else {
            return false;
        };
        let Some(parent_fn) = m.function(parent) else {
            return false;
        };
        let mut uses = 0usize;
        count_names_in_block(m, &parent_fn.body, &f.name, site, &mut uses);
        uses > 0
    }

    /// Every expression of a block and of the blocks nested in it (not nested definitions:
    /// they are blocks of their own scope).
    fn block(&mut self, stmts: &[Stmt], scope: Scope) {
        struct InScope<'f, 'r, 'p> {
            finder: &'f mut Finder<'r, 'p>,
            scope: Scope,
        }
        impl<'a> StmtVisitor<'a> for InScope<'_, '_, '_> {
            fn expr(&mut self, e: &'a Expr) {
                self.finder.expr(e, self.scope);
            }
        }
        let module = self.module.clone();
        walk_stmts(
            stmts,
            &module.parsed.module,
            &mut InScope {
                finder: self,
                scope,
            },
        );
    }

    fn expr(&mut self, expr: &Expr, scope: Scope) {
        match expr {
            Expr::Call(call) => {
                if let Some(signal) = self.connect_of(&call.func, scope) {
                    self.connect_call(signal, call, scope);
                }
                self.expr(&call.func, scope);
                for a in &call.args {
                    self.expr(a, scope);
                }
                for k in &call.keywords {
                    self.expr(&k.value, scope);
                }
            }
            Expr::Attribute { value, .. } => self.expr(value, scope),
            Expr::Other { children, .. } => {
                for c in children {
                    self.expr(c, scope);
                }
            }
            Expr::Seq { elts, .. } => {
                for e in elts {
                    self.expr(e, scope);
                }
            }
            _ => {}
        }
    }

    fn connect_call(&mut self, signal: &'static Signal, call: &Call, scope: Scope) {
        let Some(arg) = call.args.first().or_else(|| call.keyword("receiver")) else {
            return;
        };
        let value = self.resolver.value(&self.ctx(scope), arg);
        let temporary = matches!(arg, Expr::Lambda { .. })
            || (matches!(arg, Expr::Call(_)) && matches!(value, Value::Partial(_)));
        let receiver = match value {
            Value::Func(f) | Value::BoundMethod(f) => f,
            Value::Partial(inner) => match *inner {
                Value::Func(f) | Value::BoundMethod(f) => f,
                _ => return,
            },
            _ => return,
        };
        self.push(
            signal,
            receiver,
            call.span,
            Form::Call,
            Some(call.args_span),
            Self::weak(call),
            temporary,
        );
    }
}

/// Counts uses of `name` in a block (nested definitions included), outside `skip` (the
/// connection itself).
fn count_names_in_block(
    m: &crate::syntax::ir::Module,
    stmts: &[Stmt],
    name: &str,
    skip: Span,
    uses: &mut usize,
) {
    struct Uses<'n> {
        name: &'n str,
        skip: Span,
        uses: usize,
    }
    impl<'a> StmtVisitor<'a> for Uses<'_> {
        fn expr(&mut self, e: &'a Expr) {
            count_names(e, self.name, self.skip, &mut self.uses);
        }
        fn global(&mut self, names: &'a [String]) {
            self.uses += names.iter().filter(|n| *n == self.name).count();
        }
        fn enter_def(&mut self, _: FuncIdx) -> bool {
            true
        }
    }
    let mut v = Uses {
        name,
        skip,
        uses: 0,
    };
    walk_stmts(stmts, m, &mut v);
    *uses += v.uses;
}

fn count_names(expr: &Expr, name: &str, skip: Span, uses: &mut usize) {
    match expr {
        Expr::Name { id, .. } if id == name => *uses += 1,
        Expr::Call(call) => {
            if call.span == skip {
                // The connection itself is not another reference.
                return;
            }
            count_names(&call.func, name, skip, uses);
            for a in &call.args {
                count_names(a, name, skip, uses);
            }
            for k in &call.keywords {
                count_names(&k.value, name, skip, uses);
            }
        }
        Expr::Attribute { value, .. } => count_names(value, name, skip, uses),
        Expr::BinOp { left, right, .. } => {
            count_names(left, name, skip, uses);
            count_names(right, name, skip, uses);
        }
        Expr::Neg { operand, .. } => count_names(operand, name, skip, uses),
        Expr::Seq { elts, .. } => {
            for e in elts {
                count_names(e, name, skip, uses);
            }
        }
        Expr::Dict { items, .. } => {
            for (k, v) in items {
                if let Some(k) = k {
                    count_names(k, name, skip, uses);
                }
                count_names(v, name, skip, uses);
            }
        }
        Expr::Subscript { value, index, .. } => {
            count_names(value, name, skip, uses);
            count_names(index, name, skip, uses);
        }
        Expr::Starred { value, .. } => count_names(value, name, skip, uses),
        Expr::Other { children, .. } => {
            for c in children {
                count_names(c, name, skip, uses);
            }
        }
        _ => {}
    }
}

fn is_test_file(path: &std::path::Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.starts_with("test_") || name.ends_with("_test.py") || name == "conftest.py"
}

/// The names of the functions called (`f()`, `x.f()`) after `pos` in a block.
fn call_names_after(
    m: &crate::syntax::ir::Module,
    stmts: &[Stmt],
    pos: u32,
    out: &mut Vec<String>,
) {
    struct Calls<'o> {
        pos: u32,
        out: &'o mut Vec<String>,
    }
    impl<'a> StmtVisitor<'a> for Calls<'_> {
        fn expr(&mut self, e: &'a Expr) {
            expr_call_names(e, self.pos, self.out);
        }
    }
    walk_stmts(stmts, m, &mut Calls { pos, out });
}

fn expr_call_names(e: &Expr, pos: u32, out: &mut Vec<String>) {
    match e {
        Expr::Call(call) => {
            if call.span.start >= pos {
                match &call.func {
                    Expr::Name { id, .. } => out.push(id.clone()),
                    Expr::Attribute { attr, .. } => out.push(attr.clone()),
                    _ => {}
                }
            }
            expr_call_names(&call.func, pos, out);
            for a in &call.args {
                expr_call_names(a, pos, out);
            }
            for k in &call.keywords {
                expr_call_names(&k.value, pos, out);
            }
        }
        Expr::Attribute { value, .. } => expr_call_names(value, pos, out),
        Expr::Other { children, .. } => {
            for c in children {
                expr_call_names(c, pos, out);
            }
        }
        Expr::Seq { elts, .. } => {
            for c in elts {
                expr_call_names(c, pos, out);
            }
        }
        _ => {}
    }
}
