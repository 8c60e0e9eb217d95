//! Signing in and out. Browsers get a session cookie (HttpOnly, SameSite=Strict, lasting a
//! shift) and a CSRF token that every state-changing request of theirs must carry, in a form's
//! `csrf` field or the `X-CSRF-Token` header. Attempts are limited per name and per address.

use std::{net::IpAddr, net::SocketAddr, time::Duration};

use axum::{
    extract::{ConnectInfo, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;
use serde_json::json;

use super::{error::ApiError, parse, AppState};
use crate::accounts::{Opened, SESSION_LASTS};

/// The cookie that carries a browser's session.
pub const SESSION_COOKIE: &str = "gw_session";

/// The header a signed-in browser's scripts send the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Why a sign-in did not open a session.
pub enum Refused {
    /// The name or the password is wrong (which one is not said).
    Wrong,
    /// Too many attempts: try again after this long.
    TooMany(Duration),
    Failed(ApiError),
}

/// The address a request came from, when the server was started with it.
pub fn client_address(extensions: &axum::http::Extensions) -> Option<IpAddr> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip())
}

/// Checks the limit, then the name and password.
pub async fn sign_in(
    state: &AppState,
    name: &str,
    password: &str,
    address: Option<IpAddr>,
) -> Result<Opened, Refused> {
    state.limiter.attempt(name, address).map_err(Refused::TooMany)?;
    match state.dispatcher.sign_in(name, password).await {
        Ok(Some(opened)) => Ok(opened),
        Ok(None) => {
            tracing::warn!(account = %name, "Sign-in refused");
            Err(Refused::Wrong)
        }
        Err(e) => Err(Refused::Failed(ApiError::about(e, Some("sign-in")))),
    }
}

/// The cookie that keeps `opened` signed in.
pub fn session_cookie(state: &AppState, opened: &Opened) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, opened.cookie.clone()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.dispatcher.config().api.secure_cookies)
        .path("/")
        .max_age(time::Duration::seconds(SESSION_LASTS.as_secs() as i64))
        .build()
}

/// Tells the browser to forget its session cookie.
pub fn removal_cookie() -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, "")).path("/").removal().build()
}

/// Compares a CSRF token without an early exit, so timing does not reveal how much matched.
pub fn csrf_matches(expected: &str, given: &str) -> bool {
    expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Credentials {
    name: String,
    password: String,
}

/// `POST /api/v1/session`: signs in with a JSON body; answers the account and its CSRF token.
pub async fn open(State(s): State<AppState>, request: axum::extract::Request) -> Response {
    let address = client_address(request.extensions());
    let body = match axum::body::to_bytes(request.into_body(), super::MAX_BODY).await {
        Ok(body) => body,
        Err(_) => {
            return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "the body is too large").into_response()
        }
    };
    let credentials: Credentials = match parse(&body) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    match sign_in(&s, &credentials.name, &credentials.password, address).await {
        Ok(opened) => {
            let account = &opened.session.account;
            let body = json!({
                "account": account.name,
                "role": account.role,
                "member": account.member,
                "csrf": opened.session.csrf,
                "expires": opened.session.expires,
            });
            (CookieJar::new().add(session_cookie(&s, &opened)), Json(body)).into_response()
        }
        Err(refused) => refusal(refused).into_response(),
    }
}

/// The API's answer to a refused sign-in.
fn refusal(refused: Refused) -> Response {
    match refused {
        Refused::Wrong => {
            ApiError::new(StatusCode::UNAUTHORIZED, "wrong account name or password").into_response()
        }
        Refused::TooMany(wait) => {
            let seconds = wait.as_secs().max(1);
            (
                [(header::RETRY_AFTER, seconds.to_string())],
                ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("too many sign-in attempts; try again in {seconds} s"),
                ),
            )
                .into_response()
        }
        Refused::Failed(e) => e.into_response(),
    }
}

/// `DELETE /api/v1/session`: signs out the session whose cookie (and CSRF header) came with it.
pub async fn close(
    State(s): State<AppState>,
    caller: super::Caller,
    jar: CookieJar,
) -> Result<Response, ApiError> {
    let cookie = jar
        .get(SESSION_COOKIE)
        .filter(|_| caller.by_session)
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "only a browser session can sign out"))?;
    s.dispatcher.sign_out(cookie.value()).await?;
    Ok((StatusCode::NO_CONTENT, jar.add(removal_cookie())).into_response())
}
