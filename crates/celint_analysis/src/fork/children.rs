//! What the pool's children run: tasks and the handlers of child-process signals, with every
//! project function they call. Found here: where they read a global, and which globals are
//! re-created, closed or disposed before a child's first use: by a `worker_process_init` or
//! `task_prerun` handler, by an after-fork hook (`hooks`), or under a process-id guard
//! (`if os.getpid() != self._pid: <re-create>`).

use std::collections::hash_map::Entry as Slot;
use std::collections::{HashMap, HashSet, VecDeque};

use super::keys::{Key, Keys};
use super::parent::{project_callee, Held};
use crate::effects::{Analyzer, Loc};
use celint_catalog::signals::Signal;
use celint_project::resolve::{ClassRef, Ctx, FuncRef};
use celint_syntax::ir::{Expr, Scope, Stmt};
use celint_syntax::visitor::{walk_body, walk_expr, walk_function, walk_stmt, Visitor};

/// Upper bound on the functions walked (a guard for huge call graphs).
const MAX_FUNCTIONS: usize = 20_000;

/// Methods that make an object anew or let go of what it inherited.
pub(super) const RESETS: &[&str] = &[
    "close",
    "dispose",
    "reset",
    "reconnect",
    "connect",
    "init",
    "initialize",
    "init_app",
    "remove",
    "shutdown",
    "stop",
    "terminate",
    "start",
    "_connect",
    "after_fork",
    "reinit",
];

/// Methods that change the container or queue they are called on.
const MUTATORS: &[&str] = &[
    "append",
    "appendleft",
    "extend",
    "insert",
    "pop",
    "popleft",
    "put",
    "put_nowait",
    "get",
    "get_nowait",
    "update",
    "add",
    "clear",
    "setdefault",
    "remove",
    "discard",
    "set",
];

/// Are a handler's re-creations made in each child before its first use of what they re-create?
/// `worker_process_init` runs in each child as it starts, `task_prerun` before each task (so
/// before any use in a task). Celery's `app.on_after_fork` is not: the first children are forked
/// before it is registered (see `hooks`).
pub fn resets_in_child(signal: &Signal) -> bool {
    signal.is_process_init() || signal.name == "task_prerun"
}

/// Where child code starts.
pub struct Entry {
    pub func: FuncRef,
    /// "task `fetch`", "`worker_process_init` handler `setup`".
    pub what: String,
    /// A `worker_process_init` or `task_prerun` handler (`resets_in_child`): what it assigns or
    /// closes is re-created per child.
    pub process_init: bool,
    /// The global the first parameter is (a `bind=True` task's: the task).
    pub param: Option<Key>,
}

/// The first place a child reads each global, and where.
#[derive(Clone, Debug)]
pub struct Use {
    pub loc: Loc,
    pub by: String,
    /// Read while an object is being built (`__init__`): a weaker witness than a method's use.
    pub building: bool,
}

#[derive(Default)]
pub struct Children {
    pub uses: HashMap<Key, Use>,
    pub reset: HashSet<Key>,
    /// Globals the code changes: assigns, assigns an item or attribute of, or calls a method
    /// that changes a container or a queue on.
    pub writes: HashMap<Key, Loc>,
}

impl Children {
    /// Where children read what `held` holds, if they do.
    pub fn reading(&self, held: &Key) -> Option<&Use> {
        self.uses
            .iter()
            .filter(|(k, _)| k.reads(held))
            .map(|(_, u)| u)
            .min_by_key(|u| (u.building, u.loc.module, u.loc.span))
    }

    pub fn resets(&self, held: &Key) -> bool {
        self.reset.iter().any(|k| held.reads(k) || k.reads(held))
    }

    /// Is the connection `h` holds re-created in each child (`Held::reset_by`)?
    pub fn resets_held(&self, all: &[Held], h: &Held) -> bool {
        h.reset_by(all, &|k| self.resets(k))
    }
}

/// A function to walk: its class for `self`, the entry it is reached from, whether it runs to
/// re-create state, and the global its first parameter is (an after-fork hook's argument).
struct Seed {
    func: FuncRef,
    this: Option<ClassRef>,
    entry: usize,
    init: bool,
    param: Option<Key>,
}

