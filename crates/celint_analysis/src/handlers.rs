//! Signal connections: every function connected to a Celery signal, in every form the catalogue
//! lists (decorators, `connect` calls anywhere, Django's `@receiver`), with the receiver
//! resolved across modules.

mod aliases;
pub mod instances;
pub mod sender;

use std::sync::Arc;

pub use aliases::signal_aliases;
use celint_catalog::signals::{self, Signal};
use celint_project::project::ModuleData;
use celint_project::resolve::{ClassRef, Ctx, FuncRef, Resolver, Value};
use celint_syntax::ir::{Call, Expr, FuncIdx, Module, Scope, Span, Stmt};
use celint_syntax::visitor::{walk_body, walk_expr, walk_function, walk_stmt, Visitor};
use sender::SenderArg;

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

/// What Celery calls for a decorated receiver: the function a project decorator returned
/// (`wrapper` in `def deco(func): def wrapper(**kw): ...; return wrapper`), which calls the
/// decorated function through the decorator's first parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wrapper {
    pub func: FuncRef,
    pub decorator: FuncRef,
}

#[derive(Clone, Debug)]
pub struct Connection {
    pub signal: &'static Signal,
    /// The function written as the receiver (the decorated `def` for decorators).
    pub receiver: FuncRef,
    /// When a project decorator below the connecting one replaced the receiver: what Celery
    /// really calls. Any other decorator below it is not followed (the receiver is analysed
    /// as written).
    pub wrapper: Option<Wrapper>,
    /// The module holding the connection.
    pub module: Arc<ModuleData>,
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
    /// A method connected bound to an instance (`plugin.on_init`, `self.on_init`): the class
    /// of that instance, which decides what `self.other()` in the handler runs.
    pub this: Option<ClassRef>,
    /// The receiver is bound to `self` in a method of this class (`self.on_init` in
    /// `Base.__init__`): the instance is of whichever subclass the project makes
    /// ([`instances::expand`]).
    pub self_class: Option<ClassRef>,
    /// `sender=` as given, if it is.
    pub sender: Option<SenderArg>,
    /// What `connect` really receives when it is a Celery task object, not the function:
    /// `sig.connect(task)`, or `@sig.connect` written above a task decorator.
    pub task_receiver: Option<TaskReceiver>,
    /// The function the connection is made in (for a decorator, the function the decorated
    /// `def` is in); `None` at module or class level.
    pub enclosing: Option<FuncRef>,
    /// The receiver is a `functools.partial(...)`: some of its parameters are given already.
    pub partial: bool,
}

/// A Celery task object given to `connect` as the receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskReceiver {
    /// `@shared_task` (a `Proxy`: `connect` cannot take a weak reference to it) rather than
    /// `@app.task` (a `PromiseProxy`).
    pub shared: bool,
    /// The task decorator's place.
    pub decorator: Option<Span>,
}

/// What a connection gives besides its receiver.
#[derive(Default)]
struct Extra {
    sender: Option<SenderArg>,
    task_receiver: Option<TaskReceiver>,
    partial: bool,
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

pub fn find(resolver: &Resolver, module: &Arc<ModuleData>) -> Vec<Connection> {
    let mut finder = Finder {
        resolver,
        module: module.clone(),
        out: Vec::new(),
    };
    for (scope, body) in module.parsed.module.scopes() {
        walk_body(
            &mut InScope {
                finder: &mut finder,
                scope,
                loops: Vec::new(),
            },
            body,
        );
    }
    finder.out.sort_by_key(|c| (c.site, c.signal.name));
    finder.out
}

struct Finder<'r, 'p> {
    resolver: &'r Resolver<'p>,
    module: Arc<ModuleData>,
    out: Vec<Connection>,
}

impl Finder<'_, '_> {
    fn ctx(&self, scope: Scope) -> Ctx {
        Ctx {
            module: self.module.clone(),
            scope,
            this: None,
        }
    }

    /// The signal `expr` names, if it is one of Celery's.
    fn signal(&self, expr: &Expr, scope: Scope) -> Option<&'static Signal> {
        let v = self.resolver.value(&self.ctx(scope), expr);
        signals::from_path(v.path()?)
    }

