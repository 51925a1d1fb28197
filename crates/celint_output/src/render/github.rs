//! `--output-format github`: workflow commands that GitHub Actions turns into annotations on
//! the pull request.

use celint_linter::diagnostic::{Diagnostic, Severity};

/// Data after `::`: `%`, CR and LF escaped.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Property values: also `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let level = match d.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let (start, end) = (d.start(), d.end());
        let title = format!("celint ({}: {})", d.rule.code(), d.rule.name());
        let mut props = format!(
            "title={},file={},line={},endLine={}",
            escape_property(&title),
            escape_property(&d.file.display),
            start.row,
            end.row
        );
        // GitHub uses columns only for annotations on one line.
        if start.row == end.row {
            props.push_str(&format!(",col={},endColumn={}", start.column, end.column));
        }
        let mut message = format!("{} {}", d.rule.code(), d.message);
        // The annotation is all a reviewer sees on the pull request: why (the notes) and the
        // chain of calls, under the one-line message.
        for note in &d.notes {
            message.push('\n');
            message.push_str(note);
        }
        if let Some(trace) = super::trace_line(d) {
            message.push('\n');
            message.push_str(&trace);
        }
        out.push_str(&format!("::{level} {props}::{}\n", escape_data(&message)));
    }
    out
}
