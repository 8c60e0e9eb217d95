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

/// A shop in the registry: who to tell, and which camera zone is its shopfront.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shop {
    pub id: String,
    pub name: String,
    /// A phone number or address the notice webhook passes on.
    pub contact: String,
    pub camera: crate::CameraId,
    pub zone: crate::ZoneId,
}

impl Default for Dispatch {
    fn default() -> Self {
        Self {
            merge_radius_m: default_merge_radius(),
            recurrence_within: default_recurrence_within(),
            tokens: Vec::new(),
            webhooks: Vec::new(),
            shops: Vec::new(),
        }
    }
}

fn default_merge_radius() -> f64 {
    25.0
}

fn default_recurrence_within() -> Span {
    Span(Duration::from_secs(7 * 24 * 3600))
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
