//! The cameras (/cameras): every configured camera with its health (since when, and why), its
//! grid and decoding, and its zones drawn over a frame of it, so that a city can check its zone
//! configuration against what the camera sees: its last analysed frame where the pipeline runs
//! beside the dispatcher (served at /cameras/{camera}/frame.jpg), else the latest frame it sent
//! as evidence.

use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use gridwatch_core::{
    config::{Camera, DecodePolicy, Role},
    CameraState,
};

use super::{camera_state, health_words, local_time, Overseer};
use crate::{
    api::AppState,
    overview::{CameraFrame, FrameSource},
    web::{case_view::span_words, draw::zones, i18n::Lang, render, Frame, PageError, Visitor},
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cameras", get(page))
        .route("/cameras/{camera}/frame.jpg", get(last_frame))
}

/// One camera, ready for the template.
struct CameraView {
    id: String,
    name: String,
    grid: String,
    decode: String,
    state: Option<CameraState>,
    health_class: &'static str,
    health: &'static str,
    /// When its health last changed, in the city's time, and how long ago.
    since: String,
    ago: String,
    detail: String,
    frame: Option<CameraFrame>,
    /// The number of the case the frame is evidence of; none for the last analysed frame.
    frame_case: Option<i64>,
    frame_at: String,
    /// The zones drawn over the frame, or on a blank of the stream's size.
    zones: String,
    zone_list: Vec<(String, String)>,
}

#[derive(askama::Template)]
#[template(path = "cameras.html")]
struct CamerasPage {
    frame: Frame,
    cameras: Vec<CameraView>,
    /// Offline or stalled.
    offline: usize,
    /// Frozen, dark or moved: delivering frames nobody can use until the camera is seen to.
    maintenance: usize,
}

fn decode_words(policy: DecodePolicy, lang: Lang) -> String {
    match policy {
        DecodePolicy::All => lang.pick("全部帧", "every frame").to_owned(),
        DecodePolicy::Keyframes => lang.pick("仅关键帧", "keyframes only").to_owned(),
        DecodePolicy::Fps(fps) => format!("{fps} {}", lang.pick("帧/秒", "frames/s")),
    }
}

/// Every point of a camera's configuration that is in stream pixels.
fn stream_points(camera: &Camera) -> impl Iterator<Item = [f64; 2]> + '_ {
    camera
        .zones
        .iter()
        .flat_map(|z| z.points.iter().copied())
        .chain(camera.calibration.iter().flat_map(|c| c.image.iter().copied()))
}

async fn page(State(s): State<AppState>, Overseer(visitor): Overseer) -> Response {
    let d = &s.dispatcher;
    let lang = visitor.lang;
    let config = d.config();
    let health = match d.camera_health().await {
        Ok(health) => health,
        Err(e) => return visitor.fail(e).into_response(),
    };
    let now = d.now();
    let actor = visitor.actor();
    let mut cameras = Vec::with_capacity(config.cameras.len());
    for camera in &config.cameras {
        let row = health.iter().find(|h| h.camera == camera.id.as_str());
        let state = row.and_then(|h| camera_state(&h.state));
        let (health_class, health_word) = health_words(state, lang);
        let since = row.and_then(|h| chrono::DateTime::from_timestamp_millis(h.since));
        let frame = match d.camera_frame(&actor, &camera.id).await {
            Ok(frame) => frame,
            Err(e) => return visitor.fail(e).into_response(),
        };
        let label = format!("{} {}", lang.pick("检测区域：", "Zones of"), camera.id);
        let zones = match &frame {
            Some(f) => zones::zone_overlay(&camera.zones, (f.width, f.height), false, &label),
            None => zones::zone_overlay(
                &camera.zones,
                zones::stream_size_holding(stream_points(camera)),
                true,
                &label,
            ),
        };
        cameras.push(CameraView {
            id: camera.id.to_string(),
            name: camera.name.clone().unwrap_or_else(|| camera.id.to_string()),
            grid: d.grids().locate(camera.location).map_or_else(
                || lang.pick("网格外", "outside every grid").to_owned(),
                |g| format!("{} {}", g.id, g.name),
            ),
            decode: decode_words(camera.decode, lang),
            state,
            health_class,
            health: health_word,
            since: since.map(|at| local_time(config, at)).unwrap_or_default(),
            ago: since
                .map(|at| span_words(lang, (now - at).num_milliseconds()))
                .unwrap_or_default(),
            detail: row.and_then(|h| h.detail.clone()).unwrap_or_default(),
            frame_at: frame
                .as_ref()
                .map(|f| local_time(config, f.captured_at))
                .unwrap_or_default(),
            frame_case: frame.as_ref().and_then(|f| match f.source {
                FrameSource::Evidence { number, .. } => Some(number),
                FrameSource::Analysed => None,
            }),
            frame,
            zones,
            zone_list: camera
                .zones
                .iter()
                .map(|z| (z.id.to_string(), z.role.to_string()))
                .collect(),
        });
    }
    let page = CamerasPage {
        frame: visitor.frame(lang.words().cameras, "/cameras"),
        offline: cameras
            .iter()
            .filter(|c| matches!(c.health_class, "offline" | "stalled"))
            .count(),
        maintenance: cameras
            .iter()
            .filter(|c| c.state.is_some_and(CameraState::needs_maintenance))
            .count(),
        cameras,
    };
    render(&page)
}

/// A camera's last analysed frame, for the overseers only (a member's request finds nothing, as
/// for an unknown camera), never cached: the pipeline replaces it every few seconds.
async fn last_frame(State(s): State<AppState>, visitor: Visitor, Path(camera): Path<String>) -> Response {
    let not_found = || {
        PageError::new(
            visitor.lang,
            StatusCode::NOT_FOUND,
            visitor.lang.pick("没有这个画面。", "There is no such frame."),
        )
        .into_response()
    };
    if !matches!(visitor.account.role, Role::Command | Role::Admin | Role::Auditor) {
        return not_found();
    }
    let Some(path) = s.dispatcher.last_frame_file(&camera) else {
        return not_found();
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => not_found(),
    }
}
