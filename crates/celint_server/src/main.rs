//! `celint-server`: the language server on standard input and output. Temporary: it becomes
//! `celint server` once the CLI can depend on this crate.

fn main() {
    std::process::exit(celint_server::run());
}
