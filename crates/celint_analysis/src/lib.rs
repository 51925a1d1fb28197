//! celint's analyses over a project: the handlers connected to Celery's signals (`handlers`), what
//! each function does (`effects`), the settings the project gives Celery (`celery_config`), the
//! Celery versions it runs (`celery_version`), the workers it runs (`worker`) and what crosses a
//! fork (`fork`). No rule lives here: the rules read these (`celint_linter`).

// Input must never make celint panic: no unwrap, expect or unchecked indexing outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod celery_config;
pub mod celery_version;
pub mod effects;
pub mod fork;
pub mod handlers;
pub mod worker;
