//! `--output-format pylint`: `path:line: [CODE] message`, as Ruff writes it.

use celint_linter::diagnostic::Diagnostic;

pub fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&format!(
            "{}:{}: [{}] {}\n",
            d.file.display,
            d.start().row,
            d.rule.code(),
            d.message
        ));
    }
    out
}
