//! Data tables, one concern each: Celery's signals, the calls that block, the exceptions
//! `Signal.send` catches.

pub mod blocking;
pub mod exceptions;
pub mod signals;
