//! What one module says, from its syntax tree alone.

pub mod symbols;