/// What an after-fork hook re-creates: `func` runs in each child, with `arg` as its first
/// argument when given (`register_after_fork(engine, dispose_pool)`).
pub fn walk_hook(an: &Analyzer, func: FuncRef, arg: Option<Key>) -> Children {
    let entry = Entry {
        func,
        what: String::new(),
        process_init: true,
        param: None,
    };
    let seed = Seed {
        func,
        this: None,
        entry: 0,
        init: true,
        param: arg,
    };
    run(an, &[entry], vec![seed], &|_| false)
}

/// Walks the children's code from `entries`, recording reads of globals that `wanted` accepts.
pub fn walk(an: &Analyzer, entries: &[Entry], wanted: &dyn Fn(&Key) -> bool) -> Children {
    let seeds = entries
        .iter()
        .enumerate()
        .map(|(i, e)| Seed {
            func: e.func,
            this: None,
            entry: i,
            init: e.process_init,
            param: e.param.clone(),
        })
        .collect();
    run(an, entries, seeds, wanted)
}

fn run(
    an: &Analyzer,
    entries: &[Entry],
    seeds: Vec<Seed>,
    wanted: &dyn Fn(&Key) -> bool,
) -> Children {
    let mut out = Children::default();
    let mut seen: HashSet<(FuncRef, bool)> = HashSet::new();
    let mut queue: VecDeque<Seed> = VecDeque::new();
    for s in seeds {
        if seen.insert((s.func, s.init)) {
            queue.push_back(s);
        }
    }
    let keys = Keys {
        resolver: &an.resolver,
    };
    while let Some(seed) = queue.pop_front() {
        if seen.len() > MAX_FUNCTIONS {
            break;
        }
        let f = seed.func;
        let Some(module) = an.project().module(f.module) else {
            continue;
        };
        let Some(def) = module.parsed.module.function(f.func) else {
            continue;
        };
        let mut ctx = Ctx::new(module.clone(), Scope::Function(f.func));
        ctx.this = seed.this;
        let by = entries
            .get(seed.entry)
            .map(|e| e.what.clone())
            .unwrap_or_default();
        let param = seed
            .param
            .and_then(|k| Some((def.params.names.first()?.clone(), k)));
        let mut v = Scan {
            an,
            keys: &keys,
            ctx,
            wanted,
            init: seed.init,
            param,
            building: def.name == "__init__",
            by,
            out: &mut out,
            calls: Vec::new(),
        };
        walk_function(&mut v, def);
        for (g, this, init) in v.calls {
            if seen.insert((g, init)) {
                queue.push_back(Seed {
                    func: g,
                    this,
                    entry: seed.entry,
                    init,
                    param: None,
                });
            }
        }
    }
    out
}

struct Scan<'s, 'a, 'p> {
    an: &'a Analyzer<'p>,
    keys: &'s Keys<'a, 'p>,
    ctx: Ctx,
    wanted: &'s dyn Fn(&Key) -> bool,
    /// The code walked re-creates state in each child (a `worker_process_init` handler, an
    /// after-fork hook, the branches of a process-id guard).
    init: bool,
    /// The first parameter's name and the global it is (an after-fork hook's argument).
    param: Option<(String, Key)>,
    /// The function walked is an `__init__`.
    building: bool,
    by: String,
    out: &'s mut Children,
    /// Project functions called, with the class of `self` and whether they re-create state.
    calls: Vec<(FuncRef, Option<ClassRef>, bool)>,
}

