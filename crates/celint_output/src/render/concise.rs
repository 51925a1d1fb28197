//! `--output-format concise`: one line per finding, `path:row:col: CODE message`, coloured on
//! a terminal as Ruff colours it (bold path, cyan separators, bold red code).

use anstyle::{AnsiColor, Style};

use celint_linter::diagnostic::Diagnostic;

pub fn render(diagnostics: &[Diagnostic], color: bool, options: &super::SummaryOptions) -> String {
    let paint = |style: Style, text: &str| {
        if color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    };
    let bold = Style::new().bold();
    let sep = paint(AnsiColor::Cyan.on_default(), ":");
    let code = AnsiColor::Red.on_default().bold();
    let mut out = String::new();
    for d in diagnostics {
        let p = d.start();
        out.push_str(&format!(
            "{}{sep}{}{sep}{}{sep} {} {}\n",
            paint(bold, &d.file.display),
            p.row,
            p.column,
            paint(code, d.rule.code()),
            d.message
        ));
    }
    if !options.quiet {
        out.push_str(&super::summary(diagnostics, options));
        out.push('\n');
    }
    out
}
