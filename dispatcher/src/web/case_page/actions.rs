//! The case page's forms: `POST /cases/{number}/act` for every action, and
//! `POST /cases/{number}/handle` (multipart) for handling with photos. Each checks the session's
//! CSRF token first, then that the visitor may see the case (404 otherwise), then asks the
//! dispatcher, which decides what the state and role allow. Done, the visitor goes back to the
//! case page with a message; refused, the page shows again with the refusal and what was typed.

use axum::{
    extract::{
        multipart::MultipartRejection, rejection::FormRejection, DefaultBodyLimit, Form, Multipart, Path,
        State,
    },
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::post,
    Router,
};
use chrono::{NaiveDateTime, TimeZone, Utc};
use gridwatch_core::{config::Config, MemberId};
use serde::Deserialize;

use super::{
    find,
    words::{action_name, words, CaseWords},
    CasePage, Refusal, Typed,
};
use crate::web::{i18n::Lang, render, PageError, Visitor};
use crate::{
    api::{
        form::{self, photo_status, Refusal as Unread},
        ApiError, AppState,
    },
    cases::{permissions::may, Action, Case},
    evidence::photos::{PhotoError, MAX_PHOTOS_PER_UPLOAD, MAX_PHOTO_BYTES},
    ActionRequest, DispatchError, Dispatcher,
};

/// The handling form's body limit: the most photos, each of the largest size, and room for the
/// note and the form's own lines.
const MAX_HANDLE_BODY: usize = MAX_PHOTOS_PER_UPLOAD * MAX_PHOTO_BYTES + 64 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new().route("/cases/{number}/act", post(act)).route(
        "/cases/{number}/handle",
        post(handle).layer(DefaultBodyLimit::max(MAX_HANDLE_BODY)),
    )
}

#[derive(Deserialize)]
struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    typed: Typed,
}

async fn act(
    State(s): State<AppState>,
    visitor: Visitor,
    Path(number): Path<String>,
    form: Result<Form<ActForm>, FormRejection>,
) -> Response {
    let form = match visitor.posted(form, |f| &f.csrf) {
        Ok(form) => form,
        Err(refused) => return refused.into_response(),
    };
    let d = &s.dispatcher;
    let case = match find(d, &visitor, &number).await {
        Ok(case) => case,
        Err(e) => return e.into_response(),
    };
    let t = words(visitor.lang);
    let typed = form.typed;
    let (action, request) = match request_of(&typed, d.config(), t) {
        Ok(asked) => asked,
        Err(message) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return refused(d, &visitor, &case, status, message, typed).await;
        }
    };
    match d.act(&visitor.actor(), &case.id, &request).await {
        Ok(_) => back(case.number, action, None),
        Err(e) => {
            let (status, message) = answered(visitor.lang, e, &case.id);
            refused(d, &visitor, &case, status, message, typed).await
        }
    }
}

/// What the form asks, as the dispatcher takes it; or what cannot be read, in words.
fn request_of(typed: &Typed, config: &Config, t: &CaseWords) -> Result<(Action, ActionRequest), String> {
    let action =
        Action::parse(&typed.action).ok_or_else(|| format!("{} ({})", t.bad_action, typed.action))?;
    let given = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_owned());
    let to = given(&typed.to)
        .map(|to| MemberId::new(&to).map_err(|e| format!("to: {e}")))
        .transpose()?;
    let until = given(&typed.until)
        .map(|until| {
            // A datetime-local field: the city's wall clock, to the minute (or second).
            ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(&until, f).ok())
                .and_then(|local| config.city.timezone.0.from_local_datetime(&local).earliest())
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| format!("{} ({until})", t.bad_until))
        })
        .transpose()?;
    let request = ActionRequest {
        action: Some(action),
        note: given(&typed.note),
        reason: given(&typed.reason),
        to,
        photo: None,
        until,
    };
    Ok((action, request))
}

/// Back to the case page, saying what was done.
fn back(number: i64, action: Action, photos: Option<usize>) -> Response {
    let photos = photos.map(|n| format!("&photos={n}")).unwrap_or_default();
    Redirect::to(&format!("/cases/{number}?done={action}{photos}")).into_response()
}

/// The case page again, with `status`, the refusal and what was typed.
async fn refused(
    d: &Dispatcher,
    visitor: &Visitor,
    case: &Case,
    status: StatusCode,
    message: String,
    typed: Typed,
) -> Response {
    let t = words(visitor.lang);
    let headline = match status {
        StatusCode::CONFLICT => t.refused_state,
        StatusCode::FORBIDDEN => t.refused_role,
        StatusCode::UNPROCESSABLE_ENTITY => t.refused_form,
        StatusCode::PAYLOAD_TOO_LARGE | StatusCode::UNSUPPORTED_MEDIA_TYPE => t.refused_photo,
        _ => t.refused_other,
    };
    let refusal = Refusal {
        status,
        headline,
        message,
        typed,
    };
    match CasePage::build(d, visitor, case, None, Some(refusal)).await {
        Ok(page) => (status, render(&page)).into_response(),
        Err(e) => visitor.fail(e).into_response(),
    }
}

