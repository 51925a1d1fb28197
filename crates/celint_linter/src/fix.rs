//! Fix edits: which fixes apply, and non-overlapping edits applied to a text in memory (an edit
//! two fixes share, such as the same import added, once). The passes that re-lint until nothing
//! is left to fix are the engine's (`celint_engine::fix_all`); writing is `celint_output::write`'s.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::diagnostic::{Applicability, Diagnostic, Edit};
use crate::rules::Rule;

/// What a `--fix` run did.
#[derive(Debug, Default)]
pub struct FixOutcome {
    /// Fixed texts, by file (canonical path), and the shown path.
    pub fixed: BTreeMap<PathBuf, (String, String)>,
    /// How many findings each file had fixed, by rule.
    pub counts: BTreeMap<String, Vec<Rule>>,
    /// Files whose fix would have broken the syntax: left as they were.
    pub broken: Vec<String>,
}

impl FixOutcome {
    pub fn total(&self) -> usize {
        self.counts.values().map(Vec::len).sum()
    }
}

pub fn applicable(d: &Diagnostic, unsafe_fixes: bool) -> bool {
    let Some(fix) = &d.fix else { return false };
    if fix.edits.is_empty() {
        return false;
    }
    // Only files given to celint are changed.
    if !d.file.module.as_ref().is_some_and(|m| m.linted) {
        return false;
    }
    match fix.applicability {
        Applicability::Safe => true,
        Applicability::Unsafe => unsafe_fixes,
        Applicability::DisplayOnly => false,
    }
}

/// Applies `edits` (sorted, overlapping ones after the first dropped, identical ones merged).
/// Returns the new text and which of the fixes (by index) were applied whole.
pub fn apply(text: &str, fixes: &[Vec<Edit>]) -> (String, Vec<usize>) {
    let mut chosen: Vec<&Edit> = Vec::new();
    let mut applied = Vec::new();
    'fixes: for (i, edits) in fixes.iter().enumerate() {
        let mut mine: Vec<&Edit> = Vec::new();
        for e in edits {
            if chosen.contains(&e) {
                // The same import added by two fixes: once is enough.
                continue;
            }
            let overlaps = chosen.iter().chain(mine.iter()).any(|c| {
                (e.span.start < c.span.end && c.span.start < e.span.end)
                    || (e.span.start == c.span.start && e.span.end == c.span.end)
                    || (e.span.start == e.span.end && e.span.start == c.span.start)
                    || (c.span.start == c.span.end && c.span.start == e.span.start)
            });
            if overlaps {
                continue 'fixes;
            }
            mine.push(e);
        }
        chosen.extend(mine);
        applied.push(i);
    }
    chosen.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut pos = 0usize;
    for e in chosen {
        let start = (e.span.start as usize).min(text.len());
        let end = (e.span.end as usize).clamp(start, text.len());
        if start < pos || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            continue;
        }
        out.push_str(text.get(pos..start).unwrap_or(""));
        out.push_str(&e.content);
        pos = end;
    }
    out.push_str(text.get(pos..).unwrap_or(""));
    (out, applied)
}
