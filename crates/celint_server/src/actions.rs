//! Code actions: each finding's fix at its applicability, "add `# noqa: CELnnn`" as
//! `--add-noqa` places it, and "fix all safe celint fixes" as `celint --fix` makes them.

use std::collections::HashMap;

use celint_linter::diagnostic::{Applicability, Diagnostic, Edit};
use celint_linter::rules::Rule;
use lsp_types::{
    CodeAction, CodeActionDisabled, CodeActionKind, CodeActionOrCommand, DocumentChanges, OneOf,
    OptionalVersionedTextDocumentIdentifier, Range, TextDocumentEdit, TextEdit, Url, WorkspaceEdit,
};

use crate::convert::{self, Encoding};
use crate::diagnostics;
use crate::engine;

/// `source.fixAll.celint`: the kind editors run on save for "fix all" (`source.fixAll`).
pub fn fix_all_kind() -> CodeActionKind {
    CodeActionKind::new("source.fixAll.celint")
}

/// The document the actions are for, and what the client can take.
pub struct Target<'a> {
    pub uri: &'a Url,
    pub version: Option<i32>,
    /// The document's text now: edits are made only from findings made on this text.
    pub text: &'a str,
    pub enc: Encoding,
    /// The client takes `documentChanges` (edits checked against the document's version).
    pub document_changes: bool,
    /// The client shows disabled actions (a display-only fix, which has no edit).
    pub disabled_support: bool,
}

impl Target<'_> {
    fn text_edits(&self, edits: &[Edit]) -> Vec<TextEdit> {
        let mut out: Vec<TextEdit> = edits
            .iter()
            .map(|e| TextEdit {
                range: convert::range(
                    self.text,
                    e.span.start as usize,
                    e.span.end as usize,
                    self.enc,
                ),
                new_text: e.content.clone(),
            })
            .collect();
        out.sort_by_key(|e| (e.range.start.line, e.range.start.character));
        out
    }

    pub fn workspace_edit(&self, edits: Vec<TextEdit>) -> WorkspaceEdit {
        if self.document_changes {
            let doc = TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri: self.uri.clone(),
                    version: self.version,
                },
                edits: edits.into_iter().map(OneOf::Left).collect(),
            };
            WorkspaceEdit {
                document_changes: Some(DocumentChanges::Edits(vec![doc])),
                ..WorkspaceEdit::default()
            }
        } else {
            WorkspaceEdit {
                changes: Some(HashMap::from([(self.uri.clone(), edits)])),
                ..WorkspaceEdit::default()
            }
        }
    }

    /// Whether `d` was made from the document's text as it is now.
    fn current(&self, d: &Diagnostic) -> bool {
        engine::text_of(&d.file) == Some(self.text)
    }
}

/// Whether the client asked for actions of `kind` (`only` lists kinds and their parents).
pub fn wants(only: Option<&[CodeActionKind]>, kind: &CodeActionKind) -> bool {
    only.is_none_or(|only| {
        only.iter().any(|k| {
            kind.as_str() == k.as_str()
                || kind
                    .as_str()
                    .strip_prefix(k.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    })
}

fn overlaps(a: Range, b: Range) -> bool {
    let key = |p: lsp_types::Position| (p.line, p.character);
    key(a.start) <= key(b.end) && key(b.start) <= key(a.end)
}

/// The fix of one finding, at its applicability.
fn fix_action(t: &Target, d: &Diagnostic, lsp: &lsp_types::Diagnostic) -> Option<CodeAction> {
    let fix = d.fix.as_ref()?;
    let mut action = CodeAction {
        title: format!("celint ({}): {}", d.rule.code(), fix.message),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![lsp.clone()]),
        ..CodeAction::default()
    };
    match fix.applicability {
        Applicability::Safe | Applicability::Unsafe => {
            if fix.edits.is_empty() || !t.current(d) {
                return None;
            }
            action.edit = Some(t.workspace_edit(t.text_edits(&fix.edits)));
            if fix.applicability == Applicability::Safe {
                action.is_preferred = Some(true);
            } else {
                action.title.push_str(" (unsafe)");
                action.is_preferred = Some(false);
            }
        }
        Applicability::DisplayOnly => {
            if !t.disabled_support {
                return None;
            }
            action.disabled = Some(CodeActionDisabled {
                reason: "display-only: celint shows this fix but never applies it".to_string(),
            });
        }
    }
    Some(action)
}

/// "Add `# noqa: CELnnn`" for one finding.
fn noqa_action(t: &Target, d: &Diagnostic, lsp: &lsp_types::Diagnostic) -> Option<CodeAction> {
    if d.rule == Rule::SyntaxError || !t.current(d) {
        return None;
    }
    let edits = engine::noqa_edits(d);
    if edits.is_empty() {
        return None;
    }
    Some(CodeAction {
        title: format!("Add `# noqa: {}`", d.rule.code()),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![lsp.clone()]),
        edit: Some(t.workspace_edit(t.text_edits(&edits))),
        is_preferred: Some(false),
        ..CodeAction::default()
    })
}

/// The quick fixes for the findings whose range meets `range`.
pub fn quick_fixes(
    t: &Target,
    found: &[Diagnostic],
    range: Range,
    only: Option<&[CodeActionKind]>,
) -> Vec<CodeActionOrCommand> {
    if !wants(only, &CodeActionKind::QUICKFIX) {
        return Vec::new();
    }
    let mut fixes = Vec::new();
    let mut noqas = Vec::new();
    for d in found {
        let lsp = diagnostics::to_lsp(d, t.enc);
        if !overlaps(lsp.range, range) {
            continue;
        }
        fixes.extend(fix_action(t, d, &lsp));
        noqas.extend(noqa_action(t, d, &lsp));
    }
    fixes
        .into_iter()
        .chain(noqas)
        .map(CodeActionOrCommand::CodeAction)
        .collect()
}

/// Whether a finding whose range meets `range` has a safe fix.
pub fn has_safe_fix(found: &[Diagnostic], range: Range, enc: Encoding) -> bool {
    found.iter().any(|d| {
        d.fix
            .as_ref()
            .is_some_and(|f| f.applicability == Applicability::Safe && !f.edits.is_empty())
            && overlaps(diagnostics::range(d, enc), range)
    })
}

/// "Fix all safe celint fixes": the document's text replaced by the fixed one.
pub fn fix_all(t: &Target, fixed: String) -> CodeActionOrCommand {
    let edit = TextEdit {
        range: convert::whole(t.text, t.enc),
        new_text: fixed,
    };
    CodeActionOrCommand::CodeAction(CodeAction {
        title: "Fix all safe celint fixes".to_string(),
        kind: Some(fix_all_kind()),
        edit: Some(t.workspace_edit(vec![edit])),
        ..CodeAction::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_match_their_parents() {
        let fix_all = fix_all_kind();
        assert!(wants(None, &fix_all));
        assert!(wants(Some(&[CodeActionKind::SOURCE]), &fix_all));
        assert!(wants(Some(&[CodeActionKind::SOURCE_FIX_ALL]), &fix_all));
        assert!(wants(Some(&[fix_all_kind()]), &fix_all));
        assert!(!wants(Some(&[CodeActionKind::QUICKFIX]), &fix_all));
        assert!(!wants(Some(&[CodeActionKind::new("sour")]), &fix_all));
        assert!(wants(
            Some(&[CodeActionKind::QUICKFIX]),
            &CodeActionKind::QUICKFIX
        ));
    }
}
