//! What the worker's main process does before the pool forks: module-level code of the modules
//! it imports and the main-process signal handlers, with the project functions they call.
//! Found here: connections stored where the children can reach them (a global, a class
//! attribute, an attribute of a module-level object, an object whose `__init__` opened one),
//! threads started, after-fork hooks registered (`hooks`), and connections closed again before
//! the fork.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use super::hooks::{self, Hook};
use super::keys::{Key, Keys};
use super::stmts::{blocks_run, calls_in, returns_in};
pub use super::stmts::{local_binding, visit_stmts};
use crate::effects::cost::{arg, arguments_allow};
use crate::effects::{Analyzer, Hop, Loc};
use celint_catalog::blocking;
use celint_catalog::signals::Signal;
use celint_project::facts::symbols::Binding;
use celint_project::project::ModuleData;
use celint_project::resolve::{ClassRef, Ctx, FuncRef, Value};
use celint_syntax::ir::{Call, Expr, Scope, Span, Stmt};

/// How deep main-process calls are followed.
const MAX_DEPTH: usize = 8;

/// Methods of an outside object that close the connection it holds (called in the main process
/// after it opened it, before the fork: nothing is left to inherit). A SQLAlchemy connection's
/// `close` returns it to the engine's pool, which stays held through the engine.
const CLOSES: &[&str] = &["close", "dispose", "disconnect"];

/// Outside classes whose `with` block closes the connection it opened (`with db:` of peewee,
/// and its `connection_context()`).
const CLOSED_BY_WITH: &[&str] = &["peewee.Database"];

/// Methods that give a handle working through the connection they are called on (a cursor, a
/// channel, a session, a database): what they return holds the connection too. Any other
/// method's result is taken for plain data (`channel.queue_declare(...)` gives a frame).
const HANDLES: &[&str] = &[
    "cursor",
    "channel",
    "connection",
    "connect",
    "session",
    "Session",
    "begin",
    "get_database",
    "get_default_database",
    "get_collection",
    "database",
    "collection",
    "pipeline",
    "pubsub",
    "Producer",
    "Consumer",
    "SimpleQueue",
    "producer",
    "consumer",
    "get_connection",
    "acquire",
    "raw_connection",
    "execution_options",
    "engine",
    "client",
    "db",
];

