//! Output formats. Each renderer reads findings only.

pub mod concise;
pub mod full;
pub mod json;

use crate::diagnostic::{Diagnostic, Severity};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// rustc-style snippets, trace as notes, fix as help
    Full,
    /// `path:line:col: CODE message`, one per line
    Concise,
    /// A JSON array, one object per finding (Ruff's field names)
    Json,
}

pub fn render(format: OutputFormat, diagnostics: &[Diagnostic], color: bool) -> String {
    match format {
        OutputFormat::Full => full::render(diagnostics, color),
        OutputFormat::Concise => concise::render(diagnostics),
        OutputFormat::Json => json::render(diagnostics),
    }
}

/// "Found 3 problems (2 errors, 1 warning)." or "All checks passed!".
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    if diagnostics.is_empty() {
        return "All checks passed!".to_string();
    }
    let errors = diagnostics
        .iter()
        .filter(|d| d.rule.severity() == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    format!(
        "Found {} ({}, {}).",
        plural(diagnostics.len(), "problem"),
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// "reached from worker_process_init handler `boot` (app/worker.py:12) via `load()`
/// (app/worker.py:14)"
pub fn trace_line(d: &Diagnostic) -> Option<String> {
    let (first, rest) = d.trace.split_first()?;
    let mut s = format!(
        "{} ({}:{})",
        first.note,
        first.file.display,
        first.file.position(first.span.start).row
    );
    for t in rest {
        s.push_str(&format!(
            " {} ({}:{})",
            t.note,
            t.file.display,
            t.file.position(t.span.start).row
        ));
    }
    Some(s)
}
