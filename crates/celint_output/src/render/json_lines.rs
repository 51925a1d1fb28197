//! `--output-format json-lines`: one JSON object per line, the fields of `json`.

use celint_linter::diagnostic::Diagnostic;

pub fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for value in super::json::values(diagnostics) {
        out.push_str(&value.to_string());
        out.push('\n');
    }
    out
}
