//! The dispatcher's HTTP API: REST under `/api/v1` (with each case's evidence files and photo
//! uploads), a Server-Sent Events feed, Open311 GeoReport v2 read endpoints, Prometheus metrics
//! and health checks.

mod auth;
mod error;
pub(crate) mod evidence;
mod feed;
pub(crate) mod form;
mod health;
mod open311;
pub mod session;

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{DefaultBodyLimit, Path, Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use gridwatch_core::{config::Role, PipelineEvent};
use prometheus_client::registry::Registry;
use serde::de::DeserializeOwned;
use serde_json::json;

pub use auth::{token_hash, Caller};
pub use error::ApiError;
pub use evidence::MAX_UPLOAD_BODY;

use crate::{accounts::SignInLimiter, cases::Case, queries::CaseFilter, ActionRequest, Dispatcher, Ingested};

/// Request bodies larger than this are refused with 413: an event with its evidence list is a
/// few kilobytes. Photo uploads have their own limit.
pub const MAX_BODY: usize = 256 * 1024;

/// Roles that may read cases.
const READERS: [Role; 4] = [Role::Command, Role::Member, Role::Auditor, Role::Admin];

#[derive(Clone)]
pub struct AppState {
    pub dispatcher: Arc<Dispatcher>,
    metrics: Arc<health::Metrics>,
    limiter: Arc<SignInLimiter>,
}

/// The whole API over `dispatcher`.
pub fn router(dispatcher: Arc<Dispatcher>) -> Router {
    router_showing(dispatcher, None)
}

/// The whole API over `dispatcher`, its `/metrics` also showing the series of `beside` (those of
/// a pipeline running in the same process).
pub fn router_showing(dispatcher: Arc<Dispatcher>, beside: Option<Arc<Registry>>) -> Router {
    let state = AppState {
        limiter: Arc::new(SignInLimiter::by(dispatcher.clock())),
        dispatcher,
        metrics: Arc::new(health::Metrics::new(beside)),
    };
    Router::new()
        .route("/api/v1/session", post(session::open).delete(session::close))
        .route("/api/v1/events", post(post_event))
        .route("/api/v1/cases", get(list_cases))
        .route("/api/v1/cases/{id}", get(one_case))
        .route("/api/v1/cases/{id}/actions", post(act_on_case))
        .route("/api/v1/cases/{id}/audit", get(case_audit))
        .route("/api/v1/cases/{id}/evidence", get(evidence::list))
        .route("/api/v1/cases/{id}/package", get(evidence::package))
        .route("/api/v1/cases/{id}/evidence/{sha256}", get(evidence::file))
        .route(
            "/api/v1/cases/{id}/evidence/{sha256}/thumbnail",
            get(evidence::thumbnail),
        )
        .route(
            "/api/v1/cases/{id}/photos",
            post(evidence::upload).layer(DefaultBodyLimit::max(evidence::MAX_UPLOAD_BODY)),
        )
        .route("/api/v1/tasks/mine", get(my_tasks))
        .route("/api/v1/grids", get(grids))
        .route("/api/v1/cameras", get(cameras))
        .route("/api/v1/shops", get(shops))
        .route("/api/v1/indicators", get(indicators))
        .route("/api/v1/deliveries", get(deliveries))
        .route("/api/v1/exports/false-positives", get(false_positives))
        .route("/api/v1/feed", get(feed::follow))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/metrics", get(health::metrics))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(health::ready))
        .merge(open311::routes().layer(DefaultBodyLimit::max(evidence::MAX_UPLOAD_BODY)))
        .merge(crate::web::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

/// Parses a JSON body: malformed JSON is 400, a body of the wrong shape 422 naming the field.
pub(crate) fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    shaped(value)
}

/// `value` as a `T`, or 422 naming the field at fault.
fn shaped<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = e.path().to_string();
        let message = if field == "." {
            e.into_inner().to_string()
        } else {
            format!("{field}: {}", e.into_inner())
        };
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    })
}

