//! gridwatch's dispatcher: decides who must act on each confirmed violation and follows the case
//! until it is verified and closed.
//!
//! It depends on `gridwatch-core` only; it meets the pipeline through core's events.

pub mod api;
pub mod cases;
pub mod evidence;
pub mod grid;
pub mod indicators;
pub mod intake;
pub mod outbox;
pub mod queries;
pub mod roster;
pub mod server;
pub mod service;
pub mod store;

pub use service::{ActionRequest, Actor, CaseChange, DispatchError, Dispatcher, Ingested};
pub use store::{Store, StoreError};