/// Where the main process runs the code.
#[derive(Clone, Debug)]
pub enum Root {
    /// At import of this module.
    Import(Arc<ModuleData>),
    /// In a handler of a main-process signal.
    Handler(FuncRef, &'static Signal),
    /// When Celery instantiates the class of this task (of this module) as the worker starts.
    Registered(Arc<ModuleData>, String),
}

/// A call that opens a connection, and the calls that lead to it from where it is evaluated.
#[derive(Clone, Debug)]
pub struct OpenAt {
    pub loc: Loc,
    /// The callee as written (`engine.connect`), or its short path.
    pub what: String,
    /// The catalogue path (`sqlalchemy.engine.Engine.connect`).
    pub path: String,
    pub trace: Vec<Hop>,
}

#[derive(Clone, Debug)]
pub struct Opening {
    pub at: OpenAt,
    pub root: Root,
}

/// A connection the main process left where children can reach it.
#[derive(Clone, Debug)]
pub struct Held {
    pub key: Key,
    pub opening: Rc<Opening>,
    /// Built at import from another global holding the connection (a session factory bound to
    /// the engine, a model class of the database): re-created with it.
    pub built: bool,
}

impl Held {
    /// Is what `h` holds re-created in each child, by `reset` of the global itself, or of the
    /// global it was built from (`engine.dispose()` re-creates what `SessionLocal` gives)? A
    /// handle taken from it (`cur = conn.cursor()`) is not: it stays the inherited one.
    pub fn reset_by(&self, all: &[Held], reset: &dyn Fn(&Key) -> bool) -> bool {
        reset(&self.key)
            || (self.built
                && all
                    .iter()
                    .filter(|o| !o.built && Rc::ptr_eq(&o.opening, &self.opening))
                    .any(|o| reset(&o.key)))
    }
}

/// A thread started in the main process.
#[derive(Clone, Debug)]
pub struct Started {
    pub loc: Loc,
    pub what: String,
    pub trace: Vec<Hop>,
    pub root: Root,
    /// What the thread runs, when it is a project function.
    pub target: Option<FuncRef>,
    /// The global holding the thread, executor or scheduler.
    pub holder: Option<Key>,
    /// The global whose method the thread runs.
    pub serves: Option<Key>,
}

pub struct Parent<'a, 'p> {
    pub an: &'a Analyzer<'p>,
    pub(super) keys: Keys<'a, 'p>,
    pub held: Vec<Held>,
    pub started: Vec<Started>,
    /// After-fork hooks registered: what they re-create is let go of once every module ran.
    pub(super) hooks: Vec<Hook>,
    ran: HashSet<FuncRef>,
    /// The global a method being run was called on.
    receiver: Option<Key>,
    /// The statement being run assigns the call at this span to these globals
    /// (`producer = KafkaProducer(...)`).
    assigning: Option<(Span, Vec<Key>)>,
    /// The globals the result of the function being run goes to.
    returned_to: Vec<Key>,
    /// Modules imported inside the functions run (`from .app import create_app` in a
    /// factory): their module-level code runs then too.
    pub late_imports: Vec<(String, celint_project::project::ModuleId)>,
    returns: RefCell<HashMap<FuncRef, Option<OpenAt>>>,
}

impl<'a, 'p> Parent<'a, 'p> {
    pub fn new(an: &'a Analyzer<'p>) -> Self {
        Parent {
            an,
            keys: Keys {
                resolver: &an.resolver,
            },
            held: Vec::new(),
            started: Vec::new(),
            hooks: Vec::new(),
            ran: HashSet::new(),
            receiver: None,
            assigning: None,
            returned_to: Vec::new(),
            late_imports: Vec::new(),
            returns: RefCell::new(HashMap::new()),
        }
    }

    /// The module's code, run at import.
    pub fn import(&mut self, module: &Arc<ModuleData>) {
        let ctx = Ctx::new(module.clone(), Scope::Module);
        let root = Root::Import(module.clone());
        self.block(&ctx, &module.parsed.module.body, &root, &[], 0);
    }

    /// A main-process signal handler's body.
    pub fn handler(&mut self, f: FuncRef, signal: &'static Signal) {
        self.function(f, None, &Root::Handler(f, signal), &[], 0);
    }

    /// A task class's `__init__`, run by Celery on the task itself (`task_init`).
    pub(super) fn run_init(&mut self, init: FuncRef, class: ClassRef, root: &Root, trace: &[Hop]) {
        let outer = self.receiver.take();
        let returned = std::mem::take(&mut self.returned_to);
        self.function(init, Some(class), root, trace, 0);
        self.receiver = outer;
        self.returned_to = returned;
    }

    fn function(
        &mut self,
        f: FuncRef,
        this: Option<ClassRef>,
        root: &Root,
        trace: &[Hop],
        depth: usize,
    ) {
        if depth > MAX_DEPTH || !self.ran.insert(f) {
            return;
        }
        let Some(module) = self.an.project().module(f.module) else {
            return;
        };
        let Some(def) = module.parsed.module.function(f.func) else {
            return;
        };
        let mut ctx = Ctx::new(module.clone(), Scope::Function(f.func));
        ctx.this = this;
        self.block(&ctx, &def.body, root, trace, depth);
    }

    fn block(&mut self, ctx: &Ctx, body: &[Stmt], root: &Root, trace: &[Hop], depth: usize) {
        for stmt in body {
            self.stmt(ctx, stmt, root, trace, depth);
        }
    }