/// An event body: its `type` picks the shape, so errors can name fields inside it (serde's own
/// tagged-enum parsing loses the path).
fn parse_event(body: &[u8]) -> Result<PipelineEvent, ApiError> {
    let mut value: serde_json::Value = parse(body)?;
    let unprocessable = |m: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m);
    let tag = value
        .as_object_mut()
        .ok_or_else(|| unprocessable("the body must be a JSON object".into()))?
        .remove("type");
    match tag.as_ref().and_then(|t| t.as_str()) {
        Some("violation") => Ok(PipelineEvent::Violation(shaped(value)?)),
        Some("violation_cleared") => Ok(PipelineEvent::ViolationCleared(shaped(value)?)),
        Some("camera_health") => Ok(PipelineEvent::CameraHealth(shaped(value)?)),
        Some(other) => Err(unprocessable(format!(
            "type: unknown event type `{other}`; one of violation, violation_cleared, camera_health"
        ))),
        None => Err(unprocessable(
            "type: missing; one of violation, violation_cleared, camera_health".into(),
        )),
    }
}

async fn post_event(State(s): State<AppState>, caller: Caller, body: Bytes) -> Result<Response, ApiError> {
    caller.require(&[Role::Ingest, Role::Command, Role::Admin], "post events")?;
    let outcome = match parse_event(&body) {
        Ok(event) => s
            .dispatcher
            .ingest(&event)
            .await
            .map_err(|e| ApiError::about(e, Some(&subject_of(&event)))),
        Err(e) => Err(e),
    };
    s.metrics.posted(match &outcome {
        Ok(Ingested::Stored { .. }) => health::Posted::Stored,
        Ok(Ingested::Duplicate { .. }) => health::Posted::Duplicate,
        Err(_) => health::Posted::Rejected,
    });
    let outcome = outcome?;
    let status = match outcome {
        Ingested::Stored { .. } => StatusCode::CREATED,
        Ingested::Duplicate { .. } => StatusCode::OK,
    };
    Ok((status, Json(outcome)).into_response())
}

/// What an event is about, for the log.
fn subject_of(event: &PipelineEvent) -> String {
    match event {
        PipelineEvent::Violation(v) => format!("event {}", v.id),
        PipelineEvent::ViolationCleared(c) => format!("event {} (cleared)", c.id),
        PipelineEvent::CameraHealth(h) => format!("camera {} health", h.camera),
    }
}

async fn list_cases(
    State(s): State<AppState>,
    caller: Caller,
    Query(mut filter): Query<CaseFilter>,
) -> Result<Json<crate::queries::CasePage>, ApiError> {
    caller.require(&READERS, "read cases")?;
    if caller.actor.role == Role::Member {
        // A member sees their own grid; asking for another is asking for nothing.
        let own = caller.actor.grid(s.dispatcher.config());
        if filter.grid.is_some() && filter.grid != own {
            filter.grid = Some(String::new());
        } else {
            filter.grid = own;
        }
    }
    Ok(Json(s.dispatcher.cases(&filter).await?))
}

async fn one_case(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Case>, ApiError> {
    caller.require(&READERS, "read cases")?;
    Ok(Json(
        s.dispatcher
            .case(&caller.actor, &id)
            .await
            .map_err(about_case(&id))?,
    ))
}

/// Answers a failure of a request about case `id`.
fn about_case(id: &str) -> impl FnOnce(crate::DispatchError) -> ApiError + '_ {
    move |e| ApiError::about(e, Some(&format!("case {id}")))
}

