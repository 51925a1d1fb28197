//! What celint gives back: the output formats (`render`), fixed files written (`write`), and
//! `# noqa` comments added (`add_noqa`).

// Input must never make celint panic: no unwrap, expect or unchecked indexing outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod add_noqa;
pub mod render;
pub mod write;