    fn stmt(&mut self, ctx: &Ctx, stmt: &Stmt, root: &Root, trace: &[Hop], depth: usize) {
        let assigning = match stmt {
            Stmt::Assign { targets, value, .. } if matches!(&**value, Expr::Call(_)) => {
                let keys: Vec<Key> = targets.iter().flat_map(|t| self.target(ctx, t)).collect();
                Some((value.span(), keys))
            }
            _ => None,
        };
        let outer = std::mem::replace(&mut self.assigning, assigning);
        let calls = calls_in(stmt);
        for call in calls {
            self.call(ctx, call, root, trace, depth);
        }
        self.assigning = outer;
        match stmt {
            Stmt::Assign { targets, value, .. } => self.assign(ctx, targets, value, root, trace),
            Stmt::Def(f) => {
                let found = hooks::decorated(self.an, &self.keys, ctx, *f);
                self.hooks.extend(found);
            }
            Stmt::Class(c) if ctx.scope != Scope::Module || matches!(root, Root::Import(_)) => {
                if let Some(class) = ctx.module.parsed.module.class(*c) {
                    let inner = Ctx::new(ctx.module.clone(), Scope::Class(*c));
                    self.block(&inner, &class.body, root, trace, depth);
                }
            }
            Stmt::Import { .. } | Stmt::ImportFrom { .. } if ctx.scope != Scope::Module => {
                let mut names = Vec::new();
                super::worker::import_names(&ctx.module, stmt, &mut names);
                self.late_imports
                    .extend(names.into_iter().map(|n| (n, ctx.module.id)));
            }
            _ => {}
        }
        // Nested blocks (not what `if __name__ == "__main__":` guards).
        for block in blocks_run(stmt) {
            self.block(ctx, block, root, trace, depth);
        }
        // `with db:` (peewee) closes at its end what it opened.
        if let Stmt::With { items, .. } = stmt {
            for item in items {
                self.closed_by_with(ctx, item);
            }
        }
    }

    /// The globals the call is the whole assigned value of.
    pub(super) fn assigned_to(&self, call: &Call) -> Vec<Key> {
        match &self.assigning {
            Some((span, keys)) if *span == call.span => keys.clone(),
            _ => Vec::new(),
        }
    }

    /// `X.close()` on a held global, by an outside method: the connection is closed before
    /// the fork (with every handle taken from it).
    fn closes(&mut self, ctx: &Ctx, call: &Call, callee: &Value) {
        let Expr::Attribute { value, attr, .. } = &call.func else {
            return;
        };
        if !CLOSES.contains(&attr.as_str())
            || !matches!(callee, Value::External(_) | Value::Unknown)
        {
            return;
        }
        if let Some(k) = self.keys.of(ctx, value) {
            self.release(&k);
        }
    }

    /// Lets go of the connections held by `k` (and every global holding the same one).
    fn release(&mut self, k: &Key) {
        let gone: Vec<Rc<Opening>> = self
            .held
            .iter()
            .filter(|h| h.key == *k)
            .map(|h| h.opening.clone())
            .collect();
        self.held
            .retain(|h| !gone.iter().any(|g| Rc::ptr_eq(g, &h.opening)));
    }

    /// `with db:` or `with db.connection_context():` of a peewee database closes the
    /// connection at the end of the block.
    fn closed_by_with(&mut self, ctx: &Ctx, item: &Expr) {
        let object = match item {
            Expr::Call(c) => match &c.func {
                Expr::Attribute { value, attr, .. } if attr == "connection_context" => &**value,
                _ => return,
            },
            other => other,
        };
        let closes = match self.an.resolver.value(ctx, object) {
            Value::ExtInstance(class) => CLOSED_BY_WITH.contains(&class.as_str()),
            _ => false,
        };
        if let Some(k) = self.keys.of(ctx, object).filter(|_| closes) {
            self.release(&k);
        }
    }

