//! Findings, as the renderers and the fixer see them.

use std::sync::Arc;

use crate::rules::Rule;
use celint_project::project::ModuleData;
use celint_syntax::source::Position;
use celint_syntax::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Ruff's fix applicability levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Applicability {
    /// Shown, never applied.
    DisplayOnly,
    /// Applied with `--unsafe-fixes`.
    Unsafe,
    /// Applied with `--fix`.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::DisplayOnly => "display-only",
        }
    }
}

/// Replace `span` of the finding's file by `content`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub content: String,
}

#[derive(Clone, Debug)]
pub struct Fix {
    pub applicability: Applicability,
    pub message: String,
    pub edits: Vec<Edit>,
}

/// A file as findings refer to it: its shown path and, when it could be decoded, its module.
#[derive(Clone, Debug)]
pub struct FileRef {
    pub display: String,
    pub module: Option<Arc<ModuleData>>,
}

impl FileRef {
    pub fn position(&self, offset: u32) -> Position {
        match &self.module {
            Some(m) => m.source.position(offset),
            None => Position { row: 1, column: 1 },
        }
    }
}

/// One hop of the way from a handler to a finding.
#[derive(Clone, Debug)]
pub struct TraceEntry {
    pub file: FileRef,
    pub span: Span,
    pub note: String,
}

/// A place in a file.
#[derive(Clone, Debug)]
pub struct Place {
    pub file: FileRef,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub rule: Rule,
    pub file: FileRef,
    pub span: Span,
    pub message: String,
    /// Further explanation (estimate contributions, where the timeout came from).
    pub notes: Vec<String>,
    pub trace: Vec<TraceEntry>,
    /// Other places the finding draws on beyond its trace (the places CEL004's estimate adds
    /// up, the use a fork finding names): in project mode a finding is reported for a given
    /// file found here too, at that place.
    pub related: Vec<Place>,
    pub fix: Option<Fix>,
    /// For a file that could not be decoded (no text to map offsets in): where the problem is.
    pub position: Option<Position>,
    /// Lower than the rule's own severity for a form of the rule that is less certain
    /// (CEL013's handler module nothing visibly imports).
    pub severity: Option<Severity>,
}

impl Diagnostic {
    /// The finding's severity: its own where a rule's form says so, else the rule's.
    pub fn severity(&self) -> Severity {
        self.severity.unwrap_or_else(|| self.rule.severity())
    }

    pub fn new(rule: Rule, file: FileRef, span: Span, message: String) -> Self {
        let (message, whole) = crate::rules::text::first_line(&message);
        Diagnostic {
            rule,
            file,
            span,
            message,
            notes: whole.into_iter().collect(),
            trace: Vec::new(),
            related: Vec::new(),
            fix: None,
            position: None,
            severity: None,
        }
    }

    pub fn start(&self) -> Position {
        self.position
            .unwrap_or_else(|| self.file.position(self.span.start))
    }

    pub fn end(&self) -> Position {
        self.position
            .unwrap_or_else(|| self.file.position(self.span.end))
    }

    /// The order findings are reported in: file, line, column, code.
    pub fn sort_key(&self) -> (String, Position, &'static str) {
        (self.file.display.clone(), self.start(), self.rule.code())
    }
}
