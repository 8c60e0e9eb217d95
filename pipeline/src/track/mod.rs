//! Multi-object tracking per camera at low analysed frame rates (0.5–5 fps).
//!
//! ByteTrack's two-stage association: confident detections are matched to tracks first, then
//! weak ones are used only to keep existing tracks alive (a vendor half hidden by a passer-by
//! scores low but is still there). Matching is by IoU against each track's box moved by its
//! recent velocity, greedily from the best overlap, within a class; at a frame or less a second
//! a moving object's boxes may not overlap at all, so a detection whose ground point lies close
//! enough (in box heights) to the prediction matches too, after every overlap. Tracks outlive short
//! occlusions for a configured time, not a number of frames, because the frame rate varies.
//!
//! Every track keeps a short history of where it touches the ground, from which it tells whether
//! it is stationary: rules care about things that stay, and moving riders must never look parked.

mod config;
mod object;

pub use config::TrackerConfig;
pub use object::Track;

use std::time::Duration;

use gridwatch_core::{Detection, ImageBox};

/// The tracks of one camera.
#[derive(Debug)]
pub struct Tracker {
    config: TrackerConfig,
    tracks: Vec<Track>,
    next_id: u64,
    /// The stream time of the last frame folded in.
    latest: Option<Duration>,
    /// Frames dropped for being older than `latest`.
    dropped: u64,
}

impl Tracker {
    pub fn new(config: TrackerConfig) -> Self {
        Self {
            config,
            tracks: Vec::new(),
            next_id: 1,
            latest: None,
            dropped: 0,
        }
    }

    /// Folds in the detections of the frame at stream time `at` and returns the live tracks, or
    /// `None` for a frame older than the last one folded in (a clock stepped back, or one worker's
    /// result overtaken by another's): what it shows is already past, so it is dropped and
    /// counted in [`Tracker::dropped`].
    pub fn try_update(&mut self, at: Duration, detections: &[Detection]) -> Option<&[Track]> {
        if self.latest.is_some_and(|latest| at < latest) {
            self.dropped += 1;
            return None;
        }
        self.latest = Some(at);
        let c = &self.config;
        let (strong, weak): (Vec<&Detection>, Vec<&Detection>) = detections
            .iter()
            .filter(|d| d.score >= c.low_score)
            .partition(|d| d.score >= c.high_score);
        let mut unmatched_tracks: Vec<usize> = (0..self.tracks.len()).collect();
        let leftover_strong = self.associate(at, &strong, &mut unmatched_tracks);
        self.associate(at, &weak, &mut unmatched_tracks);
        for d in leftover_strong
            .into_iter()
            .filter(|d| d.score >= self.config.new_track_score)
        {
            self.tracks.push(Track::start(self.next_id, at, d));
            self.next_id += 1;
        }
        let max_missed = self.config.max_missed;
        self.tracks
            .retain(|t| at.saturating_sub(t.last_seen()) <= max_missed);
        Some(&self.tracks)
    }

    /// [`Tracker::try_update`] for callers that need the tracks whether or not the frame was
    /// dropped.
    pub fn update(&mut self, at: Duration, detections: &[Detection]) -> &[Track] {
        self.try_update(at, detections);
        &self.tracks
    }

    /// How many frames were dropped for being older than the last one folded in.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    pub fn config(&self) -> &TrackerConfig {
        &self.config
    }

    /// How well a detection fits a predicted box: above 1 for an overlap of at least `match_iou`,
    /// between 0 and 1 for a nearby ground point, `None` for no match.
    fn affinity(&self, predicted: &ImageBox, detected: &ImageBox) -> Option<f64> {
        let iou = predicted.iou(detected);
        if iou >= self.config.match_iou {
            return Some(1.0 + iou);
        }
        let (p, d) = (predicted.bottom_center(), detected.bottom_center());
        let height = (predicted.y2 - predicted.y1)
            .max(detected.y2 - detected.y1)
            .max(1.0);
        let jump = (p.x - d.x).hypot(p.y - d.y) / height;
        (jump <= self.config.max_jump).then(|| 1.0 - jump / self.config.max_jump)
    }

    /// Greedy matching of `detections` to the tracks in `open`; matched tracks leave `open`.
    /// Returns the detections that matched nothing.
    fn associate<'d>(
        &mut self,
        at: Duration,
        detections: &[&'d Detection],
        open: &mut Vec<usize>,
    ) -> Vec<&'d Detection> {
        let mut pairs = Vec::new();
        for (di, d) in detections.iter().enumerate() {
            for &ti in open.iter() {
                let track = &self.tracks[ti];
                if track.class() != d.class {
                    continue;
                }
                if let Some(affinity) = self.affinity(&track.predicted(at), &d.bbox) {
                    pairs.push((affinity, di, ti));
                }
            }
        }
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut used = vec![false; detections.len()];
        for (_, di, ti) in pairs {
            if used[di] || !open.contains(&ti) {
                continue;
            }
            used[di] = true;
            open.retain(|&t| t != ti);
            self.tracks[ti].observe(at, detections[di], self.config.history);
        }
        detections
            .iter()
            .zip(used)
            .filter(|(_, u)| !u)
            .map(|(d, _)| *d)
            .collect()
    }
}

#[cfg(test)]
mod tests;
