//! gridwatch's dispatcher: decides who must act on each confirmed violation and follows the case
//! until it is verified and closed.
//!
//! It depends on `gridwatch-core` only; it meets the pipeline through core's events.

pub mod grid;
