//! gridwatch's dispatcher: decides who must act on each confirmed violation and follows the case
//! until it is verified and closed.
//!
//! One home per stage of the case loop (信息收集 → 立案 → 派遣 → 处置 → 核查 → 结案):
//! [`intake`] (events in, merging, recurrence), [`review`] (triage of new cases), [`dispatch`]
//! with [`roster`] and [`grid`] (who acts), [`cases`] (the state machine, what each action does,
//! who may do it, the audit chain), [`verification`] (the camera checks the work), [`sla`]
//! (deadlines and escalation), [`graduated`] (shop notices) with [`shops`] (shop grades); [`store`] holds every SQL statement,
//! [`change`] is how each change is committed and announced, [`api`] serves it all over HTTP and
//! [`web`] draws the maps and charts of its pages.
//!
//! It depends on `gridwatch-core` only; it meets the pipeline through core's events.

pub mod accounts;
pub mod api;
pub mod cases;
mod change;
pub mod dispatch;
mod dispatcher;
mod error;
pub mod evidence;
mod feed;
pub mod graduated;
pub mod grid;
pub mod indicators;
pub mod intake;
pub mod outbox;
pub mod overview;
pub mod queries;
pub mod review;
pub mod roster;
pub mod server;
pub mod shops;
pub mod sla;
pub mod store;
pub mod verification;
pub mod web;

pub use cases::{actions::ActionRequest, permissions::Actor};
pub use dispatcher::{CaseChange, Dispatcher};
pub use error::DispatchError;
pub use intake::Ingested;
pub use store::{Store, StoreError};
