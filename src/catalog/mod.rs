//! Data tables, one concern each: Celery's signals and the calls that block.

pub mod blocking;
pub mod signals;
