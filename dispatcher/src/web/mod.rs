//! The web pages of the command centre and the grid teams, served by the dispatcher beside its
//! API: rendered on the server from templates checked at compile time, with their stylesheet and
//! scripts compiled into the binary, nothing loaded from outside. A page asks only the dispatcher's
//! public functions (the same ones the API uses) and shows what the visitor's role and grid allow.

mod assets;
mod case_page;
mod case_view;
mod centre;
pub mod draw;
mod frame;
pub mod i18n;
mod overview;
mod review;
mod sign_in;
mod tasks;
mod thumbnails;

use askama::Template;
use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts, HeaderValue, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
    routing::get,
    Router,
};
use axum_extra::extract::CookieJar;
use gridwatch_core::config::Role;

pub use frame::Frame;
use i18n::Lang;

use crate::{
    accounts::Account,
    api::{session::SESSION_COOKIE, AppState},
    Actor, DispatchError,
};

/// Every page and its assets.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .merge(sign_in::routes())
        .merge(assets::routes())
        .merge(centre::routes())
        .merge(review::routes())
        .merge(case_page::routes())
        .merge(tasks::routes())
        .merge(overview::routes())
        .layer(axum::middleware::map_response(guard_headers))
}

/// Pages may run only their own scripts and styles, show only their own images and media, and
/// may not be framed by another site.
async fn guard_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; \
             script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// A signed-in person looking at a page.
pub struct Visitor {
    pub account: Account,
    /// The token this session's forms carry.
    pub csrf: String,
    pub lang: Lang,
    /// The page's path and query, for the language switch to return to.
    pub path: String,
}

impl Visitor {
    pub fn actor(&self) -> Actor {
        self.account.actor()
    }

    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, given: &str) -> Result<(), PageError> {
        if crate::api::session::csrf_matches(&self.csrf, given) {
            Ok(())
        } else {
            Err(PageError::new(
                self.lang,
                StatusCode::FORBIDDEN,
                self.lang.pick(
                    "表单已失效（安全校验未通过），请返回刷新页面后重试。",
                    "The form has expired (its security token did not match); go back, reload the page and try again.",
                ),
            ))
        }
    }

    /// A posted form, if it could be read and carries this session's CSRF token (`csrf` finds
    /// it in the form); the refusal as a page otherwise.
    pub fn posted<T>(
        &self,
        form: Result<axum::extract::Form<T>, axum::extract::rejection::FormRejection>,
        csrf: impl FnOnce(&T) -> &str,
    ) -> Result<T, PageError> {
        let form = match form {
            Ok(axum::extract::Form(form)) => form,
            Err(r) => return Err(PageError::new(self.lang, r.status(), r.body_text())),
        };
        self.check_csrf(csrf(&form))?;
        Ok(form)
    }

    /// A failure of the dispatcher, as a page in the visitor's language.
    pub fn fail(&self, e: DispatchError) -> PageError {
        if matches!(e, DispatchError::NotFound(_)) {
            // Absent and not visible read the same, as the API answers them.
            let said = self.lang.pick(
                "没有这个案件，或它不在您的网格内。",
                "There is no such case, or it is not in your grid.",
            );
            return PageError::new(self.lang, StatusCode::NOT_FOUND, said);
        }
        let answered = crate::api::ApiError::about(e, Some(&format!("page {}", self.path)));
        PageError::new(self.lang, answered.status, answered.message)
    }

    /// The frame around a page: navigation for this visitor's role, the language switch, sign-out.
    pub fn frame(&self, title: &str, current: &'static str) -> Frame {
        Frame::new(self, title, current)
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let lang = Lang::of(parts);
        let path = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        let sign_in_first = || Redirect::to(&sign_in::login_url(&path)).into_response();
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(SESSION_COOKIE) else {
            return Err(sign_in_first());
        };
        match state.dispatcher.session(cookie.value()).await {
            Ok(Some(session)) => Ok(Visitor {
                account: session.account,
                csrf: session.csrf,
                lang,
                path,
            }),
            Ok(None) => Err(sign_in_first()),
            Err(e) => Err(PageError::new(
                lang,
                StatusCode::SERVICE_UNAVAILABLE,
                crate::api::ApiError::about(e, Some("session lookup")).message,
            )
            .into_response()),
        }
    }
}

/// A page that could not be shown or a form that could not be done, with its status.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub message: String,
    pub lang: Lang,
}

impl PageError {
    pub fn new(lang: Lang, status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            lang,
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    lang: Lang,
    w: &'static i18n::Words,
    status: u16,
    message: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            lang: self.lang,
            w: self.lang.words(),
            status: self.status.as_u16(),
            message: &self.message,
        };
        (self.status, render(&page)).into_response()
    }
}

/// A template as an HTML response; a template that fails to render is a bug, answered 500.
pub fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "Rendering a page failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be drawn").into_response()
        }
    }
}

/// Each role's first page.
async fn home(visitor: Visitor) -> Redirect {
    Redirect::to(match visitor.account.role {
        Role::Member => "/tasks",
        _ => "/centre",
    })
}
