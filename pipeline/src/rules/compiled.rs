//! A configured rule bound to one camera: classes resolved to the model's indices, zone roles to
//! that camera's outlines, times to the city's time zone.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use gridwatch_core::{
    config::{time::TimeWindow, Anchor, Camera, Companion, Rule, ZoneMatch},
    Detection, ImageBox, ImagePoint, ImagePolygon, RuleId, ViolationKind, ZoneId, ZoneRole,
};

use super::RuleError;
use crate::track::Track;

pub(super) struct CompiledRule {
    pub id: RuleId,
    pub kind: ViolationKind,
    subjects: Vec<(u16, f32)>,
    companions: Vec<Nearby>,
    unless: Vec<Nearby>,
    pub min_count: usize,
    group_within: f64,
    inside: bool,
    zones: Vec<(ZoneId, ImagePolygon)>,
    anchor: Anchor,
    pub stationary: bool,
    /// What standing still means for this rule's subjects and companions.
    pub still: Stillness,
    pub dwell: TimeDelta,
    windows: Vec<TimeWindow>,
    exemptions: Vec<(Vec<ImagePolygon>, Vec<TimeWindow>)>,
    pub k: usize,
    pub n: usize,
    pub clear_after: TimeDelta,
    pub cooldown: TimeDelta,
}

/// A configured length of time as a wall-clock span (absurdly long ones saturate).
fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// A class that must (a companion) or must not (`unless`) be near a subject.
struct Nearby {
    class: u16,
    min_score: f32,
    /// In multiples of the subject's box height, centre to centre.
    within: f64,
    stationary: bool,
    /// The outlines one of which it must stand in; `None` when it may stand anywhere.
    inside: Option<Vec<ImagePolygon>>,
}

impl Nearby {
    /// Whether an object of `class`, detected with `score` at `bbox`, is such an object close
    /// enough to `subject`, standing still or not.
    fn is_close(&self, subject: &ImageBox, class: u16, score: f32, bbox: &ImageBox) -> bool {
        let (c, p) = (subject.center(), bbox.center());
        let reach = self.within * (subject.y2 - subject.y1);
        let stands_where_it_must = self
            .inside
            .as_ref()
            .is_none_or(|zones| zones.iter().any(|z| z.contains(bbox.bottom_center())));
        class == self.class
            && score >= self.min_score
            && (p.x - c.x).hypot(p.y - c.y) <= reach
            && stands_where_it_must
    }

    /// Whether such an object is near `subject`. Stationary ones are looked for among the tracks;
    /// others among the detections, since smoke has no shape to track.
    fn is_near(
        &self,
        subject: &ImageBox,
        tracks: &[Track],
        detections: &[Detection],
        still: Stillness,
    ) -> bool {
        let close = |class: u16, score: f32, bbox: &ImageBox| self.is_close(subject, class, score, bbox);
        if self.stationary {
            tracks
                .iter()
                .any(|t| close(t.class(), t.score(), &t.bbox()) && t.is_stationary(still.window, still.drift))
        } else {
            detections.iter().any(|d| close(d.class, d.score, &d.bbox))
        }
    }
}

/// What standing still means: moving less than `drift` box heights over `window`.
#[derive(Clone, Copy)]
pub(super) struct Stillness {
    pub window: Duration,
    pub drift: f64,
}

/// A track that satisfies a rule in this frame, and the zone it satisfies it in.
#[derive(Clone)]
pub(super) struct Qualified<'t> {
    pub track: &'t Track,
    pub zone: Option<ZoneId>,
}

