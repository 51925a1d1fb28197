//! `celint --explain-call NAME`: what a run would make of a call, from the lookup the analysis
//! uses (`UserEntries::entry`: the user's entries, the catalogue, the user's names; then the
//! model-load heuristic), so that the answer never contradicts a finding.

use super::blocking::{catalogue, Arg, Bound, Entry, Origin, UserEntries};

/// What celint knows about a call, or `None` when it does not treat it as blocking. A name on
/// the command line may be a resolved path or a written one: both lookups are tried.
pub fn explain(name: &str, user: &UserEntries) -> Option<String> {
    // A vendored copy's or a fork's path is the library's, as the analysis resolves it.
    let path = super::blocking::library_path(name);
    let Some((e, origin)) = user.entry(&path, false).or_else(|| user.entry(&path, true)) else {
        return heuristic(&path);
    };
    let mut source = match origin {
        Origin::UserEntry => format!("your `blocking-calls` entry `{}`", e.pattern),
        Origin::Catalogue => format!("catalogue entry `{}`", e.pattern),
        Origin::UserName => "named by you (`--blocking-call` or `extend-blocking-calls`)".into(),
    };
    if path != name {
        source.push_str(&format!(
            " (as `{path}`: a vendored copy or a fork of the library)"
        ));
    }
    Some(describe(name, &source, &e))
}

fn heuristic(name: &str) -> Option<String> {
    let h = &catalogue().heuristic;
    h.covers(name).then(|| {
        format!(
            "`{name}`: no catalogue entry; the model-load heuristic applies\n\
             kind: model loading, when an argument is a constant string naming a weights file \
             ({}) or a model-hub id (`org/name`); otherwise not counted\n\
             timeout: none: its duration is unknown\nopens a connection: no\nreason: {}\n\
             reference: {}\n",
            h.weights_extensions.join(", "),
            h.reason,
            h.reference
        )
    })
}

fn describe(name: &str, source: &str, e: &Entry) -> String {
    let mut out = format!(
        "`{name}`: {source}\nkind: {}\ntimeout: {}\nopens a connection: {}\n",
        e.kind.describe(),
        bound(&e.bound),
        if e.opens_connection { "yes" } else { "no" },
    );
    // A name given by the user has no reason or reference; an entry may leave them out.
    if !e.reason.is_empty() {
        out.push_str(&format!("reason: {}\n", e.reason));
    }
    if !e.reference.is_empty() {
        out.push_str(&format!("reference: {}\n", e.reference));
    }
    out
}

fn bound(bound: &Bound) -> String {
    let arg = |a: &Arg| match (&a.keyword, a.position) {
        (Some(k), Some(p)) => format!("`{k}=` or argument {}", p + 1),
        (Some(k), None) => format!("`{k}=`"),
        (None, Some(p)) => format!("argument {}", p + 1),
        (None, None) => "no argument".to_string(),
    };
    match bound {
        Bound::Duration(a) => format!("the duration is {}", arg(a)),
        Bound::Timeout(t) => {
            let mut s = match (&t.keyword, t.position, &t.set_on) {
                (None, None, Some(on)) => format!("set on {on}, not on the call"),
                _ => format!("bounded by {}", arg(&t.arg())),
            };
            if let Some(k) = &t.dsn_key {
                s.push_str(&format!(" or `{k}=` in the connection string"));
            }
            match (t.default, &t.versions) {
                (Some(d), Some(v)) => s.push_str(&format!("; default {d} s ({v})")),
                (Some(d), None) => s.push_str(&format!("; default {d} s")),
                (None, _) => s.push_str("; unbounded without it"),
            }
            s
        }
        Bound::Unbounded => "none: its duration is unknown".to_string(),
    }
}
