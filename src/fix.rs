//! Applying fixes: choose the applicable ones, apply non-overlapping edits in memory (an edit two
//! fixes share, such as the same import added, once), remove the imports the pass left unused,
//! re-lint, repeat until nothing is left to fix (at most 10 passes), refuse any pass that would
//! introduce a syntax error. Writing is `write.rs`'s.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use crate::diagnostic::{Applicability, Diagnostic, Edit};
use crate::project::canonical;
use crate::rules::fixes::imports;
use crate::rules::Rule;
use crate::{Overlay, Report, Settings};

const MAX_PASSES: usize = 10;

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

/// An `__init__.py` or a stub: its imports may be re-exports, never removed.
fn may_reexport(path: &std::path::Path) -> bool {
    path.file_name().is_some_and(|n| n == "__init__.py")
        || path.extension().is_some_and(|e| e == "pyi")
}

/// Fixes in memory until no applicable fix is left. Returns the last lint report (what
/// remains) and what was fixed.
pub fn fix_all(settings: &Settings, unsafe_fixes: bool) -> (Report, FixOutcome) {
    fix_all_with(settings, &Overlay::new(), unsafe_fixes)
}

/// [`fix_all`] over texts that stand in for files on disk (an editor's unsaved buffers).
pub fn fix_all_with(
    settings: &Settings,
    base: &Overlay,
    unsafe_fixes: bool,
) -> (Report, FixOutcome) {
    let mut overlay = base.clone();
    let mut outcome = FixOutcome::default();
    let mut frozen: HashSet<PathBuf> = HashSet::new();
    let mut report = crate::run_with(settings, &overlay);
    for _ in 0..MAX_PASSES {
        // Fixes of each file, in report order.
        let mut per_file: BTreeMap<PathBuf, (String, String, Vec<&Diagnostic>)> = BTreeMap::new();
        for d in &report.diagnostics {
            if !applicable(d, unsafe_fixes) {
                continue;
            }
            let Some(m) = &d.file.module else { continue };
            let key = canonical(&m.source.path);
            if frozen.contains(&key) {
                continue;
            }
            per_file
                .entry(key)
                .or_insert_with(|| (m.source.text.clone(), d.file.display.clone(), Vec::new()))
                .2
                .push(d);
        }
        if per_file.is_empty() {
            break;
        }
        let mut changed = false;
        for (key, (text, display, diags)) in per_file {
            let fixes: Vec<Vec<Edit>> = diags
                .iter()
                .filter_map(|d| d.fix.as_ref().map(|f| f.edits.clone()))
                .collect();
            let (mut new_text, applied) = apply(&text, &fixes);
            if new_text == text {
                continue;
            }
            // A fix removes the imports it alone leaves unused; those that several fixes of the
            // pass leave unused together (two `sys.exit` replaced) go here.
            if let Some(t) = imports::drop_unused(&text, &new_text, may_reexport(&key)) {
                new_text = t;
            }
            let before = crate::syntax::parse(&text, false).errors.len();
            let after = crate::syntax::parse(&new_text, false).errors.len();
            if after > before {
                outcome.broken.push(display);
                frozen.insert(key);
                continue;
            }
            let rules = outcome.counts.entry(display.clone()).or_default();
            rules.extend(applied.iter().filter_map(|i| diags.get(*i).map(|d| d.rule)));
            outcome
                .fixed
                .insert(key.clone(), (display, new_text.clone()));
            overlay.insert(key, new_text);
            changed = true;
        }
        if !changed {
            break;
        }
        report = crate::run_with(settings, &overlay);
    }
    (report, outcome)
}
