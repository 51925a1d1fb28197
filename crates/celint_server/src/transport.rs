//! Standard input and output as a connection. lsp-server's own (`Connection::stdio`) hands
//! each message over a rendezvous channel: while the server is busy, its reader holds one
//! message and reads no further, so a `$/cancelRequest` behind a queued request is not seen
//! before that request is handled. Here the reader queues everything it reads (the main loop
//! drains the queue before each message it handles), and a cancellation reaches the request.

use std::io::{stdin, stdout};
use std::thread::{Builder, JoinHandle};

use crossbeam_channel::unbounded;
use lsp_server::{Connection, Message};

pub struct Io {
    reader: JoinHandle<()>,
    writer: JoinHandle<()>,
}

impl Io {
    /// Waits for the reader (it stops after `exit` or at the end of input) and the writer (it
    /// stops once the connection is dropped and everything is written).
    pub fn join(self) {
        let _ = self.reader.join();
        let _ = self.writer.join();
    }
}

pub fn stdio() -> std::io::Result<(Connection, Io)> {
    let (to_client, outgoing) = unbounded::<Message>();
    let writer = Builder::new()
        .name("celint-server-writer".to_string())
        .spawn(move || {
            let mut out = stdout().lock();
            for msg in outgoing {
                if msg.write(&mut out).is_err() {
                    break;
                }
            }
        })?;
    let (incoming, from_client) = unbounded::<Message>();
    let reader = Builder::new()
        .name("celint-server-reader".to_string())
        .spawn(move || {
            let mut input = stdin().lock();
            while let Ok(Some(msg)) = Message::read(&mut input) {
                let exit = matches!(&msg, Message::Notification(n) if n.method == "exit");
                if incoming.send(msg).is_err() || exit {
                    break;
                }
            }
        })?;
    let conn = Connection {
        sender: to_client,
        receiver: from_client,
    };
    Ok((conn, Io { reader, writer }))
}
