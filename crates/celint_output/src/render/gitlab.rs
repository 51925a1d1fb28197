//! `--output-format gitlab`: GitLab Code Quality JSON.

use serde_json::json;

use celint_linter::diagnostic::{Diagnostic, Severity};

pub fn render(diagnostics: &[Diagnostic]) -> String {
    let prints = super::fingerprint::fingerprints(diagnostics);
    let items: Vec<serde_json::Value> = diagnostics
        .iter()
        .zip(prints)
        .map(|(d, fingerprint)| {
            json!({
                "description": format!("{}: {}", d.rule.code(), d.message),
                "check_name": d.rule.code(),
                "fingerprint": fingerprint,
                "severity": match d.severity() {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                },
                "location": {
                    "path": d.file.display,
                    "lines": { "begin": d.start().row, "end": d.end().row },
                },
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_string());
    s.push('\n');
    s
}
