//! `[dispatch]` and the per-kind case policy under `[kinds]`: how the dispatcher merges, reviews,
//! times and lets people at cases.

use std::time::Duration;

use serde::Deserialize;

use super::time::Span;
use crate::MemberId;

/// How the dispatcher treats events and who may use its API.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dispatch {
    /// A sighting of the same kind within this many metres of an open case joins that case.
    #[serde(default = "default_merge_radius")]
    pub merge_radius_m: f64,
    /// A violation at the spot of a case closed less than this long ago counts as a recurrence.
    #[serde(default = "default_recurrence_within")]
    pub recurrence_within: Span,
    /// API bearer tokens, stored as their SHA-256 (`gridwatch token` prints one for a secret).
    #[serde(default)]
    pub tokens: Vec<Token>,
    /// Where case changes are announced (e.g. a grid team's phones, an SMS gateway).
    #[serde(default)]
    pub webhooks: Vec<Webhook>,
    /// Shops with a registered shopfront, told first when goods stand beyond their line.
    #[serde(default)]
    pub shops: Vec<Shop>,
    /// How shops are graded green, yellow or red by their record (三色等级), and how the grade
    /// shapes the response to them.
    #[serde(default)]
    pub grading: Grading,
}

/// An HTTP endpoint that is POSTed a JSON body for each case change it subscribes to.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    pub name: String,
    pub url: String,
    /// The case actions it is told of (`report`, `dispatch`, `escalate`, `notice`, `close`, …);
    /// all of them when empty.
    #[serde(default)]
    pub on: Vec<String>,
}

/// A shop in the registry: who to tell, and where its shopfront is — camera zones, a place on
/// the map, or both. A case in one of its zones, or within `radius_m` of its place, is at the shop.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shop {
    /// The shop's id in cases, pages and exports.
    pub id: String,
    /// The shop's name as its sign reads.
    pub name: String,
    /// Its business licence number (营业执照号), shown on the shop pages and exports.
    pub licence: String,
    /// A phone number or address the notice webhook passes on.
    pub contact: String,
    /// The camera zones that watch its shopfront.
    #[serde(default)]
    pub fronts: Vec<Front>,
    /// Where its shopfront is on the map, so that a case with a place but no camera zone (one
    /// reported by people) is also at the shop.
    #[serde(default)]
    pub place: Option<crate::GeoPoint>,
    /// How far from `place` a case is still at the shop, in metres.
    #[serde(default = "default_shop_radius")]
    pub radius_m: f64,
}

/// A camera zone that watches a shopfront.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Front {
    /// The camera's id under `[[cameras]]`.
    pub camera: crate::CameraId,
    /// One of that camera's zones.
    pub zone: crate::ZoneId,
}

fn default_shop_radius() -> f64 {
    15.0
}

/// `[dispatch.grading]`: a shop's colour comes from its counted cases in a rolling window, and it
/// earns its way back one colour at a time after a clean period (信用修复).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grading {
    /// The rolling window in which a shop's counted cases are added up.
    #[serde(default = "default_grading_window")]
    pub window: Span,
    /// A shop with this many counted cases in the window is yellow.
    #[serde(default = "default_yellow_at")]
    pub yellow_at: u32,
    /// A shop with this many counted cases in the window is red.
    #[serde(default = "default_red_at")]
    pub red_at: u32,
    /// A yellow or red shop goes back one colour after this long with no counted case since its
    /// last case or its last change of grade.
    #[serde(default = "default_repair_after")]
    pub repair_after: Span,
    /// A yellow shop's notice grace; never longer than its kind's `notice_grace`. A green shop
    /// gets the kind's `notice_grace`; a red one is dispatched at once, without a notice.
    #[serde(default = "default_yellow_grace")]
    pub yellow_grace: Span,
}

impl Default for Grading {
    fn default() -> Self {
        Self {
            window: default_grading_window(),
            yellow_at: default_yellow_at(),
            red_at: default_red_at(),
            repair_after: default_repair_after(),
            yellow_grace: default_yellow_grace(),
        }
    }
}

const DAY: u64 = 24 * 3600;

fn default_grading_window() -> Span {
    Span(Duration::from_secs(90 * DAY))
}

fn default_yellow_at() -> u32 {
    2
}

fn default_red_at() -> u32 {
    4
}

fn default_repair_after() -> Span {
    Span(Duration::from_secs(30 * DAY))
}

fn default_yellow_grace() -> Span {
    Span(Duration::from_secs(5 * 60))
}

impl Default for Dispatch {
    fn default() -> Self {
        Self {
            merge_radius_m: default_merge_radius(),
            recurrence_within: default_recurrence_within(),
            tokens: Vec::new(),
            webhooks: Vec::new(),
            shops: Vec::new(),
            grading: Grading::default(),
        }
    }
}

fn default_merge_radius() -> f64 {
    25.0
}

fn default_recurrence_within() -> Span {
    Span(Duration::from_secs(7 * DAY))
}

/// One API credential.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Token {
    /// Who holds it, for the audit log.
    pub name: String,
    /// Lowercase hex SHA-256 of the secret the holder sends as `Authorization: Bearer SECRET`.
    pub sha256: String,
    pub role: Role,
    /// For `member` tokens: the roster member, whose grid bounds what the token sees.
    #[serde(default)]
    pub member: Option<MemberId>,
}

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The command centre: every grid, every action.
    Command,
    /// A grid team member: only their grid's cases.
    Member,
    /// Reads everything, changes nothing.
    Auditor,
    /// Posts events, reads nothing.
    Ingest,
    /// Everything, including configuration exports.
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Command,
        Role::Member,
        Role::Auditor,
        Role::Ingest,
        Role::Admin,
    ];

    /// The role's name as configuration files and the API write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Command => "command",
            Role::Member => "member",
            Role::Auditor => "auditor",
            Role::Ingest => "ingest",
            Role::Admin => "admin",
        }
    }

    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

/// How cases of one kind are reviewed and timed (see `[kinds]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CasePolicy {
    pub auto_dispatch_at: Option<f64>,
    /// Graduated response: a violation in a registered shop's shopfront first notifies the shop,
    /// which has this long to comply before the case is dispatched.
    pub notice_grace: Option<Span>,
    pub accept_within: Span,
    pub handle_within: Span,
}

impl Default for CasePolicy {
    fn default() -> Self {
        Self {
            auto_dispatch_at: None,
            notice_grace: None,
            accept_within: default_accept_within(),
            handle_within: default_handle_within(),
        }
    }
}

fn default_accept_within() -> Span {
    Span(Duration::from_secs(30 * 60))
}

fn default_handle_within() -> Span {
    Span(Duration::from_secs(2 * 3600))
}
