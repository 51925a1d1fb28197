//! celint's findings as LSP diagnostics: the range in the negotiated encoding, the rule's code
//! and severity, the message with its notes, and the trace as related information an editor
//! can jump along.

use std::hash::{Hash, Hasher};
use std::path::Path;

use celint_linter::diagnostic::{Diagnostic, FileRef, Severity};
use celint_syntax::Span;
use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Position, Range, Url,
};

use crate::convert::{self, Encoding};
use crate::engine;

pub const SOURCE: &str = "celint";

/// A file's URI, from its path.
pub fn uri(path: &Path) -> Option<Url> {
    Url::from_file_path(path).ok()
}

/// The range of `span` in `file`'s text as the finding saw it.
pub fn span_range(file: &FileRef, span: Span, enc: Encoding) -> Range {
    match engine::text_of(file) {
        Some(text) => convert::range(text, span.start as usize, span.end as usize, enc),
        None => Range::default(),
    }
}

/// The finding's range. A file that could not be decoded has no text to count in: its
/// position (line, byte column) is the best there is.
pub fn range(d: &Diagnostic, enc: Encoding) -> Range {
    match (engine::text_of(&d.file), d.position) {
        (Some(_), _) => span_range(&d.file, d.span, enc),
        (None, Some(p)) => {
            let at = Position::new(
                p.row.saturating_sub(1) as u32,
                p.column.saturating_sub(1) as u32,
            );
            Range::new(at, at)
        }
        (None, None) => Range::default(),
    }
}

/// The message, then each note on a line of its own: a note is part of what the finding says
/// (why, where the timeout comes from, where the finding's own place is), and related
/// information, a list of places, would show it apart from the message, or not at all in the
/// editors that only show the message.
fn message(d: &Diagnostic) -> String {
    let mut out = d.message.clone();
    for note in &d.notes {
        out.push_str("\nnote: ");
        out.push_str(note);
    }
    out
}

/// The places of the trace (each call from the handler on, the handler first), then the other
/// places the finding draws on.
fn related(d: &Diagnostic, enc: Encoding) -> Vec<DiagnosticRelatedInformation> {
    let trace = d.trace.iter().filter_map(|t| {
        Some(DiagnosticRelatedInformation {
            location: Location::new(
                uri(&engine::path_of(&t.file))?,
                span_range(&t.file, t.span, enc),
            ),
            message: t.note.clone(),
        })
    });
    let places = d.related.iter().filter_map(|p| {
        Some(DiagnosticRelatedInformation {
            location: Location::new(
                uri(&engine::path_of(&p.file))?,
                span_range(&p.file, p.span, enc),
            ),
            message: place_message(&p.file, p.span),
        })
    });
    trace.chain(places).collect()
}

/// A place the finding draws on, named by its code (its first line, shortened).
fn place_message(file: &FileRef, span: Span) -> String {
    let code = engine::text_of(file)
        .and_then(|t| t.get(span.start as usize..span.end as usize))
        .and_then(|t| t.lines().next())
        .map(str::trim)
        .unwrap_or("");
    match code.chars().count() {
        0 => "a place this finding draws on".to_string(),
        1..=80 => format!("`{code}`"),
        _ => format!("`{}...`", code.chars().take(77).collect::<String>()),
    }
}

pub fn to_lsp(d: &Diagnostic, enc: Encoding) -> lsp_types::Diagnostic {
    let related = related(d, enc);
    lsp_types::Diagnostic {
        range: range(d, enc),
        severity: Some(match d.severity() {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.rule.code().to_string())),
        // Only a real page: none while celint has no public home.
        code_description: engine::home()
            .and_then(|_| d.rule.url())
            .and_then(|u| Url::parse(&u).ok())
            .map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_string()),
        message: message(d),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// An identifier for a list of diagnostics: equal lists, equal identifiers (pull
/// diagnostics' `resultId`).
pub fn result_id(items: &[lsp_types::Diagnostic]) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_string(items)
        .unwrap_or_default()
        .hash(&mut h);
    format!("{:016x}", h.finish())
}
