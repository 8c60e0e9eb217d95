//! Rules: when tracked objects amount to a violation, and when it is over.
//!
//! One generic engine runs every configured rule on a camera's tracks, frame by frame. A subject
//! that satisfies a rule (class and score, zone, stationary, companions, none of its `unless`
//! classes near it, time window, no exemption) becomes a candidate; it is confirmed once it has
//! been seen in at least k of the last n analysed frames and its dwell time has passed since its
//! onset. A confirmed violation is not reported again while it lasts, even if its track is lost
//! and found again under a new id at the same spot; it clears when its subject has been gone for
//! the rule's clearing time, and its spot then stays quiet for the cool-down.
//!
//! A camera that moves to another worker takes its confirmed violations along ([`Carried`]), so
//! the new worker follows them under the ids they were reported with instead of reporting them
//! again.

mod compiled;

use std::{collections::VecDeque, time::Duration};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use gridwatch_core::{
    config::{Camera, Rule},
    CameraId, Detection, EventId, ImageBox, LocationSource, ModelRef, PipelineEvent, RuleId,
    ViolationCleared, ViolationEvent, ViolationKind, ZoneId,
};
use serde::{Deserialize, Serialize};

use crate::track::{Track, TrackerConfig};
use compiled::{CompiledRule, Stillness};

/// A rule that cannot run on this camera's detector.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RuleError {
    #[error("rule `{rule}` names class `{class}`, which the model does not have")]
    UnknownClass { rule: RuleId, class: String },
}

/// What the engine concludes in a frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Finding {
    /// A subject began to satisfy a rule: the moment its first evidence is taken.
    Opened(Opened),
    /// A case that was never confirmed has been given up.
    Abandoned {
        case: u64,
    },
    Confirmed(Confirmed),
    Cleared(Cleared),
}

/// A new case: a subject satisfying a rule, not yet for long enough.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    /// The case's number on this camera, carried by every later finding about it.
    pub case: u64,
    pub camera: CameraId,
    pub rule: RuleId,
    pub kind: ViolationKind,
    pub zone: Option<ZoneId>,
    pub bbox: ImageBox,
    pub onset: DateTime<Utc>,
}

/// A violation whose dwell and confirmation are satisfied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confirmed {
    pub case: u64,
    pub camera: CameraId,
    pub rule: RuleId,
    pub kind: ViolationKind,
    pub zone: Option<ZoneId>,
    pub track: u64,
    pub onset: DateTime<Utc>,
    pub confirmed_at: DateTime<Utc>,
    pub bbox: ImageBox,
    /// The fraction of the last n frames the subject was seen in, times its detection score.
    pub confidence: f64,
    /// What else was detected in the confirming frame that is not part of the case.
    pub bystanders: Vec<ImageBox>,
}

/// A confirmed violation whose subject has gone.
#[derive(Debug, Clone, PartialEq)]
pub struct Cleared {
    pub case: u64,
    pub camera: CameraId,
    pub rule: RuleId,
    pub kind: ViolationKind,
    /// The track and onset of the violation, as in its [`Confirmed`].
    pub track: u64,
    pub onset: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub cleared_at: DateTime<Utc>,
}

impl Confirmed {
    /// The event to send: its id from camera, kind, track and onset, placed on the map through
    /// the camera's calibration when it has one, at the camera otherwise.
    pub fn to_event(&self, camera: &Camera, model: ModelRef) -> ViolationEvent {
        let projected = camera
            .homography()
            .and_then(|h| h.to_geo(self.bbox.bottom_center()));
        let (location, location_source) = match projected {
            Some(place) => (place, LocationSource::Projected),
            None => (camera.location, LocationSource::Camera),
        };
        ViolationEvent {
            id: EventId::derive(&self.camera, &self.kind, self.track, self.onset),
            kind: self.kind.clone(),
            camera: self.camera.clone(),
            zone: self.zone.clone(),
            rule: self.rule.clone(),
            track: self.track,
            onset: self.onset,
            confirmed_at: self.confirmed_at,
            image_box: self.bbox,
            bystanders: self.bystanders.clone(),
            location,
            location_source,
            confidence: self.confidence,
            model,
            evidence: Vec::new(),
        }
    }
}