    /// A call the main process makes: a thread started, a connection opened on an object the
    /// children can reach, a project function run.
    fn call(&mut self, ctx: &Ctx, call: &Call, root: &Root, trace: &[Hop], depth: usize) {
        let callee = self.an.resolver.value(ctx, &call.func);
        let found = hooks::registered(self.an, &self.keys, (ctx, call, &callee), &self.returned_to);
        self.hooks.extend(found);
        self.closes(ctx, call, &callee);
        self.registers_class(ctx, call, &callee, root, trace);
        if let Some((holder, at)) = super::callables::opened_by(self, ctx, call, &callee) {
            if let Some(key) = holder {
                let at = OpenAt {
                    trace: trace.to_vec(),
                    ..at
                };
                self.hold(key, at, root);
            }
            return;
        }
        if let Some(started) = super::threads::started(self, ctx, call, &callee) {
            self.started.push(Started {
                loc: loc(ctx, call.span),
                what: written(call, &started.what),
                trace: trace.to_vec(),
                root: root.clone(),
                target: started.target,
                holder: started.holder,
                serves: started.serves,
            });
            return;
        }
        if let Some((entry_path, entry)) = self.opener(&callee, call) {
            // The pool the call checks a connection out of, or the object it connects.
            let holder = match &entry.checks_out_of {
                Some(a) => arg(call, a),
                None => match &call.func {
                    Expr::Attribute { value, .. } => Some(&**value),
                    _ => None,
                },
            };
            if let Some(key) = holder.and_then(|h| self.keys.of(ctx, h)) {
                let at = OpenAt {
                    loc: loc(ctx, call.span),
                    what: written(call, &entry_path),
                    path: entry_path,
                    trace: trace.to_vec(),
                };
                self.hold(key, at, root);
            }
            return;
        }
        if let Some((f, this)) = project_callee(self.an, &callee) {
            let mut inner = trace.to_vec();
            inner.push(hop(self.an, ctx, call, f));
            // A method called on a global (`db.connect()`): what it stores on `self` is that
            // global's (`db.con`).
            let receiver = match (&callee, &call.func) {
                (Value::BoundMethod(..), Expr::Attribute { value, .. }) => self.keys.of(ctx, value),
                _ => None,
            };
            let outer = std::mem::replace(&mut self.receiver, receiver);
            let to = self.assigned_to(call);
            let returned = std::mem::replace(&mut self.returned_to, to);
            self.function(f, this, root, &inner, depth + 1);
            self.receiver = outer;
            self.returned_to = returned;
        }
    }

    fn hold(&mut self, key: Key, at: OpenAt, root: &Root) {
        let opening = Rc::new(Opening {
            at,
            root: root.clone(),
        });
        self.held.push(Held {
            key,
            opening,
            built: false,
        });
    }

    /// The catalogue entry of a call that opens a connection.
    pub(super) fn opener(&self, callee: &Value, call: &Call) -> Option<(String, blocking::Entry)> {
        let path = match callee {
            Value::External(p) => p.clone(),
            Value::Unknown => call.func.dotted()?,
            _ => return None,
        };
        let entry = match callee {
            Value::External(_) => self.an.extra.lookup(&path)?,
            _ => self.an.extra.lookup_written(&path)?,
        };
        (entry.opens_connection && arguments_allow(&entry, call))
            .then(|| (path, entry.into_owned()))
    }

    fn assign(&mut self, ctx: &Ctx, targets: &[Expr], value: &Expr, root: &Root, trace: &[Hop]) {
        let opening = match self.derived(ctx, value) {
            Some(o) => Some(o),
            None => self.open_at(ctx, value, 0).map(|at| {
                let mut full = trace.to_vec();
                full.extend(at.trace);
                Rc::new(Opening {
                    at: OpenAt { trace: full, ..at },
                    root: root.clone(),
                })
            }),
        };
        let Some(opening) = opening else {
            return;
        };
        for t in targets {
            for key in self.target(ctx, t) {
                self.held.push(Held {
                    key,
                    opening: opening.clone(),
                    built: false,
                });
            }
        }
    }

