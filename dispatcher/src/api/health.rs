//! Whether the dispatcher is up and ready, and its Prometheus metrics.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::{extract::State, http::header, response::IntoResponse};

use super::{ApiError, AppState};
use gridwatch_core::CameraState;

use crate::cases::State as CaseState;

#[derive(Default)]
pub struct Metrics {
    pub events_stored: AtomicU64,
    pub events_duplicate: AtomicU64,
    pub events_rejected: AtomicU64,
}

pub async fn ready(State(s): State<AppState>) -> Result<&'static str, ApiError> {
    s.dispatcher
        .store()
        .ping()
        .await
        .map_err(|e| ApiError::store_failed(&e, Some("readiness check")))?;
    Ok("ready")
}

pub async fn metrics(State(s): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let m = &s.metrics;
    let mut out = String::from("# HELP gridwatch_events_total Events posted to the dispatcher, by outcome.\n# TYPE gridwatch_events_total counter\n");
    for (outcome, counter) in [
        ("stored", &m.events_stored),
        ("duplicate", &m.events_duplicate),
        ("rejected", &m.events_rejected),
    ] {
        out += &format!(
            "gridwatch_events_total{{outcome=\"{outcome}\"}} {}\n",
            counter.load(Ordering::Relaxed)
        );
    }
    out += "# HELP gridwatch_cases Cases by state.\n# TYPE gridwatch_cases gauge\n";
    let counts = s.dispatcher.count_by_state().await?;
    for state in CaseState::ALL {
        let n = counts.iter().find(|(s, _)| *s == state).map_or(0, |(_, n)| *n);
        out += &format!("gridwatch_cases{{state=\"{state}\"}} {n}\n");
    }
    out += "# HELP gridwatch_cameras Configured cameras by the health their pipeline last reported.\n# TYPE gridwatch_cameras gauge\n";
    let health = s.dispatcher.camera_health().await?;
    let cameras = &s.dispatcher.config().cameras;
    let configured: Vec<_> = health
        .iter()
        .filter(|h| cameras.iter().any(|c| c.id.as_str() == h.camera))
        .collect();
    for state in CameraState::ALL {
        let n = configured.iter().filter(|h| h.state == state.as_str()).count();
        out += &format!("gridwatch_cameras{{state=\"{}\"}} {n}\n", state.as_str());
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out))
}
