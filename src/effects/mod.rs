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
mod cost;
mod summary;
mod walk;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::project::{ModuleId, Project};
use crate::resolve::{Ctx, FuncRef, Resolver};
use crate::syntax::ir::Scope;

pub use summary::{At, Hop, Loc, ShutdownCall, Summary};

/// See [`Analyzer::summary`].
const MAX_RECOMPUTATIONS: usize = 200_000;

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
    reached: RefCell<HashSet<ModuleId>>,
    /// User-added blocking calls (`[[blocking-calls]]`, `--blocking-call mylib.slow_setup`).
    pub(crate) extra: crate::catalog::blocking::UserEntries,
}

impl<'p> Analyzer<'p> {
    pub fn new(
        project: &'p Project,
        extra_blocking: crate::catalog::blocking::UserEntries,
    ) -> Self {
        Analyzer {
            resolver: Resolver::new(project),
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
        let scope = Scope::Function(f.func);
        let ahead = ahead::call_modules(&module, scope, func);
        self.project().prefetch(&ahead, &module.root);
        let ctx = Ctx {
            module: module.clone(),
            scope,
        };
        walk::Walk::new(self, ctx).function(&func.body)
    }
}
