//! CEL000 syntax-error: a file that cannot be decoded, or does not parse. Not a per-handler
//! check: the pipeline asks for these once it has read the files (`run_with`, `check_source`).

use std::sync::Arc;

use crate::diagnostic::{Diagnostic, FileRef};
use crate::rules::Rule;
use celint_project::project::ModuleData;
use celint_syntax::source::DecodeError;
use celint_syntax::Span;

/// CEL000 for a file that could not be decoded, at the first bad byte.
pub fn decode_diagnostic(display: String, error: &DecodeError) -> Diagnostic {
    let file = FileRef {
        display,
        module: None,
    };
    let mut d = Diagnostic::new(Rule::SyntaxError, file, Span::default(), error.to_string());
    d.position = Some(error.position());
    d
}

/// CEL000 for a decoded module that does not parse: the first error, as CPython would report.
pub fn parse_diagnostic(m: &Arc<ModuleData>) -> Option<Diagnostic> {
    let file = FileRef {
        display: m.source.display.clone(),
        module: Some(m.clone()),
    };
    // CPython refuses a NUL byte before anything else, and says so.
    if let Some(nul) = m.source.text.find('\0') {
        let at = Span::new(nul as u32, nul as u32 + 1);
        let message = "SyntaxError: source code cannot contain null bytes".to_string();
        return Some(Diagnostic::new(Rule::SyntaxError, file, at, message));
    }
    let e = m.parsed.errors.first()?;
    let message = format!("SyntaxError: {}", printable(&e.message));
    Some(Diagnostic::new(Rule::SyntaxError, file, e.span, message))
}

/// A message with control characters (which a parser may quote from the input) escaped, so
/// that no output format ever carries a raw NUL or escape sequence.
fn printable(message: &str) -> String {
    message
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            printable("bad \u{1b}[31m\0 x\ny"),
            "bad \\u{1b}[31m\\u{0} x\ny"
        );
    }
}
