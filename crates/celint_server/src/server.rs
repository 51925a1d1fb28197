//! The main loop: messages queued as they arrive (so that a cancellation reaches a request
//! still waiting), one handled at a time, each under `catch_unwind`; checks debounced after
//! edits, at once after a save or a change on disk, and before any request that reads
//! findings.

use std::collections::{HashMap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossbeam_channel::RecvTimeoutError;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    InitializeParams, InitializeResult, LogMessageParams, MessageType, NumberOrString,
    PublishDiagnosticsParams, ServerInfo, Url,
};

use crate::caps::{self, Client};
use crate::diagnostics;
use crate::documents::Documents;
use crate::engine;
use crate::watch;
use crate::workspace::Workspace;

/// How long edits wait for more before a check. An editor sends the edits of one gesture (a
/// paste, a formatter's or a multi-cursor change, the change and save of a write) within a few
/// milliseconds of each other, while keystrokes come 30 ms or more apart even from a fast
/// typist: 10 ms merges a gesture into one check, delays no keystroke's findings behind the
/// next one, and leaves 40 ms of the 50 ms budget from an edit to its findings for the check.
pub const DEBOUNCE: Duration = Duration::from_millis(10);

/// A stream of edits that never pauses still gets findings this often.
const MAX_DELAY: Duration = Duration::from_millis(200);

/// How the session ended: `exit` after `shutdown` is a clean end (exit status 0).
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    Exit,
    ExitWithoutShutdown,
    Disconnected,
}

/// Settings for tests: requests that misbehave on purpose.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Answer `celint/debug/panic` (panics) and `celint/debug/sleep` (blocks for `ms`).
    pub debug_requests: bool,
}

pub struct Server {
    pub(crate) conn: Connection,
    pub(crate) client: Client,
    pub(crate) options: Options,
    pub(crate) docs: Documents,
    pub(crate) workspace: Workspace,
    queue: VecDeque<Message>,
    check_at: Option<Instant>,
    pending_since: Option<Instant>,
    /// What was last pushed for each open document: its version and the result id.
    published: HashMap<PathBuf, (i32, String)>,
    /// The result ids of the last check, for pull clients: a change asks for a new pull.
    pulled_state: String,
    shutdown: bool,
    next_id: i32,
}

