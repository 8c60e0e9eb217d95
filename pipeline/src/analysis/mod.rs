//! One camera's analysis, the same live and in replay: each analysed frame and its detections
//! go through the tracker, the view watch (frozen, dark, moved), the rules and the evidence
//! recorder, and what comes of them leaves through the [`Outlet`]: camera health, violations
//! with their evidence, clearances.
//!
//! Only the clock differs: live frames are tracked on the time since start (a looping recording
//! restarts its timestamps), replayed ones on the footage's own.

mod output;

use std::{sync::Arc, time::Duration};

use chrono_tz::Tz;
use gridwatch_core::{
    config::{Camera, Config, Rule},
    CameraHealth, CameraId, CameraState, Detection, Frame, ModelRef, PipelineEvent,
};
pub use output::{Outlet, Output, OUTPUT_QUEUE};

use crate::{
    detect::ModelCard,
    evidence::{ClipRing, Clips, Recorder},
    rules::{Carried, Finding, RuleEngine, RuleError},
    track::{Tracker, TrackerConfig},
    view::{ReportedHealth, ViewError, ViewWatch},
};

/// Why a camera's analysis could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Rules(#[from] RuleError),
    #[error("camera {camera}: {error}")]
    View { camera: CameraId, error: ViewError },
}

/// What every camera's analysis is set up with.
#[derive(Clone)]
pub struct Setting<'a> {
    pub rules: &'a [Rule],
    pub card: &'a ModelCard,
    pub tz: Tz,
    pub tracking: TrackerConfig,
    /// How much of the stream an evidence clip holds before and after the onset.
    pub clip_before: Duration,
    pub clip_after: Duration,
}

impl<'a> Setting<'a> {
    pub fn new(config: &'a Config, card: &'a ModelCard) -> Self {
        Self {
            rules: &config.rules,
            card,
            tz: config.city.timezone.0,
            tracking: TrackerConfig::from(&config.tracking),
            clip_before: config.storage.clip_before.0,
            clip_after: config.storage.clip_after.0,
        }
    }
}

/// One camera's analysis state.
pub struct CameraAnalysis {
    camera: Camera,
    model: ModelRef,
    tracker: Tracker,
    rules: RuleEngine,
    recorder: Option<Recorder>,
    clips: Option<Arc<ClipRing>>,
    view: ViewWatch,
    health: ReportedHealth,
    analysed: u64,
    span: tracing::Span,
}

impl CameraAnalysis {
    /// Analysis of `camera`; it records evidence when `outlet` stores it.
    pub fn build(camera: &Camera, setting: &Setting, outlet: &Outlet) -> Result<Self, AnalysisError> {
        let rules = RuleEngine::build(
            camera,
            setting.rules,
            &setting.card.classes,
            setting.tz,
            &setting.tracking,
        )?;
        let view = ViewWatch::build(camera).map_err(|error| AnalysisError::View {
            camera: camera.id.clone(),
            error,
        })?;
        let (recorder, clips) = match outlet.backlog() {
            Some(backlog) => {
                let clips = Clips::new(setting.clip_before, setting.clip_after);
                let ring = clips.ring.clone();
                let recorder = Recorder::new(camera, setting.tz, Some(clips), backlog.clone());
                (Some(recorder), Some(ring))
            }
            None => (None, None),
        };
        Ok(Self {
            camera: camera.clone(),
            model: ModelRef {
                name: setting.card.name.clone(),
                version: setting.card.version.clone(),
            },
            tracker: Tracker::new(setting.tracking.clone()),
            rules,
            recorder,
            clips,
            view,
            health: ReportedHealth::new(camera.id.clone()),
            analysed: 0,
            span: tracing::info_span!("camera", id = %camera.id),
        })
    }

    /// The ring the camera's compressed stream is to be kept in, when evidence is recorded.
    pub fn clip_ring(&self) -> Option<Arc<ClipRing>> {
        self.clips.clone()
    }

    /// The stream's own health changed (connected, lost, stalled).
    pub fn stream(&mut self, health: CameraHealth, outlet: &Outlet) {
        if health.state != CameraState::Online {
            self.view.interrupted();
        }
        if let Some(reported) = self.health.stream(health) {
            outlet.event(&self.camera.id, PipelineEvent::CameraHealth(reported));
        }
    }

    /// Analyses one frame and its detections at `at` on the tracker's clock, sending what comes
    /// of it to `outlet`. Returns the rules' findings, or `None` when the frame was dropped for
    /// being older than the last one analysed.
    pub fn step(
        &mut self,
        frame: &Frame,
        at: Duration,
        detections: &[Detection],
        outlet: &Outlet,
    ) -> Option<Vec<Finding>> {
        let span = self.span.clone();
        let _in = span.enter();
        let Some(tracks) = self.tracker.try_update(at, detections) else {
            // Logged at each doubling: a clock stepped back drops every frame until it has
            // caught up.
            let dropped = self.tracker.dropped();
            if dropped.is_power_of_two() {
                tracing::warn!(
                    dropped,
                    "frames dropped for being older than the last one analysed"
                );
            }
            return None;
        };
        self.analysed += 1;
        if let Some(recorder) = &mut self.recorder {
            recorder.advance(frame.wall);
        }
        if let Some(reported) = self
            .view
            .observe(frame)
            .and_then(|change| self.health.view(change))
        {
            outlet.event(&self.camera.id, PipelineEvent::CameraHealth(reported));
        }
        // A moved camera's zones no longer lie where they were drawn.
        if self.view.rules_paused() {
            return Some(Vec::new());
        }
        let findings = self.rules.step(frame.wall, at, tracks, detections);
        for finding in &findings {
            let work = self
                .recorder
                .as_mut()
                .and_then(|recorder| recorder.observe(finding, frame));
            let event = finding.to_event(&self.camera, &self.model);
            outlet.send(&self.camera.id, event, work);
        }
        Some(findings)
    }

    /// The camera's confirmed violations, for a worker that takes the camera over.
    pub fn carried(&self) -> Vec<Carried> {
        self.rules.carried()
    }

    /// Follows on from the violations another worker confirmed on this camera, and reports
    /// them again under their ids, in case the other worker died before its reports left.
    pub fn carry_on(&mut self, carried: &[Carried], outlet: &Outlet) {
        self.rules.carry_on(carried);
        for reported in carried.iter().filter_map(|c| c.reported.as_ref()) {
            let event = PipelineEvent::Violation(reported.to_event(&self.camera, self.model.clone()));
            outlet.send(&self.camera.id, Some(event), None);
        }
    }

    /// Frames analysed so far.
    pub fn analysed(&self) -> u64 {
        self.analysed
    }

    /// Frames dropped so far for being older than the last one analysed.
    pub fn dropped(&self) -> u64 {
        self.tracker.dropped()
    }
}
