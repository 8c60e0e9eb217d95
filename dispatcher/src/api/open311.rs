//! Open311 GeoReport v2, read side: violation kinds as services, cases as service requests, so
//! civic systems that speak Open311 can follow the cases.

use axum::{
    extract::{Path, Query, State},
    Json,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{ApiError, AppState, Caller, READERS};
use crate::{
    cases::{Case, State as CaseState},
    queries::{CaseFilter, MAX_PER_PAGE},
};

pub async fn services(State(s): State<AppState>, caller: Caller) -> Result<Json<Vec<Value>>, ApiError> {
    caller.require(&READERS, "read services")?;
    let config = s.dispatcher.config();
    let services = config
        .known_kinds()
        .into_iter()
        .map(|kind| {
            let name = config
                .kinds
                .get(&kind)
                .map_or_else(|| kind.to_string(), |k| k.name.clone());
            json!({
                "service_code": kind,
                "service_name": name,
                "description": format!("Violations of kind {kind} found by the city's cameras"),
                "metadata": false,
                "type": "realtime",
                "keywords": "",
                "group": "street order",
            })
        })
        .collect();
    Ok(Json(services))
}

#[derive(Deserialize)]
pub struct RequestQuery {
    service_code: Option<String>,
    status: Option<String>,
    #[allow(dead_code)] // Open311 clients send it; the token is read from it by the extractor
    api_key: Option<String>,
}

pub async fn requests(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<RequestQuery>,
) -> Result<Json<Vec<Value>>, ApiError> {
    caller.require(&READERS, "read requests")?;
    let own_grid = (caller.actor.role == gridwatch_core::config::Role::Member)
        .then(|| caller.actor.grid(s.dispatcher.config()));
    let among: Option<&'static [CaseState]> = match q.status.as_deref() {
        Some("open") => Some(&CaseState::OPEN),
        Some("closed") => Some(&CaseState::ENDED),
        _ => None,
    };
    let filter = CaseFilter {
        kind: q.service_code,
        grid: own_grid.flatten(),
        among,
        per_page: Some(MAX_PER_PAGE),
        ..CaseFilter::default()
    };
    let page = s.dispatcher.cases(&filter).await?;
    Ok(Json(page.cases.iter().map(request_json).collect()))
}

/// `GET /open311/v2/requests/{number}.json`.
pub async fn request(
    State(s): State<AppState>,
    caller: Caller,
    Path(file): Path<String>,
) -> Result<Json<Vec<Value>>, ApiError> {
    caller.require(&READERS, "read requests")?;
    let not_found = || {
        ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            format!("no service request `{file}`"),
        )
    };
    let number: i64 = file
        .strip_suffix(".json")
        .unwrap_or(&file)
        .parse()
        .map_err(|_| not_found())?;
    let id = s
        .dispatcher
        .case_id_of_number(number)
        .await?
        .ok_or_else(not_found)?;
    let case = s.dispatcher.case(&caller.actor, &id).await?;
    Ok(Json(vec![request_json(&case)]))
}

fn iso(ms: Option<i64>) -> Option<String> {
    ms.and_then(DateTime::<Utc>::from_timestamp_millis)
        .map(|t| t.to_rfc3339())
}

fn request_json(case: &Case) -> Value {
    json!({
        "service_request_id": case.number.to_string(),
        "status": if case.state.is_open() { "open" } else { "closed" },
        "status_notes": case.state.as_str(),
        "service_code": case.kind,
        "service_name": case.kind,
        "description": format!("{} seen by camera {}{}", case.kind, case.camera, case.zone.as_ref().map(|z| format!(" in zone {z}")).unwrap_or_default()),
        "agency_responsible": case.grid.as_deref().unwrap_or("command centre"),
        "requested_datetime": iso(Some(case.reported_at)),
        "updated_datetime": iso(Some(case.updated_at)),
        "expected_datetime": iso(case.handle_due),
        "lat": case.lat,
        "long": case.lon,
    })
}
