//! Why the dispatcher did not do what it was asked.

use crate::{cases::Refused, store::StoreError};

#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// Absent, or not visible to the caller (a member asking about another grid).
    #[error("no case `{0}`")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    /// The case's state does not allow the action.
    #[error(transparent)]
    Refused(#[from] Refused),
    /// The request or event itself is wrong; the message names the field at fault.
    #[error("{0}")]
    Invalid(String),
    /// The store failed: nothing was changed, and trying again later may work.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for DispatchError {
    fn from(e: sqlx::Error) -> Self {
        DispatchError::Store(StoreError::Query(e))
    }
}
