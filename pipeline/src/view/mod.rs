//! Whether a camera that delivers frames still shows something worth analysing.
//!
//! A [`ViewWatch`] is fed a camera's analysed frames and says when its view changes state:
//! **frozen** (the same picture again and again, as from a stuck encoder), **dark** (black or
//! covered: very low brightness *and* very low contrast, so a night street with its lamps is not
//! dark) or **moved** (the scene no longer matches the reference picture the zones were drawn on,
//! found by matching ORB features and fitting a RANSAC similarity between them). While a camera
//! is moved its zones cannot be trusted, so its rules pause.
//!
//! Frozen and dark are judged on every frame from a sparse grid of grey samples; the view is
//! matched against the reference only every `check_every`, and never on a dark or frozen
//! picture. Everything runs on the frames' own times, so the watch is pure and a replay judges as
//! live running does.

mod alignment;
mod reported;
mod samples;

use std::{path::Path, time::Duration};

use chrono::{DateTime, Utc};
use gridwatch_core::{config::Camera, CameraState, Frame};

pub use alignment::{Alignment, Reference};
pub use reported::ReportedHealth;
pub use samples::Samples;

/// Mean grey level (of 255) below which a picture may be dark…
pub const DARK_BRIGHTNESS: f64 = 20.0;
/// …when its grey levels also vary less than this (standard deviation): black or covered.
pub const DARK_CONTRAST: f64 = 6.0;
/// Two frames whose samples differ by less than this on average (grey levels) are the same
/// picture. Between keyframes an encoder repeats a still scene exactly (the committed footage
/// does for up to one 2 s GOP), but each keyframe brings fresh sensor noise: only a stuck
/// encoder repeats a picture for as long as `frozen_after`.
pub const SAME_PICTURE: f64 = 0.25;

/// Why a view could not be watched.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    #[error("view reference `{path}`: {message}")]
    Reference { path: String, message: String },
}

/// A change of a camera's view, with what was seen.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewChange {
    /// `Online` when the view is fine again.
    pub state: CameraState,
    pub at: DateTime<Utc>,
    pub detail: Option<String>,
}

/// The view checks of one camera, as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewLimits {
    pub frozen_after: Duration,
    pub dark_after: Duration,
    pub moved_px: f64,
    pub check_every: Duration,
    /// The points whose displacement tells a moved view: the zones' corners, in stream pixels.
    pub points: Vec<[f64; 2]>,
}

impl ViewLimits {
    pub fn from_config(camera: &Camera) -> Self {
        let v = &camera.view;
        Self {
            frozen_after: v.frozen_after.0,
            dark_after: v.dark_after.0,
            moved_px: v.moved_px,
            check_every: v.check_every.0,
            points: camera
                .zones
                .iter()
                .flat_map(|z| z.points.iter().copied())
                .collect(),
        }
    }
}

/// One camera's view, watched frame by frame.
pub struct ViewWatch {
    limits: ViewLimits,
    reference: Option<Reference>,
    previous: Option<(Samples, DateTime<Utc>)>,
    frozen_since: Option<DateTime<Utc>>,
    dark_since: Option<DateTime<Utc>>,
    next_check: Option<DateTime<Utc>>,
    /// What the last comparison with the reference found, when the view had moved.
    moved: Option<String>,
    state: CameraState,
}

impl ViewWatch {
    /// A watch for `camera`, with its reference picture read when it names one.
    pub fn build(camera: &Camera) -> Result<Self, ViewError> {
        let reference = camera
            .view
            .reference
            .as_deref()
            .map(Reference::read)
            .transpose()?;
        Ok(Self::new(ViewLimits::from_config(camera), reference))
    }

    /// A watch with `limits`; without `reference`, the first good frame becomes it.
    pub fn new(limits: ViewLimits, reference: Option<Reference>) -> Self {
        Self {
            limits,
            reference,
            previous: None,
            frozen_since: None,
            dark_since: None,
            next_check: None,
            moved: None,
            state: CameraState::Online,
        }
    }

