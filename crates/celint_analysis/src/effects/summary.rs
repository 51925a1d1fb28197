//! What a function can do, as one list of effects with the calls that lead to each, and the
//! ways summaries combine: one piece of work after another, alternative paths, a call.

use crate::fork::keys::Key;
use celint_project::project::ModuleId;
use celint_syntax::ir::Span;

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
    /// The thread the call joins, when it is a global (see [`Summary::without_joins`]).
    pub joins: Option<Key>,
}

#[derive(Clone, Debug)]
pub struct UnboundedWork {
    pub what: String,
    /// Why a call with no catalogue entry was counted (the model-load heuristic).
    pub note: Option<String>,
    /// How the call itself could be bounded (`timeout=`, or where it is set); `None` when it
    /// cannot (a model load, a loop): the advice is then to move the work, not to bound it.
    pub bound_by: Option<String>,
    /// The thread the call joins, when it is a global (see [`Summary::without_joins`]).
    pub joins: Option<Key>,
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
    /// Whose `.control` it is.
    pub via: Via,
}

/// The owner of the `.control` a shutdown goes through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// A Celery app, whoever calls the function.
    App,
    /// A parameter of the function that makes the call: `<name>.control` (`app_attr` false) or
    /// `<name>.app.control`. It is an app only when the function is the handler itself and the
    /// signal passes, under that keyword, an app or an object whose `.app` is the app
    /// (`catalog::senders`); a summary does not know its caller, so the rules decide.
    Param { name: String, app_attr: bool },
}

