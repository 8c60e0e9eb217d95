//! One tracked object.

use std::{collections::VecDeque, time::Duration};

use gridwatch_core::{Detection, ImageBox, ImagePoint};

/// An object followed across frames.
#[derive(Debug, Clone)]
pub struct Track {
    id: u64,
    class: u16,
    score: f32,
    bbox: ImageBox,
    first_seen: Duration,
    last_seen: Duration,
    hits: u32,
    /// (time, ground point, box height) of recent sightings, oldest first.
    history: VecDeque<(Duration, ImagePoint, f64)>,
}

impl Track {
    pub(super) fn start(id: u64, at: Duration, d: &Detection) -> Self {
        let mut track = Self {
            id,
            class: d.class,
            score: d.score,
            bbox: d.bbox,
            first_seen: at,
            last_seen: at,
            hits: 0,
            history: VecDeque::new(),
        };
        track.observe(at, d, Duration::MAX);
        track
    }

    pub(super) fn observe(&mut self, at: Duration, d: &Detection, keep: Duration) {
        self.score = d.score;
        self.bbox = d.bbox;
        self.last_seen = at;
        self.hits += 1;
        self.history
            .push_back((at, d.bbox.bottom_center(), d.bbox.y2 - d.bbox.y1));
        while self
            .history
            .front()
            .is_some_and(|(t, _, _)| at.saturating_sub(*t) > keep)
        {
            self.history.pop_front();
        }
    }

    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn class(&self) -> u16 {
        self.class
    }

    /// The latest detection's score.
    pub fn score(&self) -> f32 {
        self.score
    }

    /// The latest detected box.
    pub fn bbox(&self) -> ImageBox {
        self.bbox
    }

    pub fn first_seen(&self) -> Duration {
        self.first_seen
    }

    pub fn last_seen(&self) -> Duration {
        self.last_seen
    }

    /// How many frames matched this track.
    pub fn hits(&self) -> u32 {
        self.hits
    }

    /// Where the box should be at `at`, moving at the pace it moved between its last two sightings.
    pub fn predicted(&self, at: Duration) -> ImageBox {
        let n = self.history.len();
        if n < 2 {
            return self.bbox;
        }
        let ((t0, p0, _), (t1, p1, _)) = (self.history[n - 2], self.history[n - 1]);
        // Sightings out of order (a frame that should have been dropped) make no speed.
        let span = t1.saturating_sub(t0).as_secs_f64();
        if span <= 0.0 {
            return self.bbox;
        }
        let ahead = at.saturating_sub(t1).as_secs_f64();
        let (dx, dy) = ((p1.x - p0.x) / span * ahead, (p1.y - p0.y) / span * ahead);
        let b = self.bbox;
        ImageBox {
            x1: b.x1 + dx,
            y1: b.y1 + dy,
            x2: b.x2 + dx,
            y2: b.y2 + dy,
        }
    }

    /// Since when (stream time) the track has stood where it stands now: the earliest kept
    /// sighting from which every later one is within `max_drift` box heights of the latest.
    pub fn settled_since(&self, max_drift: f64) -> Duration {
        let Some(&(latest, here, height)) = self.history.back() else {
            return self.last_seen;
        };
        let mut since = latest;
        for &(t, p, _) in self.history.iter().rev() {
            if (p.x - here.x).hypot(p.y - here.y) > max_drift * height {
                break;
            }
            since = t;
        }
        since
    }

    /// True when the track has been seen over at least half of `window` and its ground point has
    /// stayed within `max_drift` box heights of every earlier sighting in that window.
    pub fn is_stationary(&self, window: Duration, max_drift: f64) -> bool {
        let Some(&(latest, _, _)) = self.history.back() else {
            return false;
        };
        let recent: Vec<_> = self
            .history
            .iter()
            .filter(|(t, _, _)| latest.saturating_sub(*t) <= window)
            .collect();
        let Some(&&(oldest, _, _)) = recent.first() else {
            return false;
        };
        if latest.saturating_sub(oldest).saturating_mul(2) < window {
            return false;
        }
        let height = recent.iter().map(|(_, _, h)| *h).sum::<f64>() / recent.len() as f64;
        let (xs, ys) = (
            recent.iter().map(|(_, p, _)| p.x),
            recent.iter().map(|(_, p, _)| p.y),
        );
        let spread = |v: &mut dyn Iterator<Item = f64>| {
            let (lo, hi) = v.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
            hi - lo
        };
        let drift = spread(&mut xs.into_iter()).hypot(spread(&mut ys.into_iter()));
        drift <= max_drift * height
    }
}
