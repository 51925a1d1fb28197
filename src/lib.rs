//! celint: a linter for Celery worker life-cycle hazards in signal handlers.
//!
//! This package is the command line (`cli`, `commands`, `main.rs`), one front end of the engine
//! in `crates/` (see ARCHITECTURE.md for the layers). The engine's public API is re-exported
//! here under the paths the tests, the fuzz target and the benchmark use.

// Input must never make celint panic: no unwrap, expect or unchecked indexing outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod cli;
pub mod commands;

pub use celint_analysis::{celery_version, worker};
pub use celint_catalog as catalog;
pub use celint_engine::{
    check_source, invariants, run, run_with, Engine, Overlay, Report, RunError, Settings,
    TimeoutOverride, STACK_SIZE,
};
pub use celint_linter::{diagnostic, home, rules};
pub use celint_syntax as syntax;
pub use celint_syntax::source;

/// Fix edits (`celint_linter::fix`) and the passes that apply them (`celint_engine::fix_all`).
pub mod fix {
    pub use celint_engine::fix_all::fix_all;
    pub use celint_linter::fix::*;
}