    /// `<signal>.connect` -> the signal: one of `celery.signals`, or one of the app's own
    /// (`app.on_after_configure.connect`).
    fn connect_of(&self, func: &Expr, scope: Scope) -> Option<&'static Signal> {
        let Expr::Attribute { value, attr, .. } = func else {
            return None;
        };
        if attr != "connect" {
            return None;
        }
        if let Expr::Attribute {
            value: app,
            attr: name,
            ..
        } = value.as_ref()
        {
            if let Some(signal) = signals::app_signal(name) {
                let v = self.resolver.value(&self.ctx(scope), app);
                return self.resolver.is_app(&v).then_some(signal);
            }
        }
        self.signal(value, scope)
    }

    /// The task decorator written below `site` on `receiver`'s `def`: what `connect` receives
    /// is then the task object.
    fn task_below(&self, receiver: FuncRef, site: Span) -> Option<TaskReceiver> {
        let def = self.module.parsed.module.function(receiver.func)?;
        let ctx = self.ctx(def.parent);
        def.decorators
            .iter()
            .skip_while(|d| d.span() != site)
            .skip(1)
            .find_map(|d| {
                let shared = self.resolver.task_decorator_written(&ctx, d)?;
                Some(TaskReceiver {
                    shared,
                    decorator: Some(d.span()),
                })
            })
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

    /// The decorators of `func`, evaluated in `scope` before `func`'s name is bound.
    fn decorators(&mut self, func: FuncIdx, scope: Scope) {
        let receiver = FuncRef {
            module: self.module.id,
            func,
        };
        let resolver = self.resolver;
        resolver.before_def(receiver, || self.decorators_of(receiver, scope));
    }

    fn decorators_of(&mut self, receiver: FuncRef, scope: Scope) {
        let func = receiver.func;
        let module = self.module.clone();
        let Some(def) = module.parsed.module.function(func) else {
            return;
        };
        for d in &def.decorators {
            match d {
                Expr::Attribute { .. } => {
                    if let Some(signal) = self.connect_of(d, scope) {
                        let extra = Extra {
                            task_receiver: self.task_below(receiver, d.span()),
                            ..Extra::default()
                        };
                        self.push(
                            signal,
                            receiver,
                            (d.span(), scope),
                            Form::BareDecorator,
                            None,
                            Weak::Default,
                            extra,
                        );
                    }
                }
                Expr::Call(call) => {
                    if let Some(signal) = self.connect_of(&call.func, scope) {
                        if call.args.is_empty() {
                            let extra = self.decorator_extra(call, receiver, d.span(), scope);
                            self.push(
                                signal,
                                receiver,
                                (d.span(), scope),
                                Form::CallDecorator,
                                Some(call.args_span),
                                Self::weak(call),
                                extra,
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
                            let extra = self.decorator_extra(call, receiver, d.span(), scope);
                            self.push(
                                signal,
                                receiver,
                                (d.span(), scope),
                                Form::CallDecorator,
                                Some(call.args_span),
                                Self::weak(call),
                                extra,
                            );
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// `sender=` and the task below a called connecting decorator.
    fn decorator_extra(&self, call: &Call, receiver: FuncRef, site: Span, scope: Scope) -> Extra {
        Extra {
            sender: sender::of_call(self.resolver, &self.ctx(scope), call, None),
            task_receiver: self.task_below(receiver, site),
            partial: false,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        signal: &'static Signal,
        receiver: FuncRef,
        (site, scope): (Span, Scope),
        form: Form,
        args_span: Option<Span>,
        weak: Weak,
        extra: Extra,
    ) {
        let temporary = false;
        let escapes = self.escapes(receiver, site);
        let sent_while_alive = self.sent_while_alive(site);
        let wrapper = match form {
            Form::Call => None,
            Form::BareDecorator | Form::CallDecorator => self.wrapper(receiver, site),
        };
        self.out.push(Connection {
            signal,
            receiver,
            wrapper,
            module: self.module.clone(),
            site,
            form,
            args_span,
            weak,
            temporary,
            escapes,
            sent_while_alive,
            this: None,
            self_class: None,
            sender: extra.sender,
            task_receiver: extra.task_receiver,
            enclosing: match scope {
                Scope::Function(func) => Some(FuncRef {
                    module: self.module.id,
                    func,
                }),
                _ => None,
            },
            partial: extra.partial,
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
        call_names_after(&enclosing.body, site.end)
            .iter()
            .any(|c| RUNS_WORK.contains(&c.as_str()))
    }

    /// The wrapper a project decorator written below the connecting decorator at `site` puts
    /// in place of `receiver`: one such decorator, a project function whose every `return` is
    /// the same nested function.
    fn wrapper(&self, receiver: FuncRef, site: Span) -> Option<Wrapper> {
        let def = self.module.parsed.module.function(receiver.func)?;
        let below: Vec<&Expr> = def
            .decorators
            .iter()
            .skip_while(|d| d.span() != site)
            .skip(1)
            .collect();
        let [decorator] = below.as_slice() else {
            return None;
        };
        let ctx = self.ctx(def.parent);
        let Value::Func(decorator) = self.resolver.value(&ctx, decorator) else {
            return None;
        };
        let returned = self
            .resolver
            .returned_by(decorator)
            .filter(|w| w.module == decorator.module)?;
        let inner = self.resolver.project.module(returned.module)?;
        let nested = inner.parsed.module.function(returned.func)?;
        (nested.parent == Scope::Function(decorator.func)).then_some(Wrapper {
            func: returned,
            decorator,
        })
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
        count_names_in_block(m, &parent_fn.body, &f.name, site) > 0
    }

    fn connect_call(&mut self, signal: &'static Signal, call: &Call, scope: Scope) {
        let Some(arg) = call.args.first().or_else(|| call.keyword("receiver")) else {
            return;
        };
        let value = self.resolver.value(&self.ctx(scope), arg);
        let temporary = matches!(arg, Expr::Lambda { .. })
            || (matches!(arg, Expr::Call(_)) && matches!(value, Value::Partial(_)));
        let partial = matches!(value, Value::Partial(_));
        let is_func = matches!(value, Value::Func(_));
        let (receiver, this) = match value {
            Value::Func(f) => (f, None),
            Value::BoundMethod(f, c) => (f, Some(c)),
            Value::Partial(inner) => match *inner {
                Value::Func(f) => (f, None),
                Value::BoundMethod(f, c) => (f, Some(c)),
                _ => return,
            },
            _ => return,
        };
        let self_class = self.self_class(arg, scope);
        let ctx = self.ctx(scope);
        let extra = Extra {
            sender: sender::of_call(self.resolver, &ctx, call, Some(1)),
            task_receiver: is_func
                .then(|| self.resolver.task_decorator(receiver))
                .flatten()
                .map(|t| TaskReceiver {
                    shared: t.shared,
                    decorator: None,
                }),
            partial,
        };
        self.push(
            signal,
            receiver,
            (call.span, scope),
            Form::Call,
            Some(call.args_span),
            Self::weak(call),
            extra,
        );
        if let Some(c) = self.out.last_mut() {
            c.this = this;
            c.self_class = self_class;
            c.temporary = temporary;
        }
    }

    /// `self.<method>` in a method of a class (not a static or class method): that class.
    fn self_class(&self, arg: &Expr, scope: Scope) -> Option<ClassRef> {
        let Expr::Attribute { value, .. } = arg else {
            return None;
        };
        let Scope::Function(f) = scope else {
            return None;
        };
        let def = self.module.parsed.module.function(f)?;
        let Scope::Class(class) = def.parent else {
            return None;
        };
        if value.as_name() != def.params.names.first().map(String::as_str) {
            return None;
        }
        let class = ClassRef {
            module: self.module.id,
            class,
        };
        (self.resolver.value(&self.ctx(scope), value) == Value::Instance(class)).then_some(class)
    }
}

/// The connection search over one scope's own block: nested definitions are scopes of their
/// own, walked by [`find`]; only their decorators are evaluated here.
struct InScope<'f, 'r, 'p> {
    finder: &'f mut Finder<'r, 'p>,
    scope: Scope,
    /// Loop variables over signals written out (`for sig in (worker_init, worker_ready):`),
    /// innermost last.
    loops: Vec<(&'f str, Vec<&'static Signal>)>,
}

impl<'a: 'f, 'f> Visitor<'a> for InScope<'f, '_, '_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if let Stmt::For {
            target,
            iter,
            body,
            orelse,
            ..
        } = stmt
        {
            if let (Some(name), Some(sigs)) = (target.as_name(), self.loop_signals(iter)) {
                self.visit_expr(iter);
                self.loops.push((name, sigs));
                walk_body(self, body);
                self.loops.pop();
                walk_body(self, orelse);
                return;
            }
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Call(call) = expr {
            for signal in self.connected_signals(&call.func) {
                self.finder.connect_call(signal, call, self.scope);
            }
        }
        walk_expr(self, expr);
    }

    fn visit_def(&mut self, func: FuncIdx) {
        self.finder.decorators(func, self.scope);
    }
}

impl InScope<'_, '_, '_> {
    /// The signals a `for` loop goes over, when it goes over signals only.
    fn loop_signals(&self, iter: &Expr) -> Option<Vec<&'static Signal>> {
        let ctx = self.finder.ctx(self.scope);
        let values = self.finder.resolver.elements(&ctx, iter)?;
        let sigs: Option<Vec<&'static Signal>> = values
            .iter()
            .map(|v| v.path().and_then(signals::from_path))
            .collect();
        sigs.filter(|s| !s.is_empty())
    }

    /// `<signal>.connect`, or `<loop variable over signals>.connect`: the signals connected.
    fn connected_signals(&self, func: &Expr) -> Vec<&'static Signal> {
        if let Expr::Attribute { value, attr, .. } = func {
            if attr == "connect" {
                if let Some(name) = value.as_name() {
                    if let Some((_, sigs)) = self.loops.iter().rev().find(|(n, _)| *n == name) {
                        return sigs.clone();
                    }
                }
            }
        }
        self.finder
            .connect_of(func, self.scope)
            .into_iter()
            .collect()
    }
}

/// Counts uses of `name` in a block (nested definitions included, lambdas not), outside `skip`
/// (the connection itself).
fn count_names_in_block(m: &Module, stmts: &[Stmt], name: &str, skip: Span) -> usize {
    struct Uses<'a, 'n> {
        module: &'a Module,
        name: &'n str,
        skip: Span,
        uses: usize,
    }
    impl<'a> Visitor<'a> for Uses<'a, '_> {
        fn visit_expr(&mut self, e: &'a Expr) {
            match e {
                Expr::Name { id, .. } if id == self.name => self.uses += 1,
                // The connection itself is not another reference.
                Expr::Call(call) if call.span == self.skip => {}
                _ => walk_expr(self, e),
            }
        }
        fn visit_global(&mut self, names: &'a [String]) {
            self.uses += names.iter().filter(|n| *n == self.name).count();
        }
        fn visit_def(&mut self, func: FuncIdx) {
            if let Some(f) = self.module.function(func) {
                walk_function(self, f);
            }
        }
    }
    let mut v = Uses {
        module: m,
        name,
        skip,
        uses: 0,
    };
    walk_body(&mut v, stmts);
    v.uses
}

fn is_test_file(path: &std::path::Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.starts_with("test_") || name.ends_with("_test.py") || name == "conftest.py"
}

/// The names of the functions called (`f()`, `x.f()`) after `pos` in a block (not in nested
/// definitions).
fn call_names_after(stmts: &[Stmt], pos: u32) -> Vec<String> {
    struct Calls {
        pos: u32,
        out: Vec<String>,
    }
    impl<'a> Visitor<'a> for Calls {
        fn visit_expr(&mut self, e: &'a Expr) {
            if let Expr::Call(call) = e {
                if call.span.start >= self.pos {
                    match &call.func {
                        Expr::Name { id, .. } => self.out.push(id.clone()),
                        Expr::Attribute { attr, .. } => self.out.push(attr.clone()),
                        _ => {}
                    }
                }
            }
            walk_expr(self, e);
        }
    }
    let mut v = Calls {
        pos,
        out: Vec::new(),
    };
    walk_body(&mut v, stmts);
    v.out
}