async fn act_on_case(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Case>, ApiError> {
    // Visibility first: a member acting on another grid's case learns nothing (404).
    s.dispatcher
        .case(&caller.actor, &id)
        .await
        .map_err(about_case(&id))?;
    let request: ActionRequest = parse(&body)?;
    Ok(Json(
        s.dispatcher
            .act(&caller.actor, &id, &request)
            .await
            .map_err(about_case(&id))?,
    ))
}

async fn case_audit(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<crate::cases::audit::Entry>>, ApiError> {
    caller.require(&READERS, "read cases")?;
    s.dispatcher
        .case(&caller.actor, &id)
        .await
        .map_err(about_case(&id))?;
    Ok(Json(
        s.dispatcher.audit_log(Some(&id)).await.map_err(about_case(&id))?,
    ))
}

async fn my_tasks(State(s): State<AppState>, caller: Caller) -> Result<Json<Vec<Case>>, ApiError> {
    let member = caller
        .actor
        .member
        .clone()
        .ok_or_else(|| ApiError::new(StatusCode::FORBIDDEN, "only member tokens have tasks"))?;
    Ok(Json(s.dispatcher.tasks_of(member.as_str()).await?))
}

async fn grids(State(s): State<AppState>, caller: Caller) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(&READERS, "read grids")?;
    let config = s.dispatcher.config();
    let grids: Vec<_> = s
        .dispatcher
        .grids()
        .grids()
        .iter()
        .map(|g| {
            let team = config.teams.iter().find(|t| t.grid == g.id);
            json!({
                "id": g.id,
                "name": g.name,
                "leader": team.map(|t| &t.leader.id),
                "members": team.map(|t| t.members().map(|m| &m.id).collect::<Vec<_>>()),
            })
        })
        .collect();
    Ok(Json(json!({ "grids": grids })))
}

/// The registered shops with their grades (三色等级): a member sees those in their grid.
async fn shops(State(s): State<AppState>, caller: Caller) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(&READERS, "read shop grades")?;
    let shops = s.dispatcher.shop_standings(&caller.actor).await?;
    Ok(Json(json!({ "shops": shops })))
}

/// The configured cameras with their grid and the last health their pipeline reported.
async fn cameras(State(s): State<AppState>, caller: Caller) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(&READERS, "read cameras")?;
    let health = s.dispatcher.camera_health().await?;
    let cameras: Vec<_> = s
        .dispatcher
        .config()
        .cameras
        .iter()
        .map(|c| {
            let grid = s.dispatcher.grids().locate(c.location).map(|g| g.id.to_string());
            let state = health.iter().find(|h| h.camera == c.id.as_str());
            json!({
                "id": c.id,
                "name": c.name,
                "location": c.location,
                "grid": grid,
                "health": state,
            })
        })
        .collect();
    Ok(Json(json!({ "cameras": cameras })))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Period {
    from: Option<chrono::DateTime<chrono::Utc>>,
    to: Option<chrono::DateTime<chrono::Utc>>,
    grid: Option<String>,
}

/// Indicators per grid and kind; the last 30 days unless `from`/`to` say otherwise.
async fn indicators(
    State(s): State<AppState>,
    caller: Caller,
    Query(period): Query<Period>,
) -> Result<Json<Vec<crate::indicators::Indicators>>, ApiError> {
    caller.require(&READERS, "read indicators")?;
    let to = period.to.unwrap_or_else(|| s.dispatcher.now());
    let from = period.from.unwrap_or(to - chrono::TimeDelta::days(30));
    let grid = match caller.actor.role {
        Role::Member => caller.actor.grid(s.dispatcher.config()),
        _ => period.grid,
    };
    Ok(Json(s.dispatcher.indicators(from, to, grid.as_deref()).await?))
}

/// Webhook deliveries, newest first: whether each arrived, and why not.
async fn deliveries(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<crate::outbox::Delivery>>, ApiError> {
    caller.require(
        &[Role::Command, Role::Auditor, Role::Admin],
        "read webhook deliveries",
    )?;
    Ok(Json(s.dispatcher.deliveries().await?))
}

/// Cases voided at review with their reasons and the events that raised them, as JSON Lines:
/// the detector's false positives, for retraining.
async fn false_positives(State(s): State<AppState>, caller: Caller) -> Result<impl IntoResponse, ApiError> {
    caller.require(
        &[Role::Command, Role::Auditor, Role::Admin],
        "export false positives",
    )?;
    let lines = s.dispatcher.false_positives().await?;
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], lines))
}

async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("../../openapi.json"),
    )
}
