//! Signing in with a name and password, signing out, and choosing the pages' language.
//!
//! The sign-in form is protected against cross-site submission by a double-submitted token: the
//! form carries the value of a strict, HttpOnly cookie set when the form was shown.

use axum::{
    extract::{FromRequest, Path, Query, Request, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Form, Router,
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;

use super::{
    i18n::{Lang, Words, LANG_COOKIE},
    render, PageError, Visitor,
};
use crate::api::{
    session::{self, client_address, csrf_matches, removal_cookie, session_cookie, Refused, SESSION_COOKIE},
    AppState,
};

/// The cookie holding the sign-in form's token.
const FORM_COOKIE: &str = "gw_login";

pub fn routes() -> axum::Router<AppState> {
    Router::new()
        .route("/login", get(form).post(submit))
        .route("/logout", post(sign_out))
        .route("/lang/{code}", get(switch))
}

/// `next` when it is a path on this site, else the home page: a sign-in link cannot send anyone
/// elsewhere.
fn local(next: Option<&str>) -> &str {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p,
        _ => "/",
    }
}

fn encoded(path: &str) -> String {
    form_urlencoded::byte_serialize(path.as_bytes()).collect()
}

/// The sign-in page, returning to `path` afterwards.
pub fn login_url(path: &str) -> String {
    format!("/login?next={}", encoded(path))
}

/// The language switch to `lang`, returning to `path`.
pub fn switch_url(lang: Lang, path: &str) -> String {
    format!("/lang/{}?next={}", lang.code(), encoded(path))
}

#[derive(askama::Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    lang: Lang,
    w: &'static Words,
    next: &'a str,
    token: &'a str,
    name: &'a str,
    notice: Option<String>,
    switch_href: String,
    switch_label: &'static str,
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
    ended: Option<u8>,
    out: Option<u8>,
}

/// Shows the form with a fresh form token, in a cookie and a hidden field.
fn show(
    lang: Lang,
    jar: CookieJar,
    next: &str,
    name: &str,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let token = match crate::accounts::random_token() {
        Ok(t) => t,
        Err(e) => {
            return PageError::new(lang, StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
        }
    };
    let page = LoginPage {
        lang,
        w: lang.words(),
        next,
        token: &token,
        name,
        notice,
        switch_href: switch_url(lang.other(), &login_url(next)),
        switch_label: lang.other().own_name(),
    };
    let cookie = Cookie::build((FORM_COOKIE, token.clone()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/login")
        .build();
    (status, jar.add(cookie), render(&page)).into_response()
}

async fn form(jar: CookieJar, Query(q): Query<Next>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let lang = Lang::of(&parts);
    let w = lang.words();
    let notice = if q.out.is_some() {
        Some(w.signed_out.to_owned())
    } else if q.ended.is_some() {
        Some(w.session_ended.to_owned())
    } else {
        None
    };
    show(lang, jar, local(q.next.as_deref()), "", notice, StatusCode::OK)
}

#[derive(Deserialize)]
struct Submitted {
    name: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    token: String,
}

async fn submit(State(s): State<AppState>, jar: CookieJar, request: Request) -> Response {
    let address = client_address(request.extensions());
    let (parts, body) = request.into_parts();
    let lang = Lang::of(&parts);
    let w = lang.words();
    let Ok(Form(form)) = Form::<Submitted>::from_request(Request::from_parts(parts, body), &s).await else {
        return PageError::new(lang, StatusCode::BAD_REQUEST, w.wrong_password).into_response();
    };
    let next = local(form.next.as_deref()).to_owned();
    let expected = jar
        .get(FORM_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if expected.is_empty() || !csrf_matches(&expected, &form.token) {
        let notice = lang.pick(
            "登录表单已失效，请重新输入。",
            "The sign-in form had expired; please enter your details again.",
        );
        return show(
            lang,
            jar,
            &next,
            &form.name,
            Some(notice.to_owned()),
            StatusCode::FORBIDDEN,
        );
    }
    match session::sign_in(&s, form.name.trim(), &form.password, address).await {
        Ok(opened) => {
            let jar = jar
                .add(session_cookie(&s, &opened))
                .remove(Cookie::build(FORM_COOKIE).path("/login"));
            (jar, Redirect::to(&next)).into_response()
        }
        Err(Refused::Wrong) => show(
            lang,
            jar,
            &next,
            &form.name,
            Some(w.wrong_password.to_owned()),
            StatusCode::UNAUTHORIZED,
        ),
        Err(Refused::TooMany(wait)) => show(
            lang,
            jar,
            &next,
            &form.name,
            Some(format!("{} {}", w.too_many_attempts, wait.as_secs().max(1))),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(Refused::Failed(e)) => PageError::new(lang, e.status, e.message).into_response(),
    }
}

#[derive(Deserialize)]
struct SignOut {
    #[serde(default)]
    csrf: String,
}

async fn sign_out(
    State(s): State<AppState>,
    visitor: Visitor,
    jar: CookieJar,
    Form(form): Form<SignOut>,
) -> Response {
    if let Err(refused) = visitor.check_csrf(&form.csrf) {
        return refused.into_response();
    }
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        if let Err(e) = s.dispatcher.sign_out(cookie.value()).await {
            return visitor.fail(e).into_response();
        }
    }
    (jar.add(removal_cookie()), Redirect::to("/login?out=1")).into_response()
}

#[derive(Deserialize)]
struct Back {
    next: Option<String>,
}

/// Remembers the chosen language for a year and goes back to the page.
async fn switch(Path(code): Path<String>, Query(back): Query<Back>, jar: CookieJar) -> Response {
    let Some(lang) = Lang::parse(&code) else {
        return PageError::new(
            Lang::default(),
            StatusCode::NOT_FOUND,
            format!("no language `{code}`; zh or en"),
        )
        .into_response();
    };
    let cookie = Cookie::build((LANG_COOKIE, lang.code()))
        .same_site(SameSite::Strict)
        .path("/")
        .max_age(time::Duration::days(365))
        .build();
    (jar.add(cookie), Redirect::to(local(back.next.as_deref()))).into_response()
}
