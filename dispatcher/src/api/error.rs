//! Every API failure as JSON `{"error": "..."}` with the status that says whose fault it is. A
//! failure of the store is the server's business: it is logged with what it concerned, and the
//! caller gets a plain sentence, never the database's own text.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use crate::DispatchError;

/// What the caller is told when the store fails.
pub const STORE_UNAVAILABLE: &str = "the case store cannot be reached; try again shortly";

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// `e`, answered; `subject` (the case or event the request concerned) goes into the log when
    /// the store failed.
    pub fn about(e: DispatchError, subject: Option<&str>) -> Self {
        let status = match &e {
            DispatchError::NotFound(_) => StatusCode::NOT_FOUND,
            DispatchError::Forbidden(_) => StatusCode::FORBIDDEN,
            DispatchError::Refused(_) => StatusCode::CONFLICT,
            DispatchError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            DispatchError::Store(_) => return Self::store_failed(&e, subject),
        };
        ApiError::new(status, e.to_string())
    }

    /// 503 for a failure of the store, logged with `subject`.
    pub fn store_failed(e: &dyn std::fmt::Display, subject: Option<&str>) -> Self {
        match subject {
            Some(subject) => tracing::error!(subject, error = %e, "The store failed"),
            None => tracing::error!(error = %e, "The store failed"),
        }
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, STORE_UNAVAILABLE)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

impl From<DispatchError> for ApiError {
    fn from(e: DispatchError) -> Self {
        ApiError::about(e, None)
    }
}