impl Cleared {
    pub fn to_event(&self) -> ViolationCleared {
        ViolationCleared {
            id: EventId::derive(&self.camera, &self.kind, self.track, self.onset),
            kind: self.kind.clone(),
            camera: self.camera.clone(),
            last_seen: self.last_seen,
            cleared_at: self.cleared_at,
        }
    }
}

impl Finding {
    /// The event to send, for the findings that leave the pipeline.
    pub fn to_event(&self, camera: &Camera, model: &ModelRef) -> Option<PipelineEvent> {
        match self {
            Finding::Confirmed(c) => Some(PipelineEvent::Violation(c.to_event(camera, model.clone()))),
            Finding::Cleared(c) => Some(PipelineEvent::ViolationCleared(c.to_event())),
            Finding::Opened(_) | Finding::Abandoned { .. } => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Candidate,
    Active,
    Cooling { until: DateTime<Utc> },
}

#[derive(Debug)]
struct Case {
    id: u64,
    rule: usize,
    /// The track followed now: the subject's, or one found again in its place.
    track: u64,
    /// The track the violation was confirmed with: its events' ids derive from it, so that every
    /// event about one violation carries the id it was reported with.
    reported_track: u64,
    spot: ImageBox,
    zone: Option<ZoneId>,
    onset: DateTime<Utc>,
    recent: VecDeque<bool>,
    last_seen: DateTime<Utc>,
    score: f32,
    phase: Phase,
    /// How it was reported, once confirmed.
    reported: Option<Confirmed>,
}

/// A confirmed violation as another engine carries it on: enough to follow it, and to clear it
/// under the id it was reported with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Carried {
    pub rule: RuleId,
    /// The track it was reported with (its events' ids derive from it).
    pub track: u64,
    pub spot: ImageBox,
    pub zone: Option<ZoneId>,
    pub onset: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub score: f32,
    /// Once cleared: until when its spot stays quiet.
    pub cooling_until: Option<DateTime<Utc>>,
    /// How it was reported. The engine that carries it on reports it again: the worker that
    /// confirmed it may have died before its event left, and every copy has the same id, of
    /// which the event stream and the dispatcher keep one.
    #[serde(default)]
    pub reported: Option<Confirmed>,
}

/// No tracker issues this id: a carried case follows no track of the new engine's until one
/// stands on its spot.
const NO_TRACK: u64 = u64::MAX;

/// A box this close to a case's spot is the same subject, whatever its track id.
const SAME_SPOT_IOU: f64 = 0.3;

/// The rules of one camera and the cases they are following.
pub struct RuleEngine {
    camera: CameraId,
    tz: Tz,
    rules: Vec<CompiledRule>,
    cases: Vec<Case>,
    next_case: u64,
}

impl RuleEngine {
    /// Binds `rules` to `camera` and the detector's `classes`; rules that do not concern the
    /// camera are left out. `tracking` supplies the stationary test's drift and longest window.
    pub fn build(
        camera: &Camera,
        rules: &[Rule],
        classes: &[String],
        tz: Tz,
        tracking: &TrackerConfig,
    ) -> Result<Self, RuleError> {
        let still = Stillness {
            window: tracking.history,
            drift: tracking.stationary_drift,
        };
        let mut bound = Vec::new();
        for rule in rules {
            bound.extend(CompiledRule::bind(rule, camera, classes, still)?);
        }
        Ok(Self {
            camera: camera.id.clone(),
            tz,
            rules: bound,
            cases: Vec::new(),
            next_case: 1,
        })
    }

    /// The rules that apply to this camera.
    pub fn rules(&self) -> impl Iterator<Item = &RuleId> {
        self.rules.iter().map(|r| &r.id)
    }

