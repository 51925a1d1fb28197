//! `--output-format json`: Ruff's field names, plus `severity` and `trace`.

use serde::Serialize;

use celint_linter::diagnostic::{Diagnostic, FileRef};
use celint_syntax::source::Position;

#[derive(Serialize)]
struct Location {
    row: usize,
    column: usize,
}

impl From<Position> for Location {
    fn from(p: Position) -> Self {
        Location {
            row: p.row,
            column: p.column,
        }
    }
}

#[derive(Serialize)]
struct JsonEdit {
    content: String,
    location: Location,
    end_location: Location,
}

#[derive(Serialize)]
struct JsonFix {
    applicability: &'static str,
    message: String,
    edits: Vec<JsonEdit>,
}

#[derive(Serialize)]
struct JsonTrace {
    filename: String,
    row: usize,
    column: usize,
    note: String,
}

#[derive(Serialize)]
struct JsonDiagnostic {
    code: &'static str,
    name: &'static str,
    message: String,
    severity: &'static str,
    filename: String,
    location: Location,
    end_location: Location,
    fix: Option<JsonFix>,
    url: Option<String>,
    notes: Vec<String>,
    trace: Vec<JsonTrace>,
}

fn pos(file: &FileRef, offset: u32) -> Location {
    file.position(offset).into()
}

/// Each diagnostic as a JSON value (shared with `json-lines`).
pub fn values(diagnostics: &[Diagnostic]) -> Vec<serde_json::Value> {
    items(diagnostics)
        .iter()
        .filter_map(|i| serde_json::to_value(i).ok())
        .collect()
}

pub fn render(diagnostics: &[Diagnostic]) -> String {
    let items = items(diagnostics);
    // Serialising plain data cannot fail.
    let mut s = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_string());
    s.push('\n');
    s
}

fn items(diagnostics: &[Diagnostic]) -> Vec<JsonDiagnostic> {
    diagnostics
        .iter()
        .map(|d| JsonDiagnostic {
            code: d.rule.code(),
            name: d.rule.name(),
            message: d.message.clone(),
            severity: d.severity().as_str(),
            filename: d.file.display.clone(),
            location: d.start().into(),
            end_location: d.end().into(),
            fix: d.fix.as_ref().map(|f| JsonFix {
                applicability: f.applicability.as_str(),
                message: f.message.clone(),
                edits: f
                    .edits
                    .iter()
                    .map(|e| JsonEdit {
                        content: e.content.clone(),
                        location: pos(&d.file, e.span.start),
                        end_location: pos(&d.file, e.span.end),
                    })
                    .collect(),
            }),
            url: d.rule.url(),
            notes: d.notes.clone(),
            trace: d
                .trace
                .iter()
                .map(|t| {
                    let p = t.file.position(t.span.start);
                    JsonTrace {
                        filename: t.file.display.clone(),
                        row: p.row,
                        column: p.column,
                        note: t.note.clone(),
                    }
                })
                .collect(),
        })
        .collect()
}
