//! The Python parser, behind one small API. `ruff_python_parser` and `ruff_python_ast` are internal
//! to Ruff and change between releases; nothing outside this module names their types.

pub mod ir;
mod lower;
pub mod visitor;

use ruff_python_ast::token::TokenKind;
use ruff_python_ast::PySourceType;
use ruff_text_size::Ranged;

pub use ir::Span;

/// A parse error, positioned in the decoded text.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
}

/// One parsed file: the lowered tree (complete even when there are errors: the parser recovers),
/// the errors, and the ranges of every comment (for `# noqa`).
#[derive(Debug)]
pub struct Parsed {
    pub module: ir::Module,
    pub errors: Vec<SyntaxError>,
    pub comments: Vec<Span>,
}

pub fn parse(text: &str, is_stub: bool) -> Parsed {
    let source_type = if is_stub {
        PySourceType::Stub
    } else {
        PySourceType::Python
    };
    let parsed = ruff_python_parser::parse_unchecked_source(text, source_type);
    let errors = parsed
        .errors()
        .iter()
        .map(|e| SyntaxError {
            span: Span::new(e.location.start().to_u32(), e.location.end().to_u32()),
            message: e.error.to_string(),
        })
        .collect();
    let comments = parsed
        .tokens()
        .iter()
        .filter(|t| t.kind() == TokenKind::Comment)
        .map(|t| Span::new(t.start().to_u32(), t.end().to_u32()))
        .collect();
    let module = lower::lower_module(&parsed.syntax().body);
    Parsed {
        module,
        errors,
        comments,
    }
}