#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Estimated bounded blocking time of the worst path, in seconds.
    pub seconds: f64,
    /// Some path blocks (bounded or not).
    pub blocks: bool,
    /// In the order they were met; bounded parts only those of the worst path.
    effects: Vec<Traced<Effect>>,
    /// How many effects of each kind `effects` holds, by `Kind as usize` (see `MAX_EFFECTS`);
    /// grown as kinds are met, so a new kind needs no count of its own.
    counts: Vec<usize>,
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
        if self.make_room(effect.item.kind()) {
            self.effects.push(effect);
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

    /// Does some effect join a global thread (`t.join()`)?
    pub fn joins_threads(&self) -> bool {
        self.effects.iter().any(|e| {
            matches!(
                e.item,
                Effect::Bounded(BoundedPart { joins: Some(_), .. })
                    | Effect::Unbounded(UnboundedWork { joins: Some(_), .. })
            )
        })
    }

    /// The summary without the joins of threads `dropped` accepts: in a pool child, a thread the
    /// main process started before the fork is not alive, and `join()` returns at once (seen on
    /// Celery 5.7). Their time leaves the estimate (the worst path may then be another, shorter
    /// one that was not kept: the estimate can only fall short); exits after them keep their
    /// `after_blocking`.
    pub fn without_joins(&self, dropped: &dyn Fn(&Key) -> bool) -> Summary {
        let joined = |e: &Effect| match e {
            Effect::Bounded(BoundedPart { joins: Some(k), .. })
            | Effect::Unbounded(UnboundedWork { joins: Some(k), .. }) => dropped(k),
            _ => false,
        };
        let mut out = self.clone();
        if !self.effects.iter().any(|e| joined(&e.item)) {
            return out;
        }
        for e in self.effects.iter().filter(|e| joined(&e.item)) {
            if let Effect::Bounded(p) = &e.item {
                out.seconds -= p.seconds * p.times;
            }
        }
        out.seconds = out.seconds.max(0.0);
        out.effects.retain(|e| !joined(&e.item));
        out.recount();
        out.blocks = out.seconds > 0.0
            || out
                .effects
                .iter()
                .any(|e| matches!(e.item, Effect::Bounded(_) | Effect::Unbounded(_)));
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
        self.counts.clear();
        for i in 0..self.effects.len() {
            if let Some(kind) = self.effects.get(i).map(|e| e.item.kind()) {
                self.make_room(kind);
            }
        }
    }

    /// Counts one more effect of this kind; false (and nothing counted) when the kind is full.
    fn make_room(&mut self, kind: Kind) -> bool {
        let i = kind as usize;
        if self.counts.len() <= i {
            self.counts.resize(i + 1, 0);
        }
        match self.counts.get_mut(i) {
            Some(c) if *c < MAX_EFFECTS => {
                *c += 1;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(n: u32) -> Loc {
        Loc {
            module: ModuleId(0),
            span: Span::new(n, n + 1),
        }
    }

    fn traced(n: u32, item: Effect) -> Traced<Effect> {
        Traced {
            loc: at(n),
            trace: Vec::new(),
            item,
        }
    }

    fn sleep(n: u32, seconds: f64) -> Summary {
        let mut s = Summary {
            seconds,
            blocks: true,
            ..Summary::default()
        };
        s.push(traced(
            n,
            Effect::Bounded(BoundedPart {
                what: format!("sleep{n}"),
                seconds,
                times: 1.0,
                joins: None,
            }),
        ));
        s
    }

    fn exit(n: u32) -> Effect {
        Effect::Exit(ExitCall {
            what: format!("exit{n}"),
            after_blocking: false,
            statement: None,
        })
    }

    #[test]
    fn join_keeps_the_slowest_path_time_and_every_exit() {
        let mut a = sleep(1, 2.0);
        a.push(traced(10, exit(10)));
        let b = sleep(2, 3.0);
        let c = sleep(3, 3.0);
        let joined = Summary::join(vec![a, b, c]);
        assert_eq!(joined.seconds, 3.0);
        // The first of the slowest paths: its part only.
        let parts: Vec<Loc> = joined.parts().map(|p| p.loc).collect();
        assert_eq!(parts, vec![at(2)]);
        let exits: Vec<Loc> = joined.exits().map(|e| e.loc).collect();
        assert_eq!(exits, vec![at(10)]);
        assert!(joined.blocks);
    }

    #[test]
    fn each_kind_is_bounded_on_its_own() {
        let mut s = Summary::default();
        for n in 0..100 {
            s.push(traced(n, exit(n)));
        }
        s.append(sleep(500, 1.0), 2.0);
        assert_eq!(s.exits().count(), MAX_EFFECTS);
        assert_eq!(s.parts().count(), 1);
        assert_eq!(s.parts().map(|p| p.item.times).sum::<f64>(), 2.0);
        assert_eq!(s.seconds, 2.0);
        s.forget_blocking();
        assert_eq!((s.parts().count(), s.seconds), (0, 0.0));
        // Room again after forgetting only what was forgotten: exits stay full.
        s.push(traced(999, exit(999)));
        assert_eq!(s.exits().count(), MAX_EFFECTS);
    }

    #[test]
    fn joins_of_dead_threads_leave_the_estimate() {
        let t = Key {
            module: ModuleId(0),
            path: "monitor".into(),
        };
        let mut s = sleep(1, 2.0);
        let mut joined = sleep(2, 3.0);
        if let Some(Effect::Bounded(p)) = joined.effects.first_mut().map(|e| &mut e.item) {
            p.joins = Some(t.clone());
        }
        s.append(joined, 2.0);
        s.push(traced(
            3,
            Effect::Unbounded(UnboundedWork {
                what: "monitor.join()".into(),
                note: None,
                bound_by: None,
                joins: Some(t.clone()),
            }),
        ));
        assert!(s.joins_threads());
        assert_eq!(s.seconds, 8.0);
        let kept = s.without_joins(&|_| false);
        assert_eq!((kept.seconds, kept.unbounded().count()), (8.0, 1));
        let dropped = s.without_joins(&|k| *k == t);
        assert_eq!(dropped.seconds, 2.0);
        assert_eq!(dropped.parts().count(), 1);
        assert_eq!(dropped.unbounded().count(), 0);
        assert!(dropped.blocks && !dropped.joins_threads());
        let none = sleep(9, 0.0).without_joins(&|_| true);
        assert_eq!(none.seconds, 0.0);
    }

    #[test]
    fn a_call_adds_a_hop_drops_caught_exits_and_marks_blocking() {
        let mut callee = Summary::default();
        callee.push(traced(1, exit(1)));
        callee.push(traced(
            2,
            Effect::Shutdown(ShutdownCall {
                what: "shutdown".into(),
                has_destination: false,
                after_blocking: false,
                statement: None,
                via: Via::App,
            }),
        ));
        let hop = Hop {
            call: at(7),
            callee: "helper".into(),
        };
        let called = callee.called(&hop, false, true);
        let e = called
            .exits()
            .next()
            .map(|e| (e.trace.len(), e.item.after_blocking));
        assert_eq!(e, Some((1, true)));
        let caught = callee.called(&hop, true, false);
        assert_eq!(caught.exits().count(), 0);
        let s = caught.shutdowns().next().map(|s| s.item.after_blocking);
        assert_eq!(s, Some(false));
    }
}