    /// What an assignment stores into, when it is a global: a module-level name, a class
    /// attribute, a name declared `global`, an attribute of a global (not `self.x`: that is
    /// the instance's, see `open_at`).
    pub(super) fn target(&self, ctx: &Ctx, t: &Expr) -> Vec<Key> {
        match t {
            Expr::Attribute { value, attr, .. } if self.keys.self_class(ctx, value).is_some() => {
                match &self.receiver {
                    Some(r) => vec![r.attr(attr)],
                    None => self.keys.of(ctx, t).into_iter().collect(),
                }
            }
            Expr::Name { .. } | Expr::Attribute { .. } => {
                self.keys.of(ctx, t).into_iter().collect()
            }
            // `conn, channel = open_channel()`: each name may hold it.
            Expr::Seq { elts, .. } => elts.iter().flat_map(|e| self.target(ctx, e)).collect(),
            Expr::Starred { value, .. } => self.target(ctx, value),
            _ => Vec::new(),
        }
    }

    /// A value taken from a connection already held (`cur = conn.cursor()`, `db = client.app`).
    fn derived(&self, ctx: &Ctx, value: &Expr) -> Option<Rc<Opening>> {
        let held = || {
            let k = self.keys.of(ctx, value)?;
            self.held
                .iter()
                .find(|h| k.reads(&h.key))
                .map(|h| h.opening.clone())
        };
        match value {
            Expr::Name { .. } => held(),
            Expr::Attribute { value: base, .. } | Expr::Subscript { value: base, .. } => {
                held().or_else(|| self.derived(ctx, base))
            }
            Expr::Call(c) => match &c.func {
                Expr::Attribute {
                    value: base, attr, ..
                } if HANDLES.contains(&attr.as_str()) => self.derived(ctx, base),
                _ => None,
            },
            _ => None,
        }
    }

