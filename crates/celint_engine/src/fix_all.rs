//! Applying fixes over passes: choose the applicable ones, apply them in memory, remove the
//! imports the pass left unused, re-lint, repeat until nothing is left to fix (at most 10
//! passes), refuse any pass that would introduce a syntax error.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use celint_linter::diagnostic::{Diagnostic, Edit};
use celint_linter::fix::{applicable, apply, FixOutcome};
use celint_linter::rules::fixes::imports;
use celint_syntax::source::canonical;

use crate::{Engine, Report, Settings};

const MAX_PASSES: usize = 10;

/// An `__init__.py` or a stub: its imports may be re-exports, never removed.
fn may_reexport(path: &std::path::Path) -> bool {
    path.file_name().is_some_and(|n| n == "__init__.py")
        || path.extension().is_some_and(|e| e == "pyi")
}

/// Fixes in memory until no applicable fix is left. Returns the last lint report (what
/// remains) and what was fixed.
pub fn fix_all(settings: &Settings, unsafe_fixes: bool) -> (Report, FixOutcome) {
    // One engine for every pass: a pass re-analyses over the parses of the files it did not fix.
    let mut engine = crate::Engine::new(settings.clone());
    let out = passes(&mut engine, unsafe_fixes, None);
    if settings.leak_at_exit {
        std::mem::forget(engine);
    }
    out
}

/// The text of `file` with its findings' fixes applied as `celint --fix FILE` applies them,
/// over the engine's project (an editor's buffers included); `None` when nothing changes. The
/// engine is left with the texts it had.
pub fn fix_file(engine: &mut Engine, file: &Path, unsafe_fixes: bool) -> Option<String> {
    let key = canonical(file);
    let before = engine.overlay().get(&key).cloned();
    let (_, outcome) = passes(engine, unsafe_fixes, Some(&key));
    match before {
        Some(text) => engine.set_text(&key, text),
        None => engine.remove_text(&key),
    }
    outcome
        .fixed
        .into_iter()
        .find_map(|(path, (_, text))| (path == key).then_some(text))
}

/// The passes: each applies the applicable fixes of every file (of `only`, when given), then
/// checks again.
fn passes(engine: &mut Engine, unsafe_fixes: bool, only: Option<&Path>) -> (Report, FixOutcome) {
    let mut outcome = FixOutcome::default();
    let mut frozen: HashSet<PathBuf> = HashSet::new();
    let mut report = engine.check();
    for _ in 0..MAX_PASSES {
        // Fixes of each file, in report order.
        let mut per_file: BTreeMap<PathBuf, (String, String, Vec<&Diagnostic>)> = BTreeMap::new();
        for d in &report.diagnostics {
            if !applicable(d, unsafe_fixes) {
                continue;
            }
            let Some(m) = &d.file.module else { continue };
            let key = canonical(&m.source.path);
            if frozen.contains(&key) || only.is_some_and(|o| o != key) {
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
            let before = celint_syntax::parse(&text, false).errors.len();
            let after = celint_syntax::parse(&new_text, false).errors.len();
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
            engine.set_text(&key, new_text);
            changed = true;
        }
        if !changed {
            break;
        }
        report = engine.check();
    }
    (report, outcome)
}
