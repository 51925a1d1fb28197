//! What a blocking call costs: its catalogue entry (or the user's `--blocking-call`), the
//! timeout or duration its arguments give, and how many times a `for` loop runs it.

use super::walk::Walk;
use super::Analyzer;
use crate::catalog::blocking::{self, Arg, Bound, Entry, Kind};
use crate::resolve::Value;
use crate::syntax::ir::{Call, Expr, SeqKind};

/// What one blocking call costs.
pub(super) enum Cost {
    None,
    Bounded(f64),
    Unbounded(String),
}

/// The catalogue entry for a callee, including the user's additions.
pub(super) fn blocking_entry(an: &Analyzer, callee: &Value, func: &Expr) -> Option<Entry> {
    if let Value::External(p) = callee {
        if let Some(e) = blocking::lookup(p) {
            return Some(*e);
        }
        if an.extra.iter().any(|x| x == p) {
            return Some(custom_entry());
        }
    }
    if *callee == Value::Unknown {
        let written = func.dotted()?;
        if let Some(e) = blocking::lookup_written(&written) {
            return Some(*e);
        }
        if an.extra.contains(&written) {
            return Some(custom_entry());
        }
    }
    None
}

/// A user-added blocking call: bounded by `timeout=` when given, unbounded otherwise.
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

pub(super) fn cost(w: &Walk, entry: &Entry, call: &Call) -> Cost {
    if let Some(flag) = entry.nonblocking_when_false {
        if let Some(Expr::Bool { value: false, .. }) = arg(call, flag) {
            return Cost::None;
        }
    }
    match entry.bound {
        Bound::Duration(a) => match arg(call, a).map(|e| number(w, e)) {
            Some(Some(s)) if s > 0.0 => Cost::Bounded(s),
            Some(Some(_)) => Cost::None,
            _ => Cost::Unbounded("with a duration that is not a constant".to_string()),
        },
        Bound::Timeout { arg: a, default } => match arg(call, a) {
            Some(Expr::NoneLit { .. }) => Cost::Unbounded("with `timeout=None`".to_string()),
            Some(e) => match number(w, e) {
                Some(s) if s > 0.0 => Cost::Bounded(s),
                Some(_) => Cost::Bounded(0.0),
                None => Cost::Unbounded("with a timeout that is not a constant".to_string()),
            },
            None => {
                if entry.kind == Kind::Database {
                    if let Some(s) = dsn_timeout(w, call) {
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

/// The argument given for `arg`, by keyword or by position (unknown after a `*args`).
fn arg(call: &Call, arg: Arg) -> Option<&Expr> {
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

fn number(w: &Walk, expr: &Expr) -> Option<f64> {
    match expr {
        // `timeout=(connect, read)`: both phases can take their full time.
        Expr::Seq { elts, .. } if !elts.is_empty() => {
            elts.iter().map(|e| number(w, e)).sum::<Option<f64>>()
        }
        other => w.value(other).number(),
    }
}

/// `connect_timeout=N` inside a libpq DSN string.
fn dsn_timeout(w: &Walk, call: &Call) -> Option<f64> {
    let dsn = call.args.first().or_else(|| call.keyword("dsn"))?;
    let Value::Str(s) = w.value(dsn) else {
        return None;
    };
    let rest = s.split("connect_timeout=").nth(1)?;
    let digits: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    digits.parse().ok()
}

/// How many times `for _ in <iter>` runs, when it is known.
pub(super) fn loop_count(w: &Walk, iter: &Expr) -> Option<f64> {
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
            let callee = w.value(&call.func);
            if callee.path() != Some("builtins.range") || !call.keywords.is_empty() {
                return None;
            }
            let nums: Option<Vec<f64>> = call.args.iter().map(|a| w.value(a).number()).collect();
            let n = match nums?.as_slice() {
                [stop] => *stop,
                [start, stop] => stop - start,
                [start, stop, step] if *step != 0.0 => ((stop - start) / step).ceil(),
                _ => return None,
            };
            Some(n.max(0.0))
        }
        Expr::Name { .. } | Expr::Attribute { .. } => match w.value(iter) {
            Value::Seq(n) => Some(n as f64),
            _ => None,
        },
        _ => None,
    }
}
