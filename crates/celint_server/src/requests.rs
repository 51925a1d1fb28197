//! Requests from the client: code actions, hover, pull diagnostics (a document, the
//! workspace), and the debugging requests tests use.

use std::collections::HashMap;
use std::time::Duration;

use lsp_server::{ErrorCode, Request};
use lsp_types::{
    CodeActionParams, DocumentDiagnosticParams, DocumentDiagnosticReport,
    DocumentDiagnosticReportResult, FullDocumentDiagnosticReport, HoverParams,
    RelatedFullDocumentDiagnosticReport, RelatedUnchangedDocumentDiagnosticReport,
    UnchangedDocumentDiagnosticReport, WorkspaceDiagnosticParams, WorkspaceDiagnosticReport,
    WorkspaceDiagnosticReportResult, WorkspaceDocumentDiagnosticReport,
    WorkspaceFullDocumentDiagnosticReport, WorkspaceUnchangedDocumentDiagnosticReport,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::actions::{self, Target};
use crate::diagnostics;
use crate::hover;
use crate::server::Server;

pub type Failure = (ErrorCode, String);

fn params<P: DeserializeOwned>(req: Request) -> Result<P, Failure> {
    serde_json::from_value(req.params)
        .map_err(|e| (ErrorCode::InvalidParams, format!("{}: {e}", req.method)))
}

fn json(value: impl serde::Serialize) -> Result<Value, Failure> {
    serde_json::to_value(value).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}

impl Server {
    pub(crate) fn dispatch(&mut self, req: Request) -> Result<Value, Failure> {
        match req.method.as_str() {
            "textDocument/codeAction" => {
                let p = params(req)?;
                json(self.code_actions(p))
            }
            "textDocument/hover" => {
                let p = params(req)?;
                json(self.hover(p))
            }
            "textDocument/diagnostic" => {
                let p = params(req)?;
                json(self.document_diagnostic(p))
            }
            "workspace/diagnostic" => {
                let p = params(req)?;
                json(self.workspace_diagnostic(p))
            }
            "celint/debug/panic" if self.options.debug_requests => {
                panic!("a panic asked for by celint/debug/panic")
            }
            "celint/debug/sleep" if self.options.debug_requests => {
                let ms = req.params.get("ms").and_then(Value::as_u64).unwrap_or(0);
                std::thread::sleep(Duration::from_millis(ms.min(10_000)));
                Ok(Value::Null)
            }
            other => Err((
                ErrorCode::MethodNotFound,
                format!("celint does not handle {other}"),
            )),
        }
    }

    fn code_actions(&mut self, p: CodeActionParams) -> Option<Vec<lsp_types::CodeActionOrCommand>> {
        self.flush();
        let path = Self::path(&p.text_document.uri)?;
        let doc = self.docs.get(&path)?;
        let target = Target {
            uri: &doc.uri,
            version: Some(doc.version),
            text: &doc.text,
            enc: self.client.enc,
            document_changes: self.client.document_changes,
            disabled_support: self.client.disabled_actions,
        };
        let found = self.workspace.diagnostics(&path);
        let only = p.context.only.as_deref();
        let mut out = actions::quick_fixes(&target, found, p.range, only);
        let fix_all = actions::fix_all_kind();
        // Computed (a run per pass) when asked for, or offered beside a safe quick fix: not on
        // every cursor move.
        let offer = match only {
            Some(_) => true,
            None => actions::has_safe_fix(found, p.range, self.client.enc),
        };
        if actions::wants(only, &fix_all) && offer {
            let fixed = self
                .workspace
                .owner_mut(&path)
                .and_then(|f| f.engine.fix_all(&path));
            if let Some(fixed) = fixed.filter(|t| *t != doc.text) {
                out.push(actions::fix_all(&target, fixed));
            }
        }
        Some(out)
    }

    fn hover(&mut self, p: HoverParams) -> Option<lsp_types::Hover> {
        self.flush();
        let at = p.text_document_position_params;
        let path = Self::path(&at.text_document.uri)?;
        let doc = self.docs.get(&path)?;
        let enc = self.client.enc;
        if let Some((rule, range)) = hover::on_noqa(&doc.text, at.position, enc) {
            return hover::document(&[rule], Some(range));
        }
        let key = |p: lsp_types::Position| (p.line, p.character);
        let mut rules = Vec::new();
        let mut range = None;
        for d in self.workspace.diagnostics(&path) {
            let r = diagnostics::range(d, enc);
            if key(r.start) <= key(at.position) && key(at.position) <= key(r.end) {
                if !rules.contains(&d.rule) {
                    rules.push(d.rule);
                }
                range.get_or_insert(r);
            }
        }
        hover::document(&rules, range)
    }

    fn items(&self, path: &std::path::Path) -> Vec<lsp_types::Diagnostic> {
        self.workspace
            .diagnostics(path)
            .iter()
            .map(|d| diagnostics::to_lsp(d, self.client.enc))
            .collect()
    }

    fn document_diagnostic(
        &mut self,
        p: DocumentDiagnosticParams,
    ) -> DocumentDiagnosticReportResult {
        self.flush();
        let items = Self::path(&p.text_document.uri)
            .map(|path| self.items(&path))
            .unwrap_or_default();
        let id = diagnostics::result_id(&items);
        let report = if p.previous_result_id.as_deref() == Some(id.as_str()) {
            DocumentDiagnosticReport::Unchanged(RelatedUnchangedDocumentDiagnosticReport {
                related_documents: None,
                unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport {
                    result_id: id,
                },
            })
        } else {
            DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: FullDocumentDiagnosticReport {
                    result_id: Some(id),
                    items,
                },
            })
        };
        DocumentDiagnosticReportResult::Report(report)
    }

    fn workspace_diagnostic(
        &mut self,
        p: WorkspaceDiagnosticParams,
    ) -> WorkspaceDiagnosticReportResult {
        self.flush();
        let mut previous: HashMap<lsp_types::Url, String> = p
            .previous_result_ids
            .into_iter()
            .map(|r| (r.uri, r.value))
            .collect();
        let mut reports = Vec::new();
        let files: Vec<std::path::PathBuf> = self
            .workspace
            .all_diagnostics()
            .into_iter()
            .map(|(path, _)| path.to_path_buf())
            .collect();
        for path in files {
            let Some(uri) = diagnostics::uri(&path) else {
                continue;
            };
            let items = self.items(&path);
            let version = self.docs.get(&path).map(|d| i64::from(d.version));
            let id = diagnostics::result_id(&items);
            let report = if previous.remove(&uri).as_deref() == Some(id.as_str()) {
                WorkspaceDocumentDiagnosticReport::Unchanged(
                    WorkspaceUnchangedDocumentDiagnosticReport {
                        uri,
                        version,
                        unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport {
                            result_id: id,
                        },
                    },
                )
            } else {
                full(uri, version, Some(id), items)
            };
            reports.push(report);
        }
        // Files the client knows of that have no findings (any more).
        let empty = diagnostics::result_id(&[]);
        for (uri, id) in previous {
            let version = Self::path(&uri)
                .and_then(|p| self.docs.get(&p))
                .map(|d| i64::from(d.version));
            reports.push(if id == empty {
                WorkspaceDocumentDiagnosticReport::Unchanged(
                    WorkspaceUnchangedDocumentDiagnosticReport {
                        uri,
                        version,
                        unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport {
                            result_id: id,
                        },
                    },
                )
            } else {
                full(uri, version, Some(empty.clone()), Vec::new())
            });
        }
        WorkspaceDiagnosticReportResult::Report(WorkspaceDiagnosticReport { items: reports })
    }
}

fn full(
    uri: lsp_types::Url,
    version: Option<i64>,
    result_id: Option<String>,
    items: Vec<lsp_types::Diagnostic>,
) -> WorkspaceDocumentDiagnosticReport {
    WorkspaceDocumentDiagnosticReport::Full(WorkspaceFullDocumentDiagnosticReport {
        uri,
        version,
        full_document_diagnostic_report: FullDocumentDiagnosticReport { result_id, items },
    })
}
