//! Output formats. Each renderer reads findings only.

pub mod concise;
pub mod fingerprint;
pub mod fix_diff;
pub mod full;
pub mod github;
pub mod gitlab;
pub mod json;
pub mod json_lines;
pub mod junit;
pub mod pylint;
pub mod sarif;

use celint_linter::diagnostic::{Applicability, Diagnostic, Severity};
use celint_linter::fix::FixOutcome;

/// What the summary line says beyond the counts.
#[derive(Debug, Default, Clone)]
pub struct SummaryOptions {
    /// `--unsafe-fixes` was given.
    pub unsafe_fixes: bool,
    /// In a `--fix` run: how many problems were fixed.
    pub fixed: Option<usize>,
    /// Where SARIF URIs are relative to (the repository root).
    pub root: std::path::PathBuf,
    /// How many paths could not be read (reported on standard error).
    pub unreadable: usize,
    /// `-q`: the findings only, no summary.
    pub quiet: bool,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum OutputFormat {
    /// Rustc-style snippets, the call trace as notes, the fix as help
    Full,
    /// `path:line:col: CODE message`, one per line
    Concise,
    /// A JSON array, one object per finding (Ruff's field names)
    Json,
    /// One JSON object per line
    JsonLines,
    /// GitHub Actions workflow commands (annotations on the pull request)
    Github,
    /// SARIF 2.1.0 (code scanning)
    Sarif,
    /// GitLab Code Quality
    Gitlab,
    /// JUnit XML
    Junit,
    /// `path:line: [CODE] message`
    Pylint,
}

impl OutputFormat {
    pub fn parse(s: &str) -> Option<OutputFormat> {
        <OutputFormat as clap::ValueEnum>::from_str(s, true).ok()
    }
}

pub fn render(
    format: OutputFormat,
    diagnostics: &[Diagnostic],
    color: bool,
    options: &SummaryOptions,
) -> String {
    match format {
        OutputFormat::Full => full::render(diagnostics, color, options),
        OutputFormat::Concise => concise::render(diagnostics, color, options),
        OutputFormat::Json => json::render(diagnostics),
        OutputFormat::JsonLines => json_lines::render(diagnostics),
        OutputFormat::Github => github::render(diagnostics),
        OutputFormat::Sarif => sarif::render(diagnostics, &options.root),
        OutputFormat::Gitlab => gitlab::render(diagnostics),
        OutputFormat::Junit => junit::render(diagnostics),
        OutputFormat::Pylint => pylint::render(diagnostics),
    }
}

/// One row of `--statistics --output-format json`, fields in Ruff's order.
#[derive(serde::Serialize)]
struct Statistic {
    code: &'static str,
    name: &'static str,
    count: usize,
    fixable: bool,
}

/// `--statistics`: how many findings of each rule, and whether `--fix` (with
/// `--unsafe-fixes`, unsafe fixes too) can fix some of them. `json` is an array of
/// `{code, name, count, fixable}`, most frequent first (Ruff's shape); other formats a table.
pub fn statistics(format: OutputFormat, diagnostics: &[Diagnostic], unsafe_fixes: bool) -> String {
    let mut counts: std::collections::BTreeMap<celint_linter::rules::Rule, (usize, bool)> =
        std::collections::BTreeMap::new();
    for d in diagnostics {
        let e = counts.entry(d.rule).or_insert((0, false));
        e.0 += 1;
        e.1 |= celint_linter::fix::applicable(d, unsafe_fixes);
    }
    if format == OutputFormat::Json {
        let mut rows: Vec<_> = counts.into_iter().collect();
        // Stable: rules of equal count stay in code order.
        rows.sort_by_key(|(_, (n, _))| std::cmp::Reverse(*n));
        let rows: Vec<Statistic> = rows
            .into_iter()
            .map(|(rule, (count, fixable))| Statistic {
                code: rule.code(),
                name: rule.name(),
                count,
                fixable,
            })
            .collect();
        let mut s = serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".to_string());
        s.push('\n');
        return s;
    }
    let mut out = String::new();
    for (rule, (n, fixable)) in counts {
        out.push_str(&format!(
            "{n:>5}\t{}\t{}{}\n",
            rule.code(),
            if fixable { "[*] " } else { "" },
            rule.name()
        ));
    }
    out
}

/// "Found 3 problems (2 errors, 1 warning)." or "All checks passed!", then what `--fix` can do.
pub fn summary(diagnostics: &[Diagnostic], options: &SummaryOptions) -> String {
    let mut out = match options.fixed {
        Some(fixed) if fixed > 0 => format!(
            "Found {} ({fixed} fixed, {} remaining).",
            plural(diagnostics.len() + fixed, "problem"),
            diagnostics.len()
        ),
        _ if diagnostics.is_empty() && options.unreadable > 0 => format!(
            "No problems found, but {} could not be read.",
            plural(options.unreadable, "path")
        ),
        _ if diagnostics.is_empty() => "All checks passed!".to_string(),
        _ => {
            let errors = diagnostics
                .iter()
                .filter(|d| d.severity() == Severity::Error)
                .count();
            let warnings = diagnostics.len() - errors;
            format!(
                "Found {} ({}, {}).",
                plural(diagnostics.len(), "problem"),
                plural(errors, "error"),
                plural(warnings, "warning")
            )
        }
    };
    let count = |a: Applicability| {
        diagnostics
            .iter()
            .filter(|d| {
                d.fix
                    .as_ref()
                    .is_some_and(|f| f.applicability == a && !f.edits.is_empty())
                    && d.file.module.as_ref().is_some_and(|m| m.linted)
            })
            .count()
    };
    let (safe, unsafe_) = (count(Applicability::Safe), count(Applicability::Unsafe));
    let fixable = if options.unsafe_fixes {
        safe + unsafe_
    } else {
        safe
    };
    let hidden = if options.unsafe_fixes { 0 } else { unsafe_ };
    if fixable == 0 && hidden > 0 {
        out.push_str(&format!(
            "\nNo fixes available ({hidden} hidden fix{} can be enabled with the `--unsafe-fixes` option).",
            if hidden == 1 { "" } else { "es" }
        ));
    } else if fixable > 0 {
        out.push_str(&format!("\n[*] {fixable} fixable with the `--fix` option"));
        if hidden > 0 {
            out.push_str(&format!(
                " ({hidden} hidden fix{} can be enabled with the `--unsafe-fixes` option)",
                if hidden == 1 { "" } else { "es" }
            ));
        }
        out.push('.');
    }
    out
}

/// `--show-fixes`: what `--fix` changed, per file and rule.
pub fn fixes_list(outcome: &FixOutcome) -> String {
    if outcome.total() == 0 {
        return String::new();
    }
    let mut out = format!("\nFixed {}:\n", plural(outcome.total(), "problem"));
    for (file, rules) in &outcome.counts {
        out.push_str(&format!("- {file}:\n"));
        let mut sorted = rules.clone();
        sorted.sort();
        let mut i = 0;
        while let Some(rule) = sorted.get(i) {
            let n = sorted.iter().filter(|r| *r == rule).count();
            out.push_str(&format!("    {n} x {} ({})\n", rule.code(), rule.name()));
            i += n;
        }
    }
    out
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
