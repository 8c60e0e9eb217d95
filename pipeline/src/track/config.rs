//! Tracker settings.

use std::time::Duration;

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

impl Default for TrackerConfig {
    fn default() -> Self {
        Self {
            high_score: 0.4,
            low_score: 0.1,
            new_track_score: 0.45,
            match_iou: 0.3,
            max_jump: 0.6,
            max_missed: Duration::from_secs(10),
            history: Duration::from_secs(20),
            stationary_drift: 0.25,
        }
    }
}
