//! A fix shown as a diff of the lines it changes, as Ruff shows one (old and new line numbers,
//! `-` and `+`): the snippet renderer draws only the resulting lines, so a line a fix deletes
//! (an import it leaves unused) would not show at all.

use anstyle::{AnsiColor, Style};
use similar::{ChangeTag, TextDiff};

use celint_linter::diagnostic::Edit;

/// Lines of context around each change.
const CONTEXT: usize = 1;

/// The diff of `text` with `edits` applied, or `None` when they change nothing.
pub fn render(text: &str, edits: &[Edit], color: bool) -> Option<String> {
    let (fixed, applied) = celint_linter::fix::apply(text, &[edits.to_vec()]);
    if applied.is_empty() || fixed == text {
        return None;
    }
    let diff = TextDiff::from_lines(text, &fixed);
    let width = text
        .lines()
        .count()
        .max(fixed.lines().count())
        .to_string()
        .len();
    let paint = |style: Style, line: String| match color {
        true => format!("{style}{line}{style:#}"),
        false => line,
    };
    let (red, green) = (AnsiColor::Red.on_default(), AnsiColor::Green.on_default());
    let mut out = String::new();
    for (i, group) in diff.grouped_ops(CONTEXT).iter().enumerate() {
        if i > 0 {
            out.push_str(&format!("{:width$} {:width$} ...\n", "", ""));
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let number = |n: Option<usize>| n.map(|n| (n + 1).to_string()).unwrap_or_default();
                let (old, new) = (number(change.old_index()), number(change.new_index()));
                let body = change.value().trim_end_matches(['\n', '\r']);
                let line = match change.tag() {
                    ChangeTag::Equal => format!("{old:>width$} {new:>width$} | {body}"),
                    ChangeTag::Delete => {
                        paint(red, format!("{old:>width$} {:>width$} |-{body}", ""))
                    }
                    ChangeTag::Insert => {
                        paint(green, format!("{:>width$} {new:>width$} |+{body}", ""))
                    }
                };
                out.push_str(line.trim_end());
                out.push('\n');
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use celint_syntax::Span;

    #[test]
    fn a_deleted_line_shows() {
        let text = "import shutil\nimport sys\n\nsys.exit(1)\n";
        let edits = vec![
            Edit {
                span: Span::new(14, 25),
                content: String::new(),
            },
            Edit {
                span: Span::new(26, 37),
                content: "raise SystemExit(1)".to_string(),
            },
        ];
        assert_eq!(
            render(text, &edits, false).as_deref(),
            Some("1 1 | import shutil\n2   |-import sys\n3 2 |\n4   |-sys.exit(1)\n  3 |+raise SystemExit(1)\n")
        );
        assert_eq!(render(text, &[], false), None);
    }
}
