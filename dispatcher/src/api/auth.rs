//! Bearer tokens: the caller's secret, hashed, looked up among the configured tokens.

use axum::{extract::FromRequestParts, http::request::Parts, http::StatusCode};
use gridwatch_core::{
    config::{Role, Token},
    Sha256Hex,
};

use super::{error::ApiError, AppState};
use crate::Actor;

/// The lowercase hex SHA-256 of a token's secret, as configured.
pub fn token_hash(secret: &str) -> String {
    Sha256Hex::of(secret.as_bytes()).to_string()
}

/// The authenticated caller.
pub struct Caller(pub Actor);

impl Caller {
    /// Refuses callers whose role is not among `roles`.
    pub fn require(&self, roles: &[Role], doing: &str) -> Result<(), ApiError> {
        if roles.contains(&self.0.role) {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                format!("this token may not {doing}"),
            ))
        }
    }
}

fn actor(token: &Token) -> Actor {
    Actor {
        name: token.name.clone(),
        role: token.role,
        member: token.member.clone(),
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts.headers.get(axum::http::header::AUTHORIZATION);
        // Open311 clients pass their key as `api_key` in the query string.
        let query_key = parts.uri.query().and_then(|q| {
            q.split('&')
                .find_map(|pair| pair.strip_prefix("api_key="))
                .map(str::to_owned)
        });
        let secret = match (header, query_key) {
            (Some(value), _) => value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::to_owned)
                .ok_or_else(|| {
                    ApiError::new(StatusCode::UNAUTHORIZED, "Authorization must be `Bearer TOKEN`")
                })?,
            (None, Some(key)) => key,
            (None, None) => {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "a bearer token is required",
                ))
            }
        };
        let hash = token_hash(&secret);
        state
            .dispatcher
            .config()
            .dispatch
            .tokens
            .iter()
            .find(|t| t.sha256 == hash)
            .map(|t| Caller(actor(t)))
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unknown token"))
    }
}
