//! `[[rules]]`: when tracked objects amount to a violation.
//!
//! One generic rule shape; street vending, out-of-line parking and roadside barbecue are presets
//! written in configuration, and a city adds kinds of its own the same way.

use serde::Deserialize;

use super::time::{Span, TimeWindow};
use crate::{CameraId, RuleId, ViolationKind, ZoneRole};

fn one() -> u32 {
    1
}
fn yes() -> bool {
    true
}
fn default_min_score() -> f32 {
    0.4
}
fn default_clear_after() -> Span {
    Span(std::time::Duration::from_secs(120))
}
fn default_cooldown() -> Span {
    Span(std::time::Duration::from_secs(600))
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: RuleId,
    pub kind: ViolationKind,
    /// Detector classes that can be the subject (any of them).
    pub subjects: Vec<ClassMatch>,
    /// Classes that must be near a subject, e.g. a person by a cart, smoke above a grill.
    #[serde(default)]
    pub companions: Vec<Companion>,
    /// Classes whose presence near a subject means the rule does not apply to it: a tricycle
    /// with its vendor standing by is a stall, not a parked vehicle.
    #[serde(default)]
    pub unless: Vec<Companion>,
    /// How many subjects must be in violation together (e.g. ≥ 3 bicycles out of their bays).
    #[serde(default = "one")]
    pub min_count: u32,
    /// Subjects this close to a case's subject, in multiples of their box height, are part of its
    /// set-up (a shop's piles of goods, a row of bicycles): one case, one event. 0 (the default)
    /// joins only subjects whose boxes overlap.
    #[serde(default)]
    pub group_within: f64,
    pub zone: ZoneMatch,
    #[serde(default)]
    pub anchor: Anchor,
    /// Whether subjects must stand still; moving riders and passing carts never trigger.
    #[serde(default = "yes")]
    pub stationary: bool,
    /// How long the subjects must stay before the violation is confirmed.
    pub dwell: Span,
    /// When the rule applies, in the city's time zone; empty means always.
    #[serde(default)]
    pub windows: Vec<TimeWindow>,
    /// Zones where, in the given windows, the rule does not apply (e.g. a market in its hours).
    #[serde(default)]
    pub exempt: Vec<Exemption>,
    #[serde(default)]
    pub confirm: Confirm,
    /// The violation ends when the subjects have been gone this long.
    #[serde(default = "default_clear_after")]
    pub clear_after: Span,
    /// After a violation clears, the same spot does not alert again for this long.
    #[serde(default = "default_cooldown")]
    pub cooldown: Span,
    /// Limits the rule to these cameras; all cameras when absent.
    #[serde(default)]
    pub cameras: Option<Vec<CameraId>>,
}

impl Rule {
    /// The `companions` and `unless` entries, each with its key and position in that list.
    pub fn nearby(&self) -> impl Iterator<Item = (&'static str, usize, &Companion)> {
        [("companions", &self.companions), ("unless", &self.unless)]
            .into_iter()
            .flat_map(|(key, list)| list.iter().enumerate().map(move |(n, c)| (key, n, c)))
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassMatch {
    /// A class name from the model card.
    pub class: String,
    #[serde(default = "default_min_score")]
    pub min_score: f32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Companion {
    pub class: String,
    #[serde(default = "default_min_score")]
    pub min_score: f32,
    /// Maximum distance from the subject, in multiples of the subject's box height.
    pub within: f64,
    /// Only a tracked object standing still counts (a vendor standing by, not a passer-by).
    #[serde(default)]
    pub stationary: bool,
    /// Only an object standing (its box's bottom centre) in a zone of one of these roles counts;
    /// anywhere when empty. A stall's table on the pavement, not a shop's on its own apron.
    #[serde(default)]
    pub inside: Vec<ZoneRole>,
}

/// Where the anchor must be: inside a zone of one of the roles, or outside every zone of them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ZoneMatch {
    Inside(Vec<ZoneRole>),
    Outside(Vec<ZoneRole>),
}

impl ZoneMatch {
    pub fn roles(&self) -> &[ZoneRole] {
        match self {
            ZoneMatch::Inside(roles) | ZoneMatch::Outside(roles) => roles,
        }
    }
}

/// The point of a subject's box that is tested against zones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// Where the object touches the ground.
    #[default]
    BottomCenter,
    Center,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exemption {
    pub roles: Vec<ZoneRole>,
    /// When the exemption holds; always when empty.
    #[serde(default)]
    pub windows: Vec<TimeWindow>,
}

/// Confirmed when the subjects are seen in at least `k` of the last `n` analysed frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Confirm {
    pub k: u32,
    pub n: u32,
}

impl Default for Confirm {
    fn default() -> Self {
        Self { k: 3, n: 5 }
    }
}
