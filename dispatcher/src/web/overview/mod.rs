//! The command centre's overview pages, for command, admin and auditor accounts: the city map
//! ([`map`]), the cameras with their health and zones ([`cameras`]) and the analysis of a period
//! ([`analysis`], 分析研判). A grid member is sent to their tasks, except from the shops graded
//! by their record ([`shops`]), where they see their grid's shops.

mod analysis;
mod cameras;
mod map;
pub mod shops;

use axum::{
    extract::FromRequestParts,
    http::{request::Parts, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Router,
};
use chrono::{DateTime, Utc};
use gridwatch_core::{config::Role, CameraState};

use super::{
    i18n::{kind_name, Lang},
    PageError, Visitor,
};
use crate::api::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(map::routes())
        .merge(cameras::routes())
        .merge(analysis::routes())
        .merge(shops::routes())
}

/// A visitor who oversees the whole city: a command-centre operator, an admin or an auditor.
pub struct Overseer(pub Visitor);

impl FromRequestParts<AppState> for Overseer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let visitor = Visitor::from_request_parts(parts, state).await?;
        match visitor.account.role {
            Role::Command | Role::Admin | Role::Auditor => Ok(Overseer(visitor)),
            Role::Member => Err(Redirect::to("/tasks").into_response()),
            Role::Ingest => Err(PageError::new(
                visitor.lang,
                StatusCode::NOT_FOUND,
                visitor.lang.pick("没有这个页面。", "There is no such page."),
            )
            .into_response()),
        }
    }
}

/// A camera health as stored (`online`, `offline`, `stalled`, `frozen`, `dark`, `moved`).
fn camera_state(stored: &str) -> Option<CameraState> {
    serde_json::from_value(serde_json::Value::String(stored.to_owned())).ok()
}

/// A camera's health as (CSS class, word).
fn health_words(state: Option<CameraState>, lang: Lang) -> (&'static str, &'static str) {
    match state {
        Some(CameraState::Online) => ("online", lang.pick("在线", "online")),
        Some(CameraState::Offline) => ("offline", lang.pick("离线", "offline")),
        Some(CameraState::Stalled) => ("stalled", lang.pick("卡顿", "stalled")),
        Some(CameraState::Frozen) => ("frozen", lang.pick("画面冻结", "frozen")),
        Some(CameraState::Dark) => ("dark", lang.pick("黑屏或遮挡", "dark or covered")),
        Some(CameraState::Moved) => ("moved", lang.pick("视角偏移", "moved")),
        None => ("unknown", lang.pick("未上报", "not reported")),
    }
}

/// A moment in the city's time, as the pages write it.
fn local_time(config: &gridwatch_core::config::Config, at: DateTime<Utc>) -> String {
    at.with_timezone(&config.city.timezone.0)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}
