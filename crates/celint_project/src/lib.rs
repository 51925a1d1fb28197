//! celint's project layer: which files there are (`discover`), which can matter (`prescan`),
//! every file read after discovery (`loader`), each module's names (`facts`), the modules the
//! analysis has (`project`), and what an expression is across modules (`resolve`).

// Input must never make celint panic: no unwrap, expect or unchecked indexing outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod discover;
pub mod facts;
pub mod loader;
pub mod prescan;
pub mod project;
pub mod resolve;
pub mod store;