/// Serves one client over `conn`, from `initialize` to `exit`.
pub fn serve(conn: Connection, options: Options) -> Result<End, String> {
    let (id, params) = conn.initialize_start().map_err(|e| e.to_string())?;
    let init: InitializeParams =
        serde_json::from_value(params.clone()).map_err(|e| format!("invalid initialize: {e}"))?;
    let client = Client::from_params(&init, &params);
    let result = InitializeResult {
        capabilities: caps::server(&client),
        server_info: Some(ServerInfo {
            name: "celint".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    };
    let value = serde_json::to_value(result).map_err(|e| e.to_string())?;
    conn.initialize_finish(id, value)
        .map_err(|e| e.to_string())?;
    let mut server = Server {
        conn,
        client,
        options,
        docs: Documents::default(),
        workspace: Workspace::default(),
        queue: VecDeque::new(),
        check_at: None,
        pending_since: None,
        published: HashMap::new(),
        pulled_state: String::new(),
        shutdown: false,
        next_id: 0,
    };
    server.start(&init);
    Ok(server.main_loop())
}

/// The workspace folders the client opened with (`rootUri` for a client without folders).
#[allow(deprecated)]
fn initial_folders(init: &InitializeParams) -> Vec<PathBuf> {
    match &init.workspace_folders {
        Some(folders) => folders
            .iter()
            .filter_map(|f| f.uri.to_file_path().ok())
            .collect(),
        None => init
            .root_uri
            .iter()
            .filter_map(|u| u.to_file_path().ok())
            .chain(init.root_path.iter().map(PathBuf::from))
            .take(1)
            .collect(),
    }
}

impl Server {
    fn start(&mut self, init: &InitializeParams) {
        for root in initial_folders(init) {
            if let Some(problem) = self.workspace.add_folder(&root, false) {
                self.log(MessageType::WARNING, problem);
            }
        }
        if self.client.watch {
            let params = watch::registration();
            self.request_client("client/registerCapability", params);
        }
    }

    fn main_loop(&mut self) -> End {
        loop {
            if self.queue.is_empty() {
                let received = match self.check_at {
                    None => self
                        .conn
                        .receiver
                        .recv()
                        .map_err(|_| RecvTimeoutError::Disconnected),
                    Some(at) => self.conn.receiver.recv_deadline(at),
                };
                match received {
                    Ok(msg) => self.enqueue(msg),
                    Err(RecvTimeoutError::Timeout) => {
                        self.run_checks();
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => return End::Disconnected,
                }
            }
            while let Ok(msg) = self.conn.receiver.try_recv() {
                self.enqueue(msg);
            }
            if self.check_overdue() {
                self.run_checks();
                continue;
            }
            let Some(msg) = self.queue.pop_front() else {
                continue;
            };
            match msg {
                Message::Request(req) => self.request(req),
                Message::Notification(n) if n.method == "exit" => {
                    return match self.shutdown {
                        true => End::Exit,
                        false => End::ExitWithoutShutdown,
                    };
                }
                Message::Notification(n) => self.notification(n),
                Message::Response(r) => {
                    if let Some(e) = r.error {
                        self.log(MessageType::WARNING, format!("client error: {}", e.message));
                    }
                }
            }
        }
    }

    /// Queues a message; a cancellation removes its request from the queue and answers it.
    fn enqueue(&mut self, msg: Message) {
        let Message::Notification(n) = &msg else {
            self.queue.push_back(msg);
            return;
        };
        if n.method != "$/cancelRequest" {
            self.queue.push_back(msg);
            return;
        }
        let Ok(params) = serde_json::from_value::<lsp_types::CancelParams>(n.params.clone()) else {
            return;
        };
        let id: RequestId = match params.id {
            NumberOrString::Number(n) => n.into(),
            NumberOrString::String(s) => s.into(),
        };
        let queued = self
            .queue
            .iter()
            .position(|m| matches!(m, Message::Request(r) if r.id == id));
        if let Some(at) = queued {
            self.queue.remove(at);
            let message = "cancelled by the client".to_string();
            self.send(Response::new_err(
                id,
                ErrorCode::RequestCanceled as i32,
                message,
            ));
        }
    }

    fn check_overdue(&self) -> bool {
        let now = Instant::now();
        self.check_at.is_some_and(|at| at <= now)
            && (self.queue.is_empty() || self.pending_since.is_some_and(|s| now - s >= MAX_DELAY))
    }

    /// A check `delay` after the last edit (a debounce: each edit moves it on), but no later
    /// than `MAX_DELAY` after the first edit not yet checked; `Duration::ZERO` (a save, a
    /// change on disk) checks at once.
    pub(crate) fn schedule(&mut self, delay: Duration) {
        let now = Instant::now();
        let at = now + delay;
        let at = match self.check_at {
            Some(c) if delay.is_zero() => c.min(at),
            Some(c) => c.max(at),
            None => at,
        };
        let since = *self.pending_since.get_or_insert(now);
        self.check_at = Some(at.min(since + MAX_DELAY));
    }

    /// Checks now if anything changed: requests that read findings read current ones.
    pub(crate) fn flush(&mut self) {
        if self.check_at.is_some() || self.workspace.any_dirty() {
            self.run_checks();
        }
    }

    pub(crate) fn run_checks(&mut self) {
        self.check_at = None;
        self.pending_since = None;
        let mut notes = Vec::new();
        for folder in self.workspace.folders_mut().iter_mut().filter(|f| f.dirty) {
            folder.dirty = false;
            let root = folder.root().display().to_string();
            match catch_unwind(AssertUnwindSafe(|| folder.engine.check())) {
                Ok(checked) => {
                    notes.push((
                        MessageType::LOG,
                        format!("checked {root} in {} ms", checked.took.as_millis()),
                    ));
                    for p in &checked.problems {
                        notes.push((MessageType::WARNING, p.clone()));
                    }
                    folder.last = Some(checked);
                }
                Err(panic) => notes.push((
                    MessageType::ERROR,
                    format!("celint panicked checking {root}: {}", panic_message(&panic)),
                )),
            }
        }
        for (kind, note) in notes {
            self.log(kind, note);
        }
        self.publish();
    }

    /// Pushes the findings of open documents that changed; for a client that pulls, asks it
    /// to pull again when anything changed.
    fn publish(&mut self) {
        if self.client.pull {
            let state = self.findings_state();
            if state != self.pulled_state {
                self.pulled_state = state;
                if self.client.refresh {
                    self.request_client("workspace/diagnostic/refresh", serde_json::Value::Null);
                }
            }
            return;
        }
        let mut out = Vec::new();
        for (path, doc) in self.docs.iter() {
            let items: Vec<_> = self
                .workspace
                .diagnostics(path)
                .iter()
                .map(|d| diagnostics::to_lsp(d, self.client.enc))
                .collect();
            let id = diagnostics::result_id(&items);
            let key = (doc.version, id);
            if self.published.get(path) == Some(&key) {
                continue;
            }
            self.published.insert(path.clone(), key);
            out.push(PublishDiagnosticsParams::new(
                doc.uri.clone(),
                items,
                Some(doc.version),
            ));
        }
        for params in out {
            self.notify("textDocument/publishDiagnostics", params);
        }
    }

    /// A summary of every finding, to tell whether a check changed any.
    fn findings_state(&self) -> String {
        let all: Vec<lsp_types::Diagnostic> = self
            .workspace
            .all_diagnostics()
            .into_iter()
            .flat_map(|(_, ds)| ds.iter().map(|d| diagnostics::to_lsp(d, self.client.enc)))
            .collect();
        diagnostics::result_id(&all)
    }

    /// Clears what was pushed for a closed document.
    pub(crate) fn clear(&mut self, uri: Url, path: &PathBuf) {
        if self.published.remove(path).is_some() && !self.client.pull {
            self.notify(
                "textDocument/publishDiagnostics",
                PublishDiagnosticsParams::new(uri, Vec::new(), None),
            );
        }
    }

    fn request(&mut self, req: Request) {
        let id = req.id.clone();
        if self.shutdown {
            let message = "the server is shutting down".to_string();
            self.send(Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                message,
            ));
            return;
        }
        if req.method == "shutdown" {
            self.shutdown = true;
            self.send(Response::new_ok(id, serde_json::Value::Null));
            return;
        }
        let method = req.method.clone();
        let response = match catch_unwind(AssertUnwindSafe(|| self.dispatch(req))) {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err((code, message))) => Response::new_err(id, code as i32, message),
            Err(panic) => {
                let message = format!("celint panicked on {method}: {}", panic_message(&panic));
                self.log(MessageType::ERROR, message.clone());
                Response::new_err(id, ErrorCode::InternalError as i32, message)
            }
        };
        self.send(response);
    }

    fn notification(&mut self, n: Notification) {
        let method = n.method.clone();
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| self.notified(n))) {
            let message = format!("celint panicked on {method}: {}", panic_message(&panic));
            self.log(MessageType::ERROR, message);
        }
    }

    pub(crate) fn send(&self, msg: impl Into<Message>) {
        // A client gone away ends the loop at the next receive.
        let _ = self.conn.sender.send(msg.into());
    }

    pub(crate) fn notify(&self, method: &str, params: impl serde::Serialize) {
        self.send(Notification::new(method.to_string(), params));
    }

    fn request_client(&mut self, method: &str, params: impl serde::Serialize) {
        self.next_id += 1;
        let id = RequestId::from(format!("celint-{}", self.next_id));
        self.send(Request::new(id, method.to_string(), params));
    }

    pub(crate) fn log(&self, typ: MessageType, message: String) {
        self.notify("window/logMessage", LogMessageParams { typ, message });
    }

    /// The path of a `file:` URI, as celint names it.
    pub(crate) fn path(uri: &Url) -> Option<PathBuf> {
        uri.to_file_path().ok().map(|p| engine::normalize(&p))
    }
}

/// What a panic said.
fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_string()
    }
}
