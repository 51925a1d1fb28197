#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::process::ExitCode;

use clap::Parser;

/// Why mimalloc: in Cargo.toml, beside the dependency.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = celint::cli::Cli::parse();
    // Analysis recurses over syntax trees and call chains: run it on a thread with a deep stack.
    let worker = std::thread::Builder::new()
        .name("celint".into())
        .stack_size(celint::STACK_SIZE)
        .spawn(move || celint::commands::run(cli));
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        _ => {
            eprintln!(
                "{:?}",
                miette::miette!(
                    help = "this is a bug in celint: please report it with the file that caused it",
                    "celint stopped unexpectedly"
                )
            );
            ExitCode::from(2)
        }
    }
}
