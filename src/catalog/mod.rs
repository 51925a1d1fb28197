//! Data tables, one concern each: Celery's signals, the calls that block, the exceptions
//! `Signal.send` catches, what Celery passes its handlers that leads to the app, the standard
//! library's module names.

pub mod blocking;
pub mod celery_api;
pub mod exceptions;
pub mod explain;
pub mod heuristic;
pub mod senders;
pub mod signals;
pub mod stdlib;
pub mod versions;