    /// The violations confirmed and not yet over (cool-down included), for an engine that
    /// carries them on.
    pub fn carried(&self) -> Vec<Carried> {
        self.cases
            .iter()
            .filter_map(|c| {
                let cooling_until = match c.phase {
                    Phase::Candidate => return None,
                    Phase::Active => None,
                    Phase::Cooling { until } => Some(until),
                };
                Some(Carried {
                    rule: self.rules[c.rule].id.clone(),
                    track: c.reported_track,
                    spot: c.spot,
                    zone: c.zone.clone(),
                    onset: c.onset,
                    last_seen: c.last_seen,
                    score: c.score,
                    cooling_until,
                    reported: c.reported.clone(),
                })
            })
            .collect()
    }

    /// Follows on from another engine's `carried` violations: they are not reported again while
    /// they last, and clear under the ids they were reported with. Those of rules this engine
    /// does not run are left out.
    pub fn carry_on(&mut self, carried: &[Carried]) {
        for c in carried {
            let Some(rule) = self.rules.iter().position(|r| r.id == c.rule) else {
                continue;
            };
            let id = self.next_case;
            self.next_case += 1;
            self.cases.push(Case {
                id,
                rule,
                track: NO_TRACK,
                reported_track: c.track,
                spot: c.spot,
                zone: c.zone.clone(),
                onset: c.onset,
                recent: VecDeque::new(),
                last_seen: c.last_seen,
                score: c.score,
                phase: match c.cooling_until {
                    Some(until) => Phase::Cooling { until },
                    None => Phase::Active,
                },
                reported: c.reported.clone().map(|r| Confirmed { case: id, ..r }),
            });
        }
    }