impl Scan<'_, '_, '_> {
    fn visit_target(&mut self, t: &Expr) {
        match t {
            Expr::Name { .. } => {}
            Expr::Attribute { value, .. } => self.visit_expr(value),
            Expr::Seq { elts, .. } => elts.iter().for_each(|e| self.visit_target(e)),
            Expr::Starred { value, .. } => self.visit_target(value),
            other => self.visit_expr(other),
        }
    }

    /// The global an expression is, the hook's parameter included (`e` in `e.dispose()`).
    fn key(&self, e: &Expr) -> Option<Key> {
        if let Some(k) = self.keys.of(&self.ctx, e) {
            return Some(k);
        }
        let (name, k) = self.param.as_ref()?;
        match e {
            Expr::Name { id, .. } if id == name => Some(k.clone()),
            Expr::Attribute { value, attr, .. } => Some(self.key(value)?.attr(attr)),
            _ => None,
        }
    }

    fn push_call(&mut self, f: FuncRef, this: Option<ClassRef>) {
        self.calls.push((f, this, self.init));
    }

    fn loc(&self, e: &Expr) -> Loc {
        Loc {
            module: self.ctx.module.id,
            span: e.span(),
        }
    }

    fn read(&mut self, e: &Expr) {
        if let Some(k) = self.key(e).filter(|k| (self.wanted)(k)) {
            let use_ = Use {
                loc: self.loc(e),
                by: self.by.clone(),
                building: self.building,
            };
            match self.out.uses.entry(k) {
                Slot::Vacant(v) => {
                    v.insert(use_);
                }
                Slot::Occupied(mut o) if o.get().building && !use_.building => {
                    o.insert(use_);
                }
                Slot::Occupied(_) => {}
            }
        }
    }
}

impl<'a> Visitor<'a> for Scan<'_, '_, '_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        // `if os.getpid() != self._pid: <re-create>`: what either branch re-creates is made
        // anew in each child before the code below uses it. After a branch that returns
        // (`if os.getpid() == self._pid: return self.conn`), the rest of the function is the
        // other branch.
        if let Stmt::If { test, body, orelse } = stmt {
            if !self.init && super::hooks::is_pid_test(self.an, &self.ctx, test) {
                self.visit_expr(test);
                self.init = true;
                walk_body(self, body);
                walk_body(self, orelse);
                self.init = super::hooks::exits(body) || super::hooks::exits(orelse);
                return;
            }
        }
        if let Stmt::Assign { targets, value, .. } = stmt {
            for t in targets {
                let base = match t {
                    Expr::Subscript { value, .. } => value,
                    other => other,
                };
                if let Some(k) = self.key(base) {
                    if self.init {
                        self.out.reset.insert(k.clone());
                    }
                    let loc = self.loc(t);
                    self.out.writes.entry(k).or_insert(loc);
                }
            }
            // What is assigned to is written, not read: only the objects a target goes
            // through are read (`x` in `x.attr = v`).
            self.visit_expr(value);
            for t in targets {
                self.visit_target(t);
            }
            return;
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, e: &'a Expr) {
        match e {
            Expr::Name { .. } => self.read(e),
            Expr::Attribute { .. } => {
                self.read(e);
                // Only the outermost chain matters for reads; inner parts are read too (they
                // name the same global or a prefix of it), so walk on.
            }
            Expr::Call(call) => {
                if let Expr::Attribute { value, attr, .. } = &call.func {
                    let (reset, mutates) = (
                        self.init && RESETS.contains(&attr.as_str()),
                        MUTATORS.contains(&attr.as_str()),
                    );
                    if reset || mutates {
                        if let Some(k) = self.key(value) {
                            if mutates {
                                let loc = self.loc(e);
                                self.out.writes.entry(k.clone()).or_insert(loc);
                            }
                            if reset {
                                self.out.reset.insert(k);
                            }
                        }
                    }
                }
                let callee = self.an.resolver.value(&self.ctx, &call.func);
                if let Some((f, this)) = project_callee(self.an, &callee) {
                    self.push_call(f, this);
                }
            }
            Expr::Lambda { func, .. } => self.push_call(
                FuncRef {
                    module: self.ctx.module.id,
                    func: *func,
                },
                None,
            ),
            _ => {}
        }
        walk_expr(self, e);
    }

    fn visit_def(&mut self, func: celint_syntax::ir::FuncIdx) {
        // A nested function runs where its enclosing one does, if it runs at all.
        self.push_call(
            FuncRef {
                module: self.ctx.module.id,
                func,
            },
            None,
        );
    }
}
