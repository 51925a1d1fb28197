//! What a function can do, as one list of effects with the calls that lead to each, and the
//! ways summaries combine: one piece of work after another, alternative paths, a call.

use crate::project::ModuleId;
use crate::syntax::ir::Span;

/// At most this many effects of one kind are kept per function: enough for every report, and
/// a bound on the work for code that calls the same hazard from thousands of places.
const MAX_EFFECTS: usize = 64;

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

/// A view of one effect of a given kind in a summary (see [`Summary::exits`] and friends).
#[derive(Clone, Copy, Debug)]
pub struct At<'s, T> {
    pub loc: Loc,
    pub trace: &'s [Hop],
    pub item: &'s T,
}

/// Everything a piece of code can do that a rule cares about. A new kind of effect is one
/// variant here (and its [`Kind`]): joining, branching and calls handle every kind alike.
#[derive(Clone, Debug)]
pub enum Effect {
    /// A blocking call with a known bound, on the worst path so far.
    Bounded(BoundedPart),
    Unbounded(UnboundedWork),
    Exit(ExitCall),
    Shutdown(ShutdownCall),
}

/// The kinds of [`Effect`], for the per-kind bound on how many are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Bounded,
    Unbounded,
    Exit,
    Shutdown,
}

const KINDS: usize = 4;

impl Effect {
    fn kind(&self) -> Kind {
        match self {
            Effect::Bounded(_) => Kind::Bounded,
            Effect::Unbounded(_) => Kind::Unbounded,
            Effect::Exit(_) => Kind::Exit,
            Effect::Shutdown(_) => Kind::Shutdown,
        }
    }

    /// Time-like effects: only the worst of alternative paths keeps them.
    fn is_timed(&self) -> bool {
        matches!(self, Effect::Bounded(_))
    }

    /// Reached only after some blocking work (from a loop's second iteration on, after a call
    /// that blocks).
    fn mark_after_blocking(&mut self) {
        match self {
            Effect::Exit(e) => e.after_blocking = true,
            Effect::Shutdown(s) => s.after_blocking = true,
            Effect::Bounded(_) | Effect::Unbounded(_) => {}
        }
    }
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
    /// Some path blocks (bounded or not).
    pub blocks: bool,
    /// In the order they were met; bounded parts only those of the worst path.
    effects: Vec<Traced<Effect>>,
    /// How many effects of each kind `effects` holds (see `MAX_EFFECTS`).
    counts: [usize; KINDS],
}

macro_rules! view {
    ($name:ident, $variant:ident, $ty:ty) => {
        pub fn $name(&self) -> impl Iterator<Item = At<'_, $ty>> {
            self.effects.iter().filter_map(|t| match &t.item {
                Effect::$variant(item) => Some(At {
                    loc: t.loc,
                    trace: &t.trace,
                    item,
                }),
                _ => None,
            })
        }
    };
}

impl Summary {
    view!(parts, Bounded, BoundedPart);
    view!(unbounded, Unbounded, UnboundedWork);
    view!(exits, Exit, ExitCall);
    view!(shutdowns, Shutdown, ShutdownCall);

    /// Adds an effect unless its kind is full.
    pub fn push(&mut self, effect: Traced<Effect>) {
        let kind = effect.item.kind() as usize;
        if let Some(count) = self.counts.get_mut(kind) {
            if *count < MAX_EFFECTS {
                *count += 1;
                self.effects.push(effect);
            }
        }
    }

    /// Appends a piece of work that runs `times` times after what is there.
    pub fn append(&mut self, other: Summary, times: f64) {
        self.seconds += other.seconds * times;
        self.blocks |= other.blocks;
        for mut e in other.effects {
            if let Effect::Bounded(p) = &mut e.item {
                p.times *= times;
            }
            self.push(e);
        }
    }

    /// Alternative paths joined: the worst one counts for time, all of them for everything
    /// else.
    pub fn join(alternatives: Vec<Summary>) -> Summary {
        let worst = alternatives
            .iter()
            .enumerate()
            // The first of the slowest paths, as `>` keeps it.
            .fold(None::<(usize, f64)>, |worst, (i, s)| match worst {
                Some((_, w)) if s.seconds > w => Some((i, s.seconds)),
                None => Some((i, s.seconds)),
                kept => kept,
            })
            .map(|(i, _)| i);
        let mut out = Summary::default();
        for (i, s) in alternatives.into_iter().enumerate() {
            out.blocks |= s.blocks;
            if Some(i) == worst {
                out.seconds = s.seconds;
            }
            // Not bounded by kind here: `append` applies the bound when this is added.
            out.effects.extend(
                s.effects
                    .into_iter()
                    .filter(|e| Some(i) == worst || !e.item.is_timed()),
            );
        }
        out
    }

    /// What a call adds at its call site: each effect behind one more hop. Exits are left out
    /// when the call site catches `SystemExit`; exits and shutdowns come after blocking work
    /// when the caller has already blocked.
    pub fn called(&self, hop: &Hop, exit_caught: bool, blocked: bool) -> Summary {
        let mut out = Summary {
            seconds: self.seconds,
            blocks: self.blocks,
            ..Summary::default()
        };
        for e in &self.effects {
            if exit_caught && matches!(e.item, Effect::Exit(_)) {
                continue;
            }
            let mut trace = Vec::with_capacity(e.trace.len() + 1);
            trace.push(hop.clone());
            trace.extend(e.trace.iter().cloned());
            let mut item = e.item.clone();
            if blocked {
                item.mark_after_blocking();
            }
            out.push(Traced {
                loc: e.loc,
                trace,
                item,
            });
        }
        out
    }

    /// Everything in here is reached only after blocking work.
    pub fn mark_after_blocking(&mut self) {
        for e in &mut self.effects {
            e.item.mark_after_blocking();
        }
    }

    /// Drops the blocking work (kept as one finding elsewhere, e.g. at a retry loop).
    pub fn forget_blocking(&mut self) {
        self.seconds = 0.0;
        self.effects
            .retain(|e| !matches!(e.item, Effect::Bounded(_) | Effect::Unbounded(_)));
        self.recount();
    }

    fn recount(&mut self) {
        self.counts = [0; KINDS];
        for e in &self.effects {
            if let Some(c) = self.counts.get_mut(e.item.kind() as usize) {
                *c += 1;
            }
        }
    }
}
