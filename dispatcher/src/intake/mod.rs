//! 信息收集: events in. Each is stored once (intake is idempotent by event id); a violation joins
//! the open case at its spot or opens a case, which review then triages; a clearing goes to
//! verification; a camera's health is kept for the command centre.
//!
//! Events arrive through [`local`] (the pipeline in the same process), [`jetstream`] (pipelines on
//! other machines) or the API's `POST /api/v1/events`; all of them are committed in groups by one
//! writer ([`group_commit`]).

mod group_commit;
pub mod jetstream;
pub mod local;
mod merge;
pub mod report;

pub use group_commit::Pending;
pub(crate) use group_commit::Queue;

use gridwatch_core::{CameraHealth, GeoPoint, PipelineEvent, ViolationCleared, ViolationEvent};
use serde::Serialize;
use serde_json::json;

use crate::{
    cases::{Case, Escalation, Source, State},
    change::Change,
    store::{self, cameras::CameraHealthRow, events::Received},
    Actor, DispatchError,
};

/// The largest pixel coordinate an image box may have: wider than any camera's picture.
const MAX_PIXELS: f64 = 65_536.0;

/// Where a violation was seen: its camera and zone.
fn seen_in(v: &ViolationEvent) -> Option<(&gridwatch_core::CameraId, Option<&gridwatch_core::ZoneId>)> {
    Some((&v.camera, v.zone.as_ref()))
}

/// What became of an event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Ingested {
    /// Stored now; the case it opened or joined, if any.
    Stored { case: Option<String> },
    /// Stored before: nothing changed.
    Duplicate { case: Option<String> },
}

