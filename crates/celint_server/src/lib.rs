//! celint's language server: findings as you type, with the trace as related information, fixes
//! and `# noqa` as code actions, rule documents on hover. One engine per workspace folder
//! (`workspace.rs`) behind one adapter (`engine.rs`), the only module that calls celint's
//! library beyond its diagnostic, rule and edit types.

// A client's input must never make the server panic (a panic is caught per message anyway).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod actions;
pub mod caps;
pub mod convert;
pub mod diagnostics;
pub mod documents;
pub mod engine;
pub mod hover;
mod notifications;
mod requests;
pub mod server;
pub mod transport;
pub mod watch;
pub mod workspace;

pub use server::{serve, End, Options};

/// Serves the client on standard input and output until it says `exit`, each workspace folder
/// with the settings `settings_for` makes for its root. The process's exit status: 0 after
/// `shutdown` then `exit`, 1 otherwise (as the protocol asks).
pub fn run(settings_for: engine::SettingsFor) -> i32 {
    engine::use_settings(settings_for);
    let (conn, io) = match transport::stdio() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("celint server: cannot start: {e}");
            return 1;
        }
    };
    let options = Options {
        debug_requests: std::env::var_os("CELINT_SERVER_DEBUG").is_some_and(|v| v == "1"),
    };
    let end = serve(conn, options);
    match end {
        Ok(End::Exit) => {
            io.join();
            0
        }
        Ok(_) => 1,
        Err(e) => {
            eprintln!("celint server: {e}");
            1
        }
    }
}
