//! Tracker settings.

use std::time::Duration;

use gridwatch_core::config::Tracking;

/// How detections become tracks. The defaults suit 0.5–5 analysed frames per second.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackerConfig {
    /// Detections at least this confident are matched first and may start tracks.
    pub high_score: f32,
    /// Weaker detections down to this score only keep existing tracks alive.
    pub low_score: f32,
    /// A new track needs a detection at least this confident.
    pub new_track_score: f32,
    /// The least overlap between a track's predicted box and a detection for them to match.
    pub match_iou: f64,
    /// Without overlap, the farthest a detection's ground point may be from the track's predicted
    /// one, in box heights, to match.
    pub max_jump: f64,
    /// A track unseen for longer than this is gone (covers occlusion by passers-by).
    pub max_missed: Duration,
    /// How much of a track's past is kept for the stationary estimate.
    pub history: Duration,
    /// Over `history`, a track whose ground point stays within this many box heights of where it
    /// was is stationary.
    pub stationary_drift: f64,
}

impl From<&Tracking> for TrackerConfig {
    fn from(t: &Tracking) -> Self {
        Self {
            high_score: t.high_score,
            low_score: t.low_score,
            new_track_score: t.new_track_score,
            match_iou: t.match_iou,
            max_jump: t.max_jump,
            max_missed: t.max_missed.0,
            history: t.history.0,
            stationary_drift: t.stationary_drift,
        }
    }
}

/// The configuration's defaults.
impl Default for TrackerConfig {
    fn default() -> Self {
        Self::from(&Tracking::default())
    }
}