    /// Does evaluating `expr` give an open connection (or an object holding one)? Through
    /// project functions that return one and classes whose `__init__` stores one on `self`.
    pub fn open_at(&self, ctx: &Ctx, expr: &Expr, depth: usize) -> Option<OpenAt> {
        if depth > MAX_DEPTH {
            return None;
        }
        match expr {
            Expr::Call(call) => {
                let callee = self.an.resolver.value(ctx, &call.func);
                if let Some((path, entry)) = self.opener(&callee, call) {
                    return entry.checks_out_of.is_none().then(|| OpenAt {
                        loc: loc(ctx, call.span),
                        what: written(call, &path),
                        path,
                        trace: Vec::new(),
                    });
                }
                if let Some((_, at)) = super::callables::opened_by(self, ctx, call, &callee) {
                    return Some(at);
                }
                let inner = match &callee {
                    Value::Func(f) | Value::BoundMethod(f, _) => self.returned(*f, depth + 1),
                    Value::Class(c) => self.initialised(*c, depth + 1),
                    _ => None,
                };
                match inner {
                    Some(mut at) => {
                        let f = match &callee {
                            Value::Class(c) => init_of(self.an, *c).map(|(f, _)| f),
                            Value::Func(f) | Value::BoundMethod(f, _) => Some(*f),
                            _ => None,
                        };
                        if let Some(f) = f {
                            at.trace.insert(0, hop(self.an, ctx, call, f));
                        }
                        Some(at)
                    }
                    // A handle of what a call gave: `psycopg2.connect(...).cursor()`.
                    None => match &call.func {
                        Expr::Attribute { value, attr, .. } if HANDLES.contains(&attr.as_str()) => {
                            self.open_at(ctx, value, depth + 1)
                        }
                        _ => None,
                    },
                }
            }
            Expr::Attribute { value, .. } | Expr::Subscript { value, .. } => {
                self.open_at(ctx, value, depth + 1)
            }
            // `return conn, channel`.
            Expr::Seq { elts, .. } => elts.iter().find_map(|e| self.open_at(ctx, e, depth + 1)),
            Expr::Name { id, .. } if ctx.scope != Scope::Module => {
                match local_binding(&ctx.module, ctx.scope, id)? {
                    Binding::Assign(e) => self.open_at(ctx, &e, depth + 1),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// What a project function returns, when that is an open connection.
    fn returned(&self, f: FuncRef, depth: usize) -> Option<OpenAt> {
        if let Some(known) = self.returns.borrow().get(&f) {
            return known.clone();
        }
        self.returns.borrow_mut().insert(f, None); // recursion: nothing
        let module = self.an.project().module(f.module)?;
        let def = module.parsed.module.function(f.func)?;
        let ctx = Ctx::new(module.clone(), Scope::Function(f.func));
        let mut values = Vec::new();
        returns_in(&def.body, &mut values);
        let found = values
            .into_iter()
            .find_map(|v| self.open_at(&ctx, v, depth));
        self.returns.borrow_mut().insert(f, found.clone());
        found
    }

    /// What a class's `__init__` stores on `self`, when that is an open connection.
    fn initialised(&self, c: ClassRef, depth: usize) -> Option<OpenAt> {
        let (f, _) = init_of(self.an, c)?;
        let module = self.an.project().module(f.module)?;
        let def = module.parsed.module.function(f.func)?;
        let this = def.params.names.first()?.clone();
        let ctx = Ctx::new(module.clone(), Scope::Function(f.func));
        let mut found = None;
        visit_stmts(&def.body, &mut |stmt| {
            if found.is_some() {
                return;
            }
            if let Stmt::Assign { targets, value, .. } = stmt {
                let on_self = targets.iter().any(|t| {
                    matches!(t, Expr::Attribute { value, .. } if value.as_name() == Some(this.as_str()))
                });
                if on_self {
                    found = self.open_at(&ctx, value, depth);
                }
            }
        });
        found
    }
}

/// The `__init__` a class runs.
pub fn init_of(an: &Analyzer, c: ClassRef) -> Option<(FuncRef, ClassRef)> {
    match an.resolver.attribute_of(&Value::Instance(c), "__init__") {
        Value::BoundMethod(f, c) => Some((f, c)),
        _ => None,
    }
}

/// The project function a call runs, with the class of `self` for a method.
pub fn project_callee(an: &Analyzer, callee: &Value) -> Option<(FuncRef, Option<ClassRef>)> {
    match callee {
        Value::Func(f) => Some((*f, None)),
        Value::BoundMethod(f, c) => Some((*f, Some(*c))),
        Value::Partial(inner) => project_callee(an, inner),
        Value::Class(c) => init_of(an, *c).map(|(f, c)| (f, Some(c))),
        _ => None,
    }
}

/// The callee as the user wrote it (`engine.connect`), else the last parts of its path
/// (`Thread.start` for `threading.Thread(...).start`).
pub fn written(call: &Call, path: &str) -> String {
    call.func.dotted().unwrap_or_else(|| {
        let mut parts = path.rsplitn(3, '.');
        let last = parts.next().unwrap_or(path);
        match parts.next() {
            Some(class) if class.starts_with(char::is_uppercase) => format!("{class}.{last}"),
            _ => last.to_string(),
        }
    })
}

pub fn loc(ctx: &Ctx, span: celint_syntax::ir::Span) -> Loc {
    Loc {
        module: ctx.module.id,
        span,
    }
}

pub fn hop(an: &Analyzer, ctx: &Ctx, call: &Call, f: FuncRef) -> Hop {
    Hop {
        call: loc(ctx, call.span),
        callee: an.callee_name(f, call),
    }
}