    /// While the view is moved its zones are not trusted: the camera's rules wait.
    pub fn rules_paused(&self) -> bool {
        self.moved.is_some()
    }

    /// The stream was interrupted: runs of identical or dark frames start again, and the view is
    /// compared with the reference on the next frame.
    pub fn interrupted(&mut self) {
        self.previous = None;
        self.frozen_since = None;
        self.dark_since = None;
        self.next_check = None;
    }

    /// Looks at the next analysed frame; returns the view's new state when it changed.
    pub fn observe(&mut self, frame: &Frame) -> Option<ViewChange> {
        let at = frame.wall;
        let samples = Samples::of(frame);
        let dark = samples.brightness() < DARK_BRIGHTNESS && samples.contrast() < DARK_CONTRAST;
        self.dark_since = if dark { self.dark_since.or(Some(at)) } else { None };
        // A dark picture repeats itself too; it is judged dark, not frozen.
        let repeated = self
            .previous
            .as_ref()
            .filter(|_| !dark)
            .and_then(|(before, before_at)| {
                let same = samples.difference(before)? < SAME_PICTURE;
                same.then_some(*before_at)
            });
        self.frozen_since = repeated.map(|first| self.frozen_since.unwrap_or(first));
        self.previous = Some((samples, at));
        if !dark && self.frozen_since.is_none() && self.next_check.is_none_or(|next| at >= next) {
            self.next_check = Some(at + self.limits.check_every);
            self.compare(frame);
        }

        let lasted = |since: Option<DateTime<Utc>>, limit: Duration| {
            since.and_then(|s| (at - s).to_std().ok()).filter(|d| *d >= limit)
        };
        let paused = "; rules paused until the view is restored";
        let (state, detail) = if let Some(d) = lasted(self.dark_since, self.limits.dark_after) {
            let brightness = self.previous.as_ref().map_or(0.0, |(s, _)| s.brightness());
            let detail = format!(
                "the picture has been dark and nearly uniform for {} (mean brightness {brightness:.0} of 255): the lens may be covered",
                span(d)
            );
            (CameraState::Dark, Some(detail))
        } else if let Some(d) = lasted(self.frozen_since, self.limits.frozen_after) {
            let detail = format!("the picture has not changed for {}", span(d));
            (CameraState::Frozen, Some(detail))
        } else if let Some(moved) = &self.moved {
            (CameraState::Moved, Some(format!("{moved}{paused}")))
        } else {
            (CameraState::Online, None)
        };
        // Dark or frozen on a moved camera: its rules still wait, and the page says so.
        let detail = match detail {
            Some(d) if state != CameraState::Moved && self.moved.is_some() => Some(format!("{d}{paused}")),
            d => d,
        };
        (state != self.state).then(|| {
            self.state = state;
            ViewChange { state, at, detail }
        })
    }

    /// Compares `frame` with the reference, or makes it the reference when there is none yet.
    fn compare(&mut self, frame: &Frame) {
        let Some(reference) = &mut self.reference else {
            self.reference = Reference::from_frame(frame);
            return;
        };
        self.moved = match reference.align(frame, &self.limits.points) {
            Ok(Alignment::Shifted { px, .. }) if px < self.limits.moved_px => None,
            Ok(Alignment::Shifted { px, .. }) => Some(format!(
                "the view has moved about {px:.0} px from the reference the zones were drawn on"
            )),
            Ok(Alignment::Lost { matches }) => Some(format!(
                "the view no longer matches the reference the zones were drawn on (only {matches} features in common)"
            )),
            // OpenCV failing on one frame says nothing about the camera: keep what was known.
            Err(e) => {
                tracing::warn!(camera = %frame.camera, error = %e, "View not compared with its reference");
                self.moved.clone()
            }
        };
    }
}

/// A length of time the way the health details write it: `45 s`, `2 min 10 s`, `1 h 5 min`.
fn span(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, 0, _) => format!("{h} h"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

/// Reads a picture from `path` for [`Reference::read`]; kept here so errors name the file.
fn reference_error(path: &Path, message: impl Into<String>) -> ViewError {
    ViewError::Reference {
        path: path.display().to_string(),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests;
