//! Whether the dispatcher is up and ready, and its Prometheus metrics.

use std::sync::Arc;

use axum::{extract::State, http::header, response::IntoResponse};
use prometheus_client::{
    encoding::{text, EncodeLabelSet},
    metrics::{counter::Counter, family::Family, gauge::Gauge},
    registry::Registry,
};

use super::{ApiError, AppState};
use gridwatch_core::CameraState;

use crate::cases::State as CaseState;

/// The exposition's media type: OpenMetrics text, which Prometheus reads.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct Outcome {
    outcome: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct InState {
    state: &'static str,
}

/// Events by outcome, counted as they are posted; cases and cameras by state, read from the store
/// at each scrape. Shown with the series of `beside` (the pipeline's, when it runs in the same
/// process).
pub struct Metrics {
    registry: Registry,
    events: Family<Outcome, Counter>,
    cases: Family<InState, Gauge>,
    cameras: Family<InState, Gauge>,
    leader: Gauge,
    beside: Option<Arc<Registry>>,
}

/// How a posted event ended.
#[derive(Debug, Clone, Copy)]
pub enum Posted {
    Stored,
    Duplicate,
    Rejected,
}

impl Posted {
    const ALL: [Posted; 3] = [Posted::Stored, Posted::Duplicate, Posted::Rejected];

    fn label(self) -> Outcome {
        let outcome = match self {
            Posted::Stored => "stored",
            Posted::Duplicate => "duplicate",
            Posted::Rejected => "rejected",
        };
        Outcome { outcome }
    }
}

impl Metrics {
    pub fn new(beside: Option<Arc<Registry>>) -> Self {
        let mut registry = Registry::default();
        let events = Family::<Outcome, Counter>::default();
        // Every outcome shows from the start, at zero until counted.
        for posted in Posted::ALL {
            let _ = events.get_or_create(&posted.label());
        }
        let cases = Family::default();
        let cameras = Family::default();
        registry.register(
            "gridwatch_events",
            "Events posted to the dispatcher, by outcome",
            events.clone(),
        );
        registry.register("gridwatch_cases", "Cases by state", cases.clone());
        registry.register(
            "gridwatch_cameras",
            "Configured cameras by the health their pipeline last reported",
            cameras.clone(),
        );
        let leader = Gauge::default();
        registry.register(
            "gridwatch_dispatcher_leader",
            "1 while this dispatcher process does the periodic work (webhooks, deadlines)",
            leader.clone(),
        );
        Self {
            registry,
            events,
            cases,
            cameras,
            leader,
            beside,
        }
    }

    pub fn posted(&self, posted: Posted) {
        self.events.get_or_create(&posted.label()).inc();
    }
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
    m.leader.set(i64::from(s.dispatcher.leads()));
    let counts = s.dispatcher.count_by_state().await?;
    for state in CaseState::ALL {
        let n = counts.iter().find(|(s, _)| *s == state).map_or(0, |(_, n)| *n);
        m.cases
            .get_or_create(&InState {
                state: state.as_str(),
            })
            .set(n);
    }
    let health = s.dispatcher.camera_health().await?;
    let cameras = &s.dispatcher.config().cameras;
    let configured: Vec<_> = health
        .iter()
        .filter(|h| cameras.iter().any(|c| c.id.as_str() == h.camera))
        .collect();
    for state in CameraState::ALL {
        let n = configured.iter().filter(|h| h.state == state.as_str()).count();
        m.cameras
            .get_or_create(&InState {
                state: state.as_str(),
            })
            .set(n as i64);
    }
    let mut out = String::new();
    for registry in std::iter::once(&m.registry).chain(m.beside.as_deref()) {
        text::encode_registry(&mut out, registry).expect("writing to a String cannot fail");
    }
    text::encode_eof(&mut out).expect("writing to a String cannot fail");
    Ok(([(header::CONTENT_TYPE, CONTENT_TYPE)], out))
}
