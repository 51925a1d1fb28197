//! Notifications from the client: documents opened, changed, saved and closed; files changed
//! on disk; workspace folders added and removed.

use std::path::PathBuf;
use std::time::Duration;

use lsp_server::Notification;
use lsp_types::{
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams, DidChangeWorkspaceFoldersParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams, MessageType,
};
use serde::de::DeserializeOwned;

use crate::documents::Document;
use crate::server::{Server, DEBOUNCE};

fn params<P: DeserializeOwned>(n: Notification) -> Option<P> {
    serde_json::from_value(n.params).ok()
}

impl Server {
    pub(crate) fn notified(&mut self, n: Notification) {
        match n.method.as_str() {
            "textDocument/didOpen" => {
                if let Some(p) = params(n) {
                    self.did_open(p);
                }
            }
            "textDocument/didChange" => {
                if let Some(p) = params(n) {
                    self.did_change(p);
                }
            }
            "textDocument/didSave" => {
                if let Some(p) = params::<DidSaveTextDocumentParams>(n) {
                    if let (Some(path), Some(text)) = (Self::path(&p.text_document.uri), p.text) {
                        self.workspace.set_text(&path, &text);
                    }
                    self.schedule(Duration::ZERO);
                }
            }
            "textDocument/didClose" => {
                if let Some(p) = params(n) {
                    self.did_close(p);
                }
            }
            "workspace/didChangeWatchedFiles" => {
                if let Some(p) = params(n) {
                    self.did_change_watched(p);
                }
            }
            "workspace/didChangeWorkspaceFolders" => {
                if let Some(p) = params(n) {
                    self.did_change_folders(p);
                }
            }
            _ => {}
        }
    }

    fn did_open(&mut self, p: DidOpenTextDocumentParams) {
        let doc = p.text_document;
        let Some(path) = Self::path(&doc.uri) else {
            return;
        };
        let folders = self.workspace.folders().len();
        if let Some(problem) = self.workspace.ensure_owner(&path) {
            self.log(MessageType::WARNING, problem);
        }
        self.docs.open(
            path.clone(),
            Document {
                uri: doc.uri,
                text: doc.text,
                version: doc.version,
            },
        );
        if self.workspace.folders().len() != folders {
            self.reapply_texts();
        } else if let Some(d) = self.docs.get(&path) {
            let text = d.text.clone();
            self.workspace.set_text(&path, &text);
        }
        self.schedule(DEBOUNCE);
    }

    fn did_change(&mut self, p: DidChangeTextDocumentParams) {
        let Some(path) = Self::path(&p.text_document.uri) else {
            return;
        };
        let version = p.text_document.version;
        let enc = self.client.enc;
        let Some(text) = self.docs.change(&path, version, p.content_changes, enc) else {
            return;
        };
        let text = text.to_string();
        self.workspace.set_text(&path, &text);
        self.schedule(DEBOUNCE);
    }

    fn did_close(&mut self, p: DidCloseTextDocumentParams) {
        let Some(path) = Self::path(&p.text_document.uri) else {
            return;
        };
        self.docs.close(&path);
        self.workspace.remove_text(&path);
        self.clear(p.text_document.uri, &path);
        let open: Vec<PathBuf> = self.docs.iter().map(|(p, _)| p.clone()).collect();
        self.workspace.drop_unused_implicit(&open);
        self.schedule(DEBOUNCE);
    }

    fn did_change_watched(&mut self, p: DidChangeWatchedFilesParams) {
        let paths: Vec<PathBuf> = p
            .changes
            .iter()
            .filter_map(|c| Self::path(&c.uri))
            .collect();
        for problem in self.workspace.changed_on_disk(&paths) {
            self.log(MessageType::WARNING, problem);
        }
        self.schedule(Duration::ZERO);
    }

    fn did_change_folders(&mut self, p: DidChangeWorkspaceFoldersParams) {
        for f in &p.event.removed {
            if let Some(root) = Self::path(&f.uri) {
                self.workspace.remove_folder(&root);
            }
        }
        for f in &p.event.added {
            if let Some(root) = Self::path(&f.uri) {
                if let Some(problem) = self.workspace.add_folder(&root, false) {
                    self.log(MessageType::WARNING, problem);
                }
            }
        }
        // Open files outside every folder left get one of their own.
        let open: Vec<PathBuf> = self.docs.iter().map(|(p, _)| p.clone()).collect();
        for path in &open {
            if let Some(problem) = self.workspace.ensure_owner(path) {
                self.log(MessageType::WARNING, problem);
            }
        }
        self.workspace.drop_unused_implicit(&open);
        self.reapply_texts();
        self.workspace.mark_all_dirty();
        self.schedule(Duration::ZERO);
    }

    /// Gives every engine the open buffers' texts (after folders were added).
    fn reapply_texts(&mut self) {
        let texts: Vec<(PathBuf, String)> = self
            .docs
            .iter()
            .map(|(p, d)| (p.clone(), d.text.clone()))
            .collect();
        for (path, text) in texts {
            self.workspace.set_text(&path, &text);
        }
    }
}
