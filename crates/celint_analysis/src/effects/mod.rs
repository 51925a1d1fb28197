//! Effect summaries: what calling a project function can do (block for a bounded or unknown
//! time, exit the process, broadcast a shutdown), composed along calls across modules, memoised
//! per function and safe under recursion. Each effect keeps the chain of calls that reaches it.
//!
//! - `summary.rs`: the effects and how summaries combine (sequence, alternatives, calls);
//! - `walk.rs`: the path-sensitive walk over a function's body;
//! - `cost.rs`: what a blocking call costs (the catalogue, timeouts, loop counts);
//! - `celery.rs`: detectors for Celery's own hazards (remote-control shutdown, process exit).

mod ahead;
mod celery;
pub(crate) mod cost;
mod summary;
mod walk;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use celint_project::project::{ModuleId, Project};
use celint_project::resolve::{ClassRef, Ctx, FuncRef, Resolver};
use celint_syntax::ir::Scope;

pub use summary::{At, Hop, Loc, ShutdownCall, Summary, Via};

/// See [`Analyzer::summary`].
const MAX_RECOMPUTATIONS: usize = 200_000;

/// A function, and for a method called on an instance of a subclass, that subclass (what
/// `self.other()` inside it resolves to depends on it).
type Key = (FuncRef, Option<ClassRef>);

pub struct Analyzer<'p> {
    pub resolver: Resolver<'p>,
    memo: RefCell<HashMap<Key, Rc<Summary>>>,
    /// Functions whose summary is being computed, outermost first, each with the lowest stack
    /// index of an unfinished function its computation met (recursion).
    stack: RefCell<Vec<(Key, usize)>>,
    /// Summaries computed so far: past a bound, results inside recursion are memoised even when
    /// incomplete, so that dense cyclic call graphs cannot take exponential time.
    computed: std::cell::Cell<usize>,
    /// Modules with a function whose summary was computed: a handler's calls reach them.
    reached: RefCell<HashSet<ModuleId>>,
    /// User-added blocking calls (`[[blocking-calls]]`, `--blocking-call mylib.slow_setup`).
    pub(crate) extra: celint_catalog::blocking::UserEntries,
}

impl<'p> Analyzer<'p> {
    /// How a trace names the project function `f` called at `call`: its name, or for a
    /// constructor (`__init__`) the class as the call writes it (`AIPipeline`).
    pub fn callee_name(
        &self,
        f: celint_project::resolve::FuncRef,
        call: &celint_syntax::ir::Call,
    ) -> String {
        let name = self
            .project()
            .module(f.module)
            .and_then(|m| m.parsed.module.function(f.func).map(|d| d.name.clone()))
            .unwrap_or_default();
        match call.func.dotted() {
            Some(written) if name == "__init__" => written,
            _ => name,
        }
    }

    pub fn new(
        project: &'p Project,
        extra_blocking: celint_catalog::blocking::UserEntries,
    ) -> Self {
        Analyzer {
            resolver: Resolver::with_user_names(project, extra_blocking.exact_names()),
            memo: RefCell::new(HashMap::new()),
            stack: RefCell::new(Vec::new()),
            computed: std::cell::Cell::new(0),
            reached: RefCell::new(HashSet::new()),
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
        self.summary_as(f, None)
    }

    /// The summary of a method with `self` an instance of `this` (`None`, or the class that
    /// defines the method: the defining class). Only the class the instance was made from is
    /// followed; when `self` could be one of several subclasses, it is the defining class.
    pub fn summary_as(&self, f: FuncRef, this: Option<ClassRef>) -> Rc<Summary> {
        let this = this.filter(|c| !self.defines(*c, f));
        let key = (f, this);
        if let Some(known) = self.memo.borrow().get(&key) {
            return known.clone();
        }
        let in_progress = self.stack.borrow().iter().position(|(g, _)| *g == key);
        if let Some(index) = in_progress {
            if let Some(top) = self.stack.borrow_mut().last_mut() {
                top.1 = top.1.min(index);
            }
            return Rc::default();
        }
        let depth = self.stack.borrow().len();
        self.reached.borrow_mut().insert(f.module);
        self.stack.borrow_mut().push((key, depth));
        let summary = Rc::new(self.compute_with(f, this, None));
        let (_, low) = self.stack.borrow_mut().pop().unwrap_or((key, depth));
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
        self.memo.borrow_mut().insert(key, summary.clone());
        summary
    }

    /// Is `class` the class whose body defines method `f`?
    fn defines(&self, class: ClassRef, f: FuncRef) -> bool {
        class.module == f.module
            && self
                .project()
                .module(f.module)
                .and_then(|m| m.parsed.module.function(f.func).map(|d| d.parent))
                == Some(Scope::Class(class.class))
    }

    /// The summary of a decorator's wrapper `wrapper` standing in for `decorated`: calls of the
    /// decorator's first parameter in it are calls of `decorated`. Not memoised (it depends on
    /// which function is wrapped).
    pub fn wrapper_summary(
        &self,
        wrapper: FuncRef,
        decorator: FuncRef,
        decorated: FuncRef,
    ) -> Rc<Summary> {
        self.reached.borrow_mut().insert(wrapper.module);
        Rc::new(self.compute_with(wrapper, None, Some((decorator, decorated))))
    }

    fn compute_with(
        &self,
        f: FuncRef,
        this: Option<ClassRef>,
        wrapped: Option<(FuncRef, FuncRef)>,
    ) -> Summary {
        let Some(module) = self.project().module(f.module) else {
            return Summary::default();
        };
        let Some(func) = module.parsed.module.function(f.func) else {
            return Summary::default();
        };
        let scope = Scope::Function(f.func);
        let ahead = ahead::call_modules(&module, scope, func);
        self.project().prefetch(&ahead, &module.root);
        let ctx = Ctx {
            module: module.clone(),
            scope,
            this,
        };
        let mut walk = walk::Walk::new(self, ctx);
        walk.wrapped = wrapped;
        walk.function(&func.body)
    }
}
