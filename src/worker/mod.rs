//! The worker model.

pub mod commands;
