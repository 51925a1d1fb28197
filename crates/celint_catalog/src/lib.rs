//! Data tables, one concern each: Celery's signals, the calls that block, the exceptions
//! `Signal.send` catches, what Celery passes its handlers that leads to the app, the standard
//! library's module names; the Celery releases celint describes and the facts that change
//! between them. Read once, on first use; nothing here reads the user's project.

// Input must never make celint panic: no unwrap, expect or unchecked indexing outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod blocking;
pub mod celery_api;
pub mod exceptions;
pub mod explain;
pub mod heuristic;
pub mod releases;
pub mod senders;
pub mod signals;
pub mod stdlib;
pub mod versions;