impl Change<'_> {
    /// Stores `event` and moves the cases it concerns, as part of this change.
    async fn event(&mut self, event: &PipelineEvent) -> Result<Ingested, DispatchError> {
        match event {
            PipelineEvent::Violation(v) => self.violation(v).await,
            PipelineEvent::ViolationCleared(c) => self.cleared(c).await,
            PipelineEvent::CameraHealth(h) => self.health(h).await,
        }
    }

    async fn record(
        &mut self,
        id: &str,
        kind_of_event: &'static str,
        camera: &str,
        kind: Option<&str>,
        case: Option<&str>,
        body: &impl Serialize,
    ) -> Result<bool, DispatchError> {
        let received = Received {
            id: id.to_owned(),
            kind_of_event,
            camera: camera.to_owned(),
            kind: kind.map(str::to_owned),
            received_at: self.now_ms(),
            body: serde_json::to_string(body).expect("events serialize"),
            case: case.map(str::to_owned),
        };
        self.receive(received).await
    }

    async fn violation(&mut self, v: &ViolationEvent) -> Result<Ingested, DispatchError> {
        let config = &self.dispatcher.config;
        if !config.known_kinds().contains(&v.kind) {
            let known: Vec<String> = config.known_kinds().iter().map(|k| k.to_string()).collect();
            return Err(DispatchError::Invalid(format!(
                "kind: unknown violation kind `{}`; known kinds are {}",
                v.kind,
                known.join(", ")
            )));
        }
        if !(0.0..=1.0).contains(&v.confidence) {
            return Err(DispatchError::Invalid(format!(
                "confidence: {} is not between 0 and 1",
                v.confidence
            )));
        }
        let b = v.image_box;
        let in_frame = |c: f64| (0.0..=MAX_PIXELS).contains(&c);
        if ![b.x1, b.y1, b.x2, b.y2].into_iter().all(in_frame) || b.x1 > b.x2 || b.y1 > b.y2 {
            return Err(DispatchError::Invalid(format!(
                "image_box: ({}, {})–({}, {}) is not a box in a picture; corners are pixels from 0 to {MAX_PIXELS}, top-left first",
                b.x1, b.y1, b.x2, b.y2
            )));
        }
        // The API serves these files: a path must not lead out of the evidence folder.
        let mut artifacts = v.evidence.iter().enumerate();
        if let Some((i, e)) = artifacts.find(|(_, e)| !crate::evidence::stays_inside(&e.path)) {
            return Err(DispatchError::Invalid(format!(
                "evidence[{i}].path: `{}` is not a path inside the evidence folder; give it relative to the folder, without `..`",
                e.path
            )));
        }
        let id = v.id.to_string();
        let open = self
            .open_case_near(v.kind.as_str(), v.location, seen_in(v))
            .await?;
        // A new case takes the id of the event that opened it.
        let case_id = open.as_ref().map_or(id.as_str(), |case| case.id.as_str());
        let (camera, kind) = (v.camera.as_str(), Some(v.kind.as_str()));
        if !self
            .record(&id, "violation", camera, kind, Some(case_id), v)
            .await?
        {
            let case = self.case_of_violation(&id).await?;
            return Ok(Ingested::Duplicate { case });
        }
        let case = match open {
            Some(case) => self.sighted_again(case, v).await?,
            None => self.open_case(v).await?,
        };
        Ok(Ingested::Stored { case: Some(case) })
    }

    /// Another sighting of an open case: counted, and checked against what the case says.
    async fn sighted_again(&mut self, case: Case, v: &ViolationEvent) -> Result<String, DispatchError> {
        let seen = Case {
            occurrences: case.occurrences + 1,
            last_event: v.id.to_string(),
            updated_at: self.now_ms(),
            ..case
        };
        let detail = json!({ "event": v.id, "occurrence": seen.occurrences });
        self.note(&seen, &Actor::camera(&v.camera), "sighted", detail)
            .await?;
        self.still_there(&seen, v).await?;
        Ok(seen.id)
    }

    /// A new case, reported; review decides what happens to it next.
    async fn open_case(&mut self, v: &ViolationEvent) -> Result<String, DispatchError> {
        let id = v.id.to_string();
        let case = Case {
            camera: v.camera.to_string(),
            zone: v.zone.as_ref().map(|z| z.to_string()),
            confidence: v.confidence,
            ..self
                .new_case(&id, v.kind.as_str(), v.location, Source::Camera)
                .await?
        };
        self.insert_case(&case);
        let detail = json!({ "event": v.id, "grid": case.grid, "recurrence_of": case.recurrence_of });
        self.audit(&case, &Actor::camera(&v.camera), "report", None, detail)
            .await?;
        self.review(case, &v.kind, v.confidence).await?;
        Ok(id)
    }

    /// A case of `kind` at `place` opened now under `id`, numbered, in the grid there, marked as
    /// a recurrence of a case recently closed at the same spot; not yet stored.
    async fn new_case(
        &mut self,
        id: &str,
        kind: &str,
        place: GeoPoint,
        source: Source,
    ) -> Result<Case, DispatchError> {
        let t = self.now_ms();
        Ok(Case {
            id: id.to_owned(),
            number: self.next_case_number().await?,
            kind: kind.to_owned(),
            state: State::Reported,
            grid: self.dispatcher.grids.locate(place).map(|g| g.id.to_string()),
            camera: String::new(),
            zone: None,
            lon: place.lon(),
            lat: place.lat(),
            confidence: 1.0,
            assignee: None,
            occurrences: 1,
            recurrence_of: self.recent_closed_case_near(kind, place).await?,
            first_event: id.to_owned(),
            last_event: id.to_owned(),
            reported_at: t,
            updated_at: t,
            filed_at: None,
            dispatched_at: None,
            accepted_at: None,
            handled_at: None,
            closed_at: None,
            accept_due: None,
            handle_due: None,
            escalation: Escalation::OnTime,
            extension_until: None,
            extensions: 0,
            reworks: 0,
            cleared_at: None,
            void_reason: None,
            shop: None,
            notice_until: None,
            source,
        })
    }

    /// Reads at once the open cases that the violations among `events` may join.
    async fn search_ahead_of(&mut self, events: &[&PipelineEvent]) -> Result<(), DispatchError> {
        let searches = events
            .iter()
            .filter_map(|event| match event {
                PipelineEvent::Violation(v) => {
                    Some(self.search_near(v.kind.as_str(), v.location, seen_in(v)))
                }
                _ => None,
            })
            .collect();
        self.search_ahead(searches).await
    }

    async fn cleared(&mut self, c: &ViolationCleared) -> Result<Ingested, DispatchError> {
        let id = c.id.to_string();
        let case_id = self.case_of_violation(&id).await?;
        let (camera, kind) = (c.camera.as_str(), Some(c.kind.as_str()));
        let fresh = self
            .record(&id, "violation_cleared", camera, kind, case_id.as_deref(), c)
            .await?;
        if !fresh {
            return Ok(Ingested::Duplicate { case: case_id });
        }
        let Some(case_id) = case_id else {
            return Ok(Ingested::Stored { case: None });
        };
        let case = self.case(&case_id).await?;
        // A later sighting of the same case is not cleared by an earlier one's end.
        if case.last_event == id {
            self.gone(case, c).await?;
        }
        Ok(Ingested::Stored { case: Some(case_id) })
    }

    async fn health(&mut self, h: &CameraHealth) -> Result<Ingested, DispatchError> {
        let state = serde_json::to_value(h.state).expect("states serialize");
        let row = CameraHealthRow {
            camera: h.camera.to_string(),
            state: state.as_str().unwrap_or_default().to_owned(),
            since: h.at.timestamp_millis(),
            detail: h.detail.clone(),
        };
        store::cameras::upsert(self.tx().await?, &row).await?;
        Ok(Ingested::Stored { case: None })
    }
}