impl CompiledRule {
    /// `None` when the rule does not apply to this camera (it names other cameras, or the camera
    /// has no zone of the roles an "inside" rule needs). `still` is the tracker's stillness; the
    /// rule looks at no more of a track than its dwell, so that a subject at rest for the dwell
    /// counts as at rest.
    pub fn bind(
        rule: &Rule,
        camera: &Camera,
        classes: &[String],
        still: Stillness,
    ) -> Result<Option<Self>, RuleError> {
        if rule.cameras.as_ref().is_some_and(|c| !c.contains(&camera.id)) {
            return Ok(None);
        }
        let class = |name: &str| {
            classes
                .iter()
                .position(|c| c == name)
                .map(|i| i as u16)
                .ok_or_else(|| RuleError::UnknownClass {
                    rule: rule.id.clone(),
                    class: name.to_owned(),
                })
        };
        let subjects = rule
            .subjects
            .iter()
            .map(|s| Ok((class(&s.class)?, s.min_score)))
            .collect::<Result<_, RuleError>>()?;
        let outlines = |roles: &[ZoneRole]| -> Vec<ImagePolygon> {
            camera
                .zones
                .iter()
                .filter(|z| roles.contains(&z.role))
                .map(|z| z.outline())
                .collect()
        };
        let nearby = |list: &[Companion]| {
            list.iter()
                .map(|c| {
                    Ok(Nearby {
                        class: class(&c.class)?,
                        min_score: c.min_score,
                        within: c.within,
                        stationary: c.stationary,
                        inside: (!c.inside.is_empty()).then(|| outlines(&c.inside)),
                    })
                })
                .collect::<Result<Vec<_>, RuleError>>()
        };
        let (companions, unless) = (nearby(&rule.companions)?, nearby(&rule.unless)?);
        let (inside, roles) = match &rule.zone {
            ZoneMatch::Inside(roles) => (true, roles),
            ZoneMatch::Outside(roles) => (false, roles),
        };
        let zones: Vec<_> = camera
            .zones
            .iter()
            .filter(|z| roles.contains(&z.role))
            .map(|z| (z.id.clone(), z.outline()))
            .collect();
        if inside && zones.is_empty() {
            return Ok(None);
        }
        let exemptions = rule
            .exempt
            .iter()
            .map(|e| (outlines(&e.roles), e.windows.clone()))
            .collect();
        Ok(Some(Self {
            id: rule.id.clone(),
            kind: rule.kind.clone(),
            subjects,
            companions,
            unless,
            min_count: rule.min_count as usize,
            group_within: rule.group_within,
            inside,
            zones,
            anchor: rule.anchor,
            stationary: rule.stationary,
            still: Stillness {
                window: still.window.min(rule.dwell.0),
                drift: still.drift,
            },
            dwell: delta(rule.dwell.0),
            windows: rule.windows.clone(),
            exemptions,
            k: rule.confirm.k as usize,
            n: rule.confirm.n as usize,
            clear_after: delta(rule.clear_after.0),
            cooldown: delta(rule.cooldown.0),
        }))
    }

    /// Whether the rule is in force at `now`, local time.
    pub fn in_force(&self, now: DateTime<Utc>, tz: Tz) -> bool {
        let local = now.with_timezone(&tz).time();
        self.windows.is_empty() || self.windows.iter().any(|w| w.contains(local))
    }

    /// Tracks that satisfy every condition but standing still, dwell and confirmation in this frame.
    pub fn qualify<'t>(
        &self,
        now: DateTime<Utc>,
        tz: Tz,
        tracks: &'t [Track],
        detections: &[Detection],
    ) -> Vec<Qualified<'t>> {
        let local = now.with_timezone(&tz).time();
        tracks
            .iter()
            .filter(|t| {
                self.subjects
                    .iter()
                    .any(|&(c, min)| t.class() == c && t.score() >= min)
            })
            .filter_map(|t| {
                let point = self.anchor_of(&t.bbox());
                let exempt = self.exemptions.iter().any(|(zones, windows)| {
                    zones.iter().any(|z| z.contains(point))
                        && (windows.is_empty() || windows.iter().any(|w| w.contains(local)))
                });
                let bbox = t.bbox();
                let near = |n: &Nearby| n.is_near(&bbox, tracks, detections, self.still);
                if exempt || !self.companions.iter().all(near) || self.unless.iter().any(near) {
                    return None;
                }
                let zone = self
                    .zones
                    .iter()
                    .find(|(_, z)| z.contains(point))
                    .map(|(id, _)| id.clone());
                match (self.inside, zone) {
                    (true, Some(zone)) => Some(Qualified {
                        track: t,
                        zone: Some(zone),
                    }),
                    (false, None) => Some(Qualified { track: t, zone: None }),
                    _ => None,
                }
            })
            .collect()
    }

    fn anchor_of(&self, b: &ImageBox) -> ImagePoint {
        match self.anchor {
            Anchor::BottomCenter => b.bottom_center(),
            Anchor::Center => b.center(),
        }
    }

    /// The boxes of the `detections` that are not part of the case standing at `spot`: neither
    /// a subject of its set-up nor a companion near it. Evidence that leaves the system blurs them.
    pub fn bystanders(&self, spot: &ImageBox, detections: &[Detection]) -> Vec<ImageBox> {
        detections
            .iter()
            .filter(|d| {
                let subject =
                    self.subjects.iter().any(|&(c, _)| c == d.class) && self.same_set_up(spot, &d.bbox);
                let companion = self
                    .companions
                    .iter()
                    .any(|n| n.is_close(spot, d.class, d.score, &d.bbox));
                !subject && !companion
            })
            .map(|d| d.bbox)
            .collect()
    }

    /// Whether a subject at `bbox` belongs to the set-up of a case standing at `spot`.
    pub fn same_set_up(&self, spot: &ImageBox, bbox: &ImageBox) -> bool {
        let dx = (spot.x1 - bbox.x2).max(bbox.x1 - spot.x2).max(0.0);
        let dy = (spot.y1 - bbox.y2).max(bbox.y1 - spot.y2).max(0.0);
        spot.iou(bbox) > 0.0
            || (self.group_within > 0.0 && dx.hypot(dy) <= self.group_within * (bbox.y2 - bbox.y1))
    }
}
