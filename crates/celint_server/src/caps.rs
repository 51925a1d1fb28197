//! What the client can do, and what the server offers it.

use lsp_types::{
    ClientCapabilities, CodeActionKind, CodeActionOptions, CodeActionProviderCapability,
    DiagnosticOptions, DiagnosticServerCapabilities, HoverProviderCapability, InitializeParams,
    OneOf, SaveOptions, ServerCapabilities, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions, TextDocumentSyncSaveOptions, WorkDoneProgressOptions,
    WorkspaceFoldersServerCapabilities, WorkspaceServerCapabilities,
};

use crate::actions;
use crate::convert::Encoding;

/// The client's capabilities the server acts on.
#[derive(Clone, Copy, Debug)]
pub struct Client {
    pub enc: Encoding,
    /// Pulls diagnostics (`textDocument/diagnostic`): then the server does not push them too
    /// (an editor would show each finding twice), and asks for a new pull instead.
    pub pull: bool,
    /// Takes `workspace/diagnostic/refresh`.
    pub refresh: bool,
    /// Registers file watchers when asked (`client/registerCapability`).
    pub watch: bool,
    pub document_changes: bool,
    pub disabled_actions: bool,
}

impl Client {
    /// `raw` is the `initialize` request's parameters as sent: lsp-types 0.95 reads the
    /// workspace's diagnostic capabilities from `diagnostic`, where the protocol names them
    /// `diagnostics`.
    pub fn from_params(params: &InitializeParams, raw: &serde_json::Value) -> Client {
        let caps: &ClientCapabilities = &params.capabilities;
        let text = caps.text_document.as_ref();
        let workspace = caps.workspace.as_ref();
        Client {
            enc: Encoding::negotiate(
                caps.general
                    .as_ref()
                    .and_then(|g| g.position_encodings.as_deref()),
            ),
            pull: text.is_some_and(|t| t.diagnostic.is_some()),
            refresh: ["diagnostics", "diagnostic"].iter().any(|key| {
                raw.pointer(&format!("/capabilities/workspace/{key}/refreshSupport"))
                    .and_then(serde_json::Value::as_bool)
                    .unwrap_or(false)
            }),
            watch: workspace
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|w| w.dynamic_registration)
                .unwrap_or(false),
            document_changes: workspace
                .and_then(|w| w.workspace_edit.as_ref())
                .and_then(|e| e.document_changes)
                .unwrap_or(false),
            disabled_actions: text
                .and_then(|t| t.code_action.as_ref())
                .and_then(|c| c.disabled_support)
                .unwrap_or(false),
        }
    }
}

pub fn server(client: &Client) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(client.enc.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX, actions::fix_all_kind()]),
            resolve_provider: Some(false),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        diagnostic_provider: Some(DiagnosticServerCapabilities::Options(DiagnosticOptions {
            identifier: Some("celint".to_string()),
            // A helper's edit changes a handler's findings.
            inter_file_dependencies: true,
            workspace_diagnostics: true,
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..ServerCapabilities::default()
    }
}
