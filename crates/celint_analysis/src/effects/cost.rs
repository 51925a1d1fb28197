//! What a blocking call costs: its catalogue entry (or the user's `--blocking-call`), the
//! timeout or duration its arguments give, and how many times a `for` loop runs it.

use super::walk::Walk;
use super::Analyzer;
use std::borrow::Cow;

use celint_catalog::blocking::{Arg, Bound, Entry};
use celint_project::resolve::Value;
use celint_syntax::ir::{Call, Expr, SeqKind};

/// What one blocking call costs.
pub(super) enum Cost {
    None,
    Bounded(f64),
    Unbounded(String),
}

/// The catalogue entry for a callee, including the user's additions.
pub(super) fn blocking_entry<'a>(
    an: &'a Analyzer,
    callee: &Value,
    func: &Expr,
) -> Option<Cow<'a, Entry>> {
    match callee {
        Value::External(p) => an.extra.lookup(p),
        Value::Unknown => an.extra.lookup_written(&func.dotted()?),
        _ => None,
    }
}

/// Do the call's arguments leave it doing what its entry says: `nonblocking-when-false` not
/// given as `False`, and one of `only-when` given (when the entry has them)? Shared with the
/// fork analysis, for which an entry that `opens-connection` opens one only then.
pub(crate) fn arguments_allow(entry: &Entry, call: &Call) -> bool {
    let off = entry
        .nonblocking_when_false
        .as_ref()
        .is_some_and(|flag| matches!(arg(call, flag), Some(Expr::Bool { value: false, .. })));
    !off && (entry.only_when.is_empty() || entry.only_when.iter().any(|a| given(call, a)))
}

pub(super) fn cost(w: &Walk, entry: &Entry, call: &Call) -> Cost {
    if !arguments_allow(entry, call) {
        return Cost::None;
    }
    if let Some(local) = &entry.local_when_argument_calls {
        if let Some(Expr::Call(inner)) = call.args.first() {
            if w.value(&inner.func).path() == Some(local.as_str()) {
                return Cost::None;
            }
        }
    }
    match &entry.bound {
        Bound::Duration(a) => match arg(call, a).map(|e| number(w, e)) {
            Some(Some(s)) if s > 0.0 => Cost::Bounded(s),
            Some(Some(_)) => Cost::None,
            _ => Cost::Unbounded("with a duration that is not a constant".to_string()),
        },
        Bound::Timeout(t) => match arg(call, &t.arg()) {
            Some(Expr::NoneLit { .. }) => Cost::Unbounded("with `timeout=None`".to_string()),
            Some(e) => match number(w, e) {
                Some(s) if s > 0.0 => Cost::Bounded(s),
                Some(_) => Cost::Bounded(0.0),
                None => Cost::Unbounded("with a timeout that is not a constant".to_string()),
            },
            None => {
                if let Some(s) = t.dsn_key.as_deref().and_then(|k| dsn_timeout(w, call, k)) {
                    return Cost::Bounded(s);
                }
                match (t.default, &t.set_on) {
                    (Some(d), _) => Cost::Bounded(d),
                    (None, Some(_)) => Cost::Unbounded("of unknown duration".to_string()),
                    (None, None) => Cost::Unbounded("without a timeout".to_string()),
                }
            }
        },
        Bound::Unbounded => Cost::Unbounded("of unknown duration".to_string()),
    }
}

/// Is the argument given, and not the constant `False` or `None`?
fn given(call: &Call, a: &Arg) -> bool {
    !matches!(
        arg(call, a),
        None | Some(Expr::NoneLit { .. }) | Some(Expr::Bool { value: false, .. })
    )
}

/// The argument given for `arg`, by keyword or by position (unknown after a `*args`).
pub(crate) fn arg<'c>(call: &'c Call, arg: &Arg) -> Option<&'c Expr> {
    if let Some(v) = arg.keyword.as_deref().and_then(|k| call.keyword(k)) {
        return Some(v);
    }
    let pos = arg.position?;
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

/// `connect_timeout=N` (the entry's DSN key) inside a libpq DSN string.
fn dsn_timeout(w: &Walk, call: &Call, key: &str) -> Option<f64> {
    let dsn = call.args.first().or_else(|| call.keyword("dsn"))?;
    let Value::Str(s) = w.value(dsn) else {
        return None;
    };
    let rest = s.split(&format!("{key}=")).nth(1)?;
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
