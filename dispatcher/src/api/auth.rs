//! Who is calling: a machine with a bearer token (hashed, looked up among the configured tokens),
//! or a signed-in browser with its session cookie, whose state-changing requests must also carry
//! the session's CSRF token.

use axum::{extract::FromRequestParts, http::request::Parts, http::StatusCode};
use axum_extra::extract::CookieJar;
use gridwatch_core::{
    config::{Role, Token},
    Sha256Hex,
};

use super::{
    error::ApiError,
    session::{csrf_matches, CSRF_HEADER, SESSION_COOKIE},
    AppState,
};
use crate::Actor;

/// The lowercase hex SHA-256 of a token's secret, as configured.
pub fn token_hash(secret: &str) -> String {
    Sha256Hex::of(secret.as_bytes()).to_string()
}

/// The authenticated caller.
pub struct Caller {
    pub actor: Actor,
    /// Signed in through a browser session rather than a bearer token.
    pub by_session: bool,
}

impl Caller {
    /// Refuses callers whose role is not among `roles`.
    pub fn require(&self, roles: &[Role], doing: &str) -> Result<(), ApiError> {
        if roles.contains(&self.actor.role) {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                format!("the {} role may not {doing}", self.actor.role.as_str()),
            ))
        }
    }
}

impl Caller {
    /// The holder of token `secret`.
    pub fn by_token(state: &AppState, secret: &str) -> Result<Caller, ApiError> {
        let hash = token_hash(secret);
        state
            .dispatcher
            .config()
            .dispatch
            .tokens
            .iter()
            .find(|t| t.sha256 == hash)
            .map(|t| Caller {
                actor: actor(t),
                by_session: false,
            })
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unknown token"))
    }
}

fn actor(token: &Token) -> Actor {
    Actor {
        name: token.name.clone(),
        role: token.role,
        member: token.member.clone(),
    }
}

/// The secret of a bearer token, from the header or (for Open311 clients) `api_key` in the query.
fn bearer(parts: &Parts) -> Result<Option<String>, ApiError> {
    if let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) {
        return value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|s| Some(s.to_owned()))
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "Authorization must be `Bearer TOKEN`"));
    }
    Ok(parts.uri.query().and_then(|q| {
        q.split('&')
            .find_map(|pair| pair.strip_prefix("api_key="))
            .map(str::to_owned)
    }))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(secret) = bearer(parts)? {
            return Caller::by_token(state, &secret);
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(SESSION_COOKIE) else {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "a bearer token or a signed-in session is required",
            ));
        };
        let session =
            state.dispatcher.session(cookie.value()).await?.ok_or_else(|| {
                ApiError::new(StatusCode::UNAUTHORIZED, "the session has ended; sign in again")
            })?;
        if !parts.method.is_safe() {
            let given = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if !csrf_matches(&session.csrf, given) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "a signed-in browser's change must carry its X-CSRF-Token",
                ));
            }
        }
        Ok(Caller {
            actor: session.account.actor(),
            by_session: true,
        })
    }
}