    /// Judges one analysed frame at `now`: its tracks (after the tracker's update) and the raw
    /// detections (for companions). `stream_now` is the frame's stream time, the tracks' clock.
    pub fn step(
        &mut self,
        now: DateTime<Utc>,
        stream_now: Duration,
        tracks: &[Track],
        detections: &[Detection],
    ) -> Vec<Finding> {
        let mut findings = Vec::new();
        for (ri, rule) in self.rules.iter().enumerate() {
            let Stillness { window, drift } = rule.still;
            // New cases need a subject at rest and seen in this very frame; a confirmed case
            // continues with whatever stands on its spot, so a track found again after an
            // occlusion needs no time to settle, and one hidden for a moment still holds it.
            let continuing = if rule.in_force(now, self.tz) {
                rule.qualify(now, self.tz, tracks, detections)
            } else {
                Vec::new()
            };
            let mut qualified: Vec<_> = continuing
                .iter()
                .filter(|q| !rule.stationary || q.track.is_stationary(window, drift))
                // A track coasting through a gap keeps its last box while what stood by it moves
                // on: the goods of a cart driving off stay behind, unmatched, where no cart is.
                .filter(|q| q.track.last_seen() == stream_now)
                .cloned()
                .collect();
            if rule.min_count > 1 {
                // A group rule: one case for the crowd, followed through its most confident member.
                if qualified.len() < rule.min_count {
                    qualified.clear();
                } else {
                    qualified.sort_by(|a, b| b.track.score().total_cmp(&a.track.score()));
                    qualified.truncate(1);
                }
            }
            let mut hit = vec![false; self.cases.len()];
            for q in &continuing {
                let t = q.track;
                let active = self.cases.iter().position(|c| {
                    c.rule == ri
                        && c.phase == Phase::Active
                        && (c.track == t.id() || c.spot.iou(&t.bbox()) > SAME_SPOT_IOU)
                });
                if let Some(i) = active {
                    hit[i] = true;
                    let case = &mut self.cases[i];
                    (case.track, case.spot, case.last_seen, case.score) = (t.id(), t.bbox(), now, t.score());
                }
            }
            for q in &qualified {
                let t = q.track;
                let bbox = t.bbox();
                let same = self
                    .cases
                    .iter()
                    .position(|c| c.rule == ri && (c.track == t.id() || c.spot.iou(&bbox) > SAME_SPOT_IOU));
                // Another subject overlapping a case is part of the same set-up (the umbrella
                // over a stall's table, the next bicycle in a row): one case, one event.
                let near = self
                    .cases
                    .iter()
                    .position(|c| c.rule == ri && rule.same_set_up(&c.spot, &bbox));
                match (same, near) {
                    (Some(i), _) => {
                        let case = &mut self.cases[i];
                        if case.phase != Phase::Candidate {
                            continue; // active cases were followed above; cooling spots stay quiet
                        }
                        hit[i] = true;
                        (case.track, case.spot, case.last_seen, case.score) = (t.id(), bbox, now, t.score());
                        if case.zone.is_none() {
                            case.zone = q.zone.clone();
                        }
                    }
                    (None, Some(i)) => {
                        if self.cases[i].phase == Phase::Candidate {
                            hit[i] = true;
                            self.cases[i].last_seen = now;
                        }
                    }
                    (None, None) => {
                        let settled = stream_now.saturating_sub(t.settled_since(drift));
                        let onset = now - chrono::Duration::from_std(settled).unwrap_or_default();
                        let id = self.next_case;
                        self.next_case += 1;
                        findings.push(Finding::Opened(Opened {
                            case: id,
                            camera: self.camera.clone(),
                            rule: rule.id.clone(),
                            kind: rule.kind.clone(),
                            zone: q.zone.clone(),
                            bbox: t.bbox(),
                            onset,
                        }));
                        self.cases.push(Case {
                            id,
                            rule: ri,
                            track: t.id(),
                            reported_track: t.id(),
                            spot: t.bbox(),
                            zone: q.zone.clone(),
                            onset,
                            recent: VecDeque::new(),
                            last_seen: now,
                            score: t.score(),
                            phase: Phase::Candidate,
                            reported: None,
                        });
                        hit.push(true);
                    }
                }
            }
            for (i, case) in self.cases.iter_mut().enumerate().filter(|(_, c)| c.rule == ri) {
                case.recent.push_back(hit[i]);
                while case.recent.len() > rule.n {
                    case.recent.pop_front();
                }
            }
            for case in self.cases.iter_mut().filter(|c| c.rule == ri) {
                let gone = now - case.last_seen >= rule.clear_after;
                match case.phase {
                    Phase::Candidate => {
                        let hits = case.recent.iter().filter(|h| **h).count();
                        let dwelt = now - case.onset >= rule.dwell;
                        if hits >= rule.k && dwelt && case.last_seen == now {
                            case.phase = Phase::Active;
                            case.reported_track = case.track;
                            let confirmed = Confirmed {
                                case: case.id,
                                camera: self.camera.clone(),
                                rule: rule.id.clone(),
                                kind: rule.kind.clone(),
                                zone: case.zone.clone(),
                                track: case.track,
                                onset: case.onset,
                                confirmed_at: now,
                                bbox: case.spot,
                                confidence: case.score as f64 * hits as f64 / rule.n as f64,
                                bystanders: rule.bystanders(&case.spot, detections),
                            };
                            case.reported = Some(confirmed.clone());
                            findings.push(Finding::Confirmed(confirmed));
                        }
                    }
                    Phase::Active if gone => {
                        let cleared_at = case.last_seen + rule.clear_after;
                        case.phase = Phase::Cooling {
                            until: cleared_at + rule.cooldown,
                        };
                        findings.push(Finding::Cleared(Cleared {
                            case: case.id,
                            camera: self.camera.clone(),
                            rule: rule.id.clone(),
                            kind: rule.kind.clone(),
                            track: case.reported_track,
                            onset: case.onset,
                            last_seen: case.last_seen,
                            cleared_at,
                        }));
                    }
                    _ => {}
                }
            }
            self.cases.retain(|c| {
                let keep = c.rule != ri
                    || match c.phase {
                        Phase::Candidate => now - c.last_seen < rule.clear_after,
                        Phase::Active => true,
                        Phase::Cooling { until } => now < until,
                    };
                if !keep && c.phase == Phase::Candidate {
                    findings.push(Finding::Abandoned { case: c.id });
                }
                keep
            });
        }
        findings
    }
}

#[cfg(test)]
mod tests;