async fn handle(
    State(s): State<AppState>,
    visitor: Visitor,
    Path(number): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let lang = visitor.lang;
    let t = words(lang);
    let form = match form {
        Ok(form) => form::read(form, "photo").await,
        Err(r) => return PageError::new(lang, r.status(), r.body_text()).into_response(),
    };
    let (form, photo_refused) = match form {
        Ok(form) => (form, None),
        Err(Unread::Photo(e, typed)) => (typed, Some(e)),
        Err(Unread::Form(e)) => return unreadable(lang, e).into_response(),
    };
    if let Err(refused) = visitor.check_csrf(form.field("csrf").unwrap_or_default()) {
        return refused.into_response();
    }
    let note = form.field("note").unwrap_or_default().to_owned();
    let d = &s.dispatcher;
    let case = match find(d, &visitor, &number).await {
        Ok(case) => case,
        Err(e) => return e.into_response(),
    };
    let typed = Typed {
        action: Action::Handle.as_str().to_owned(),
        note: note.clone(),
        ..Typed::default()
    };
    let refuse =
        |status: StatusCode, message: String| refused(d, &visitor, &case, status, message, typed.clone());
    if let Some(e) = photo_refused {
        return refuse(photo_status(&e), photo_refusal(lang, &e)).await;
    }
    if note.is_empty() || form.photos.is_empty() {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return refuse(status, t.note_and_photo_needed.to_owned()).await;
    }
    // No photo is recorded for a handling the case's state or the visitor's role refuses.
    let actor = visitor.actor();
    if let Err(e) = case.after(Action::Handle) {
        let (status, message) = answered(lang, e.into(), &case.id);
        return refuse(status, message).await;
    }
    if let Err(e) = may(&actor, &case, Action::Handle, d.config()) {
        let (status, message) = answered(lang, e, &case.id);
        return refuse(status, message).await;
    }
    let count = form.photos.len();
    let photos = match d.add_photos(&actor, &case.id, form.photos).await {
        Ok(photos) => photos,
        Err(PhotoError::Case(e)) => {
            let (status, message) = answered(lang, e, &case.id);
            return refuse(status, message).await;
        }
        Err(e) => {
            if matches!(e, PhotoError::Storage { .. }) {
                // The photo folder failed: the server's business, logged.
                tracing::error!(case = %case.id, error = %e, "Photos not stored");
            }
            return refuse(photo_status(&e), photo_refusal(lang, &e)).await;
        }
    };
    let request = ActionRequest {
        action: Some(Action::Handle),
        note: Some(note),
        // The photos just recorded, by the URLs the evidence serves them at.
        photo: Some(
            photos
                .iter()
                .map(|p| p.url.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        ),
        ..ActionRequest::default()
    };
    match d.act(&actor, &case.id, &request).await {
        Ok(_) => back(case.number, Action::Handle, Some(count)),
        Err(e) => {
            let (status, message) = answered(lang, e, &case.id);
            refuse(status, message).await
        }
    }
}

/// The dispatcher's refusal as the page says it: a refusal by the case's state in the page's
/// language, anything else in the dispatcher's own words (store failures logged with the case).
fn answered(lang: Lang, e: DispatchError, case: &str) -> (StatusCode, String) {
    let translated = match &e {
        DispatchError::Refused(r) if lang == Lang::Zh => Some(format!(
            "状态为「{}」的案件不能「{}」。",
            lang.state(r.state),
            action_name(lang, r.action)
        )),
        _ => None,
    };
    let answered = ApiError::about(e, Some(&format!("case {case} (page)")));
    (answered.status, translated.unwrap_or(answered.message))
}

/// A refused photo, said in the page's language.
fn photo_refusal(lang: Lang, e: &PhotoError) -> String {
    let max = MAX_PHOTO_BYTES >> 20;
    match (lang, e) {
        (Lang::Zh, PhotoError::NotAnImage { file_name, why }) => {
            format!("照片「{file_name}」未被接受：{why}。照片须为 JPEG、PNG 或 WebP 图片。")
        }
        (Lang::Zh, PhotoError::TooBig { file_name }) => {
            format!("照片「{file_name}」太大：每张照片不超过 {max} MiB。")
        }
        (Lang::Zh, PhotoError::TooMany) => format!("一次最多上传 {MAX_PHOTOS_PER_UPLOAD} 张照片。"),
        (Lang::En, PhotoError::NotAnImage { file_name, why }) => {
            format!("{file_name} {why}: photos must be JPEG, PNG or WebP images.")
        }
        (Lang::En, PhotoError::TooBig { file_name }) => {
            format!("{file_name} is too big: a photo may have at most {max} MiB.")
        }
        (_, PhotoError::Storage { .. }) => lang
            .pick(
                "照片未能保存，未做任何记录，请稍后重试。",
                "The photos could not be stored; nothing was recorded, try again shortly.",
            )
            .to_owned(),
        (_, e) => e.to_string(),
    }
}

/// A handling form that cannot be read to its end: over the body limit, cut short, malformed.
fn unreadable(lang: Lang, e: ApiError) -> PageError {
    let status = e.status;
    let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
        format!(
            "{} {MAX_PHOTOS_PER_UPLOAD} × {} MiB",
            lang.pick("上传内容过大，最多：", "The upload is too big; at most"),
            MAX_PHOTO_BYTES >> 20
        )
    } else {
        format!(
            "{} {}",
            lang.pick("表单无法读取：", "The form cannot be read:"),
            e.message
        )
    };
    PageError::new(lang, status, message)
}
