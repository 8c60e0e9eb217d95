//! Every API failure as JSON `{"error": "..."}` with the status that says whose fault it is.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use crate::DispatchError;

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
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

impl From<DispatchError> for ApiError {
    fn from(e: DispatchError) -> Self {
        let status = match &e {
            DispatchError::NotFound(_) => StatusCode::NOT_FOUND,
            DispatchError::Forbidden(_) => StatusCode::FORBIDDEN,
            DispatchError::Refused(_) => StatusCode::CONFLICT,
            DispatchError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            DispatchError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
        };
        ApiError::new(status, e.to_string())
    }
}
