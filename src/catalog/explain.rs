//! `celint --explain-call NAME`: what a run would make of a call, from the same lookups the
//! analysis uses (the user's entries and names first, then the catalogue, then the model-load
//! heuristic), so that the answer never contradicts a finding.

use super::blocking::{catalogue, Arg, Bound, Entry, UserEntries};

/// Where the entry that applies to a call comes from.
enum Source<'a> {
    /// A `blocking-calls` entry of the configuration.
    UserEntry(&'a Entry),
    /// A name given with `--blocking-call` or `extend-blocking-calls`.
    UserName,
    /// A built-in catalogue entry.
    Catalogue(&'a Entry),
}

/// What celint knows about a call, or `None` when it does not treat it as blocking.
pub fn explain(name: &str, user: &UserEntries) -> Option<String> {
    let source = if let Some(e) = super::blocking::find(&user.entries, name) {
        Source::UserEntry(e)
    } else if let Some(e) =
        super::blocking::lookup(name).or_else(|| super::blocking::lookup_written(name))
    {
        Source::Catalogue(e)
    } else if user.names.iter().any(|n| n == name) {
        Source::UserName
    } else {
        return heuristic(name);
    };
    Some(match source {
        Source::UserEntry(e) => describe(
            name,
            &format!("your `blocking-calls` entry `{}`", e.pattern),
            e,
        ),
        Source::Catalogue(e) => describe(name, &format!("catalogue entry `{}`", e.pattern), e),
        Source::UserName => describe(
            name,
            "named by you (`--blocking-call` or `extend-blocking-calls`)",
            &super::blocking::named(name),
        ),
    })
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
