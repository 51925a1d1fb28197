//! celint's syntax layer: a file's text decoded (`source.rs`), and the Python parser behind one
//! small API. `ruff_python_parser` and `ruff_python_ast` are internal to Ruff and change between
//! releases; nothing outside this crate names their types: `parse()` lowers Ruff's tree into
//! `ir.rs`, celint's own small tree, and `visitor.rs` is the one walk over it.

// Input must never make celint panic: no unwrap, expect or unchecked indexing outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod ir;
mod lower;
pub mod source;
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

/// What a [`Word`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WordKind {
    /// An identifier that can refer to a binding (a soft keyword such as `type` included, names
    /// inside f-string replacement fields too).
    Name,
    /// An identifier right after a `.`: an attribute, never a use of a binding.
    Attribute,
    /// A plain string literal; `text` is its content between the quotes.
    Str,
}

/// A name or string in the source, as the tokenizer sees it.
#[derive(Clone, Debug)]
pub struct Word {
    pub kind: WordKind,
    pub span: Span,
    pub text: String,
}

/// Every identifier and plain string literal of `text`, in order: what could refer to a binding
/// by name (fixes use it to tell whether an import is still used). Comments and the literal
/// parts of f-strings are not words.
pub fn words(text: &str) -> Vec<Word> {
    let parsed = ruff_python_parser::parse_unchecked_source(text, PySourceType::Python);
    let mut out = Vec::new();
    let mut after_dot = false;
    for t in parsed.tokens().iter() {
        let kind = t.kind();
        if kind.is_trivia() {
            continue;
        }
        let span = Span::new(t.start().to_u32(), t.end().to_u32());
        let slice = text
            .get(t.start().to_usize()..t.end().to_usize())
            .unwrap_or("");
        if kind == TokenKind::Name || kind.is_soft_keyword() {
            out.push(Word {
                kind: if after_dot {
                    WordKind::Attribute
                } else {
                    WordKind::Name
                },
                span,
                text: slice.to_string(),
            });
        } else if kind == TokenKind::String {
            let body = slice.trim_start_matches(|c: char| c.is_ascii_alphabetic());
            let quotes = if body.starts_with("\"\"\"") || body.starts_with("'''") {
                3
            } else {
                1
            };
            let inner = body
                .get(quotes..body.len().saturating_sub(quotes))
                .unwrap_or("");
            out.push(Word {
                kind: WordKind::Str,
                span,
                text: inner.to_string(),
            });
        }
        after_dot = kind == TokenKind::Dot;
    }
    out
}
