//! Data tables, one concern each: Celery's signals, the calls that block, the exceptions
//! `Signal.send` catches, what Celery passes its handlers that leads to the app.

pub mod blocking;
pub mod exceptions;
pub mod senders;
pub mod signals;
