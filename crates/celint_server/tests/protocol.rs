//! The main loop in memory, with exact control of what is queued: a cancelled request still
//! waiting gets RequestCancelled, a panic in one request becomes an error response and a log
//! message and the server goes on, `shutdown` then `exit` ends the session cleanly.

use std::time::Duration;

use celint_server::{serve, End, Options};
use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use serde_json::{json, Value};

fn start(debug: bool) -> (Connection, std::thread::JoinHandle<Result<End, String>>) {
    let (server, client) = Connection::memory();
    let options = Options {
        debug_requests: debug,
    };
    let handle = std::thread::spawn(move || serve(server, options));
    let init = json!({"processId": null, "rootUri": null, "capabilities": {}});
    send_request(&client, 1, "initialize", init);
    let response = next_response(&client);
    assert_eq!(response.id, RequestId::from(1));
    let result = response.result.unwrap();
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(result["serverInfo"]["name"], "celint");
    notify(&client, "initialized", json!({}));
    (client, handle)
}

fn send_request(c: &Connection, id: i32, method: &str, params: Value) {
    let req = Request::new(RequestId::from(id), method.to_string(), params);
    c.sender.send(Message::Request(req)).unwrap();
}

fn notify(c: &Connection, method: &str, params: Value) {
    let n = Notification::new(method.to_string(), params);
    c.sender.send(Message::Notification(n)).unwrap();
}

/// The next response, keeping the notifications met on the way.
fn next_response_with(c: &Connection, seen: &mut Vec<Notification>) -> Response {
    loop {
        match c.receiver.recv_timeout(Duration::from_secs(30)).unwrap() {
            Message::Response(r) => return r,
            Message::Notification(n) => seen.push(n),
            Message::Request(_) => {}
        }
    }
}

fn next_response(c: &Connection) -> Response {
    next_response_with(c, &mut Vec::new())
}

#[test]
fn cancellation_panic_and_shutdown() {
    let (client, handle) = start(true);
    let hover = json!({
        "textDocument": {"uri": "file:///nowhere/x.py"},
        "position": {"line": 0, "character": 0}
    });
    // Queued behind a busy server, then cancelled: answered without being run.
    send_request(&client, 2, "celint/debug/sleep", json!({"ms": 300}));
    send_request(&client, 3, "textDocument/hover", hover.clone());
    notify(&client, "$/cancelRequest", json!({"id": 3}));
    // Both are answered, in either order (the cancellation as soon as it is read).
    let mut answers = [next_response(&client), next_response(&client)];
    answers.sort_by_key(|r| r.id.to_string());
    let [busy, cancelled] = answers;
    assert_eq!(
        (busy.id, busy.result),
        (RequestId::from(2), Some(Value::Null))
    );
    assert_eq!(cancelled.id, RequestId::from(3));
    assert_eq!(cancelled.error.map(|e| e.code), Some(-32800));

    // A panic: an error response and a log message; the next request is served.
    send_request(&client, 4, "celint/debug/panic", json!({}));
    let mut seen = Vec::new();
    let panicked = next_response_with(&client, &mut seen);
    let error = panicked.error.unwrap();
    assert_eq!(error.code, -32603);
    assert!(
        error.message.contains("panicked on celint/debug/panic"),
        "{}",
        error.message
    );
    assert!(seen.iter().any(|n| n.method == "window/logMessage"
        && n.params["type"] == 1
        && n.params["message"]
            .as_str()
            .unwrap_or("")
            .contains("panicked")));
    send_request(&client, 5, "textDocument/hover", hover.clone());
    let served = next_response(&client);
    assert_eq!(
        (served.id, served.result),
        (RequestId::from(5), Some(Value::Null))
    );
    send_request(&client, 6, "no/such/method", json!({}));
    assert_eq!(next_response(&client).error.map(|e| e.code), Some(-32601));

    send_request(&client, 7, "shutdown", Value::Null);
    assert_eq!(next_response(&client).result, Some(Value::Null));
    send_request(&client, 8, "textDocument/hover", hover);
    assert_eq!(next_response(&client).error.map(|e| e.code), Some(-32600));
    notify(&client, "exit", Value::Null);
    assert_eq!(handle.join().unwrap(), Ok(End::Exit));
}

#[test]
fn debugging_requests_are_off_by_default_and_exit_without_shutdown_is_an_error() {
    let (client, handle) = start(false);
    send_request(&client, 2, "celint/debug/panic", json!({}));
    assert_eq!(next_response(&client).error.map(|e| e.code), Some(-32601));
    notify(&client, "exit", Value::Null);
    assert_eq!(handle.join().unwrap(), Ok(End::ExitWithoutShutdown));
}
