//! Cases: the state machine, the audit chain, and the case as stored.

pub mod audit;
pub mod state;

use serde::Serialize;
use sqlx::{any::AnyRow, Row};

pub use state::{transition, Action, Refused, State};

/// A case as the store holds it. Times are milliseconds since the epoch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Case {
    pub id: String,
    pub number: i64,
    pub kind: String,
    pub state: State,
    pub grid: Option<String>,
    pub camera: String,
    pub zone: Option<String>,
    pub lon: f64,
    pub lat: f64,
    pub confidence: f64,
    pub assignee: Option<String>,
    pub occurrences: i64,
    pub recurrence_of: Option<String>,
    pub first_event: String,
    pub last_event: String,
    pub reported_at: i64,
    pub updated_at: i64,
    pub filed_at: Option<i64>,
    pub dispatched_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub handled_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub accept_due: Option<i64>,
    pub handle_due: Option<i64>,
    pub escalation: i64,
    pub extension_until: Option<i64>,
    pub extensions: i64,
    pub reworks: i64,
    pub cleared_at: Option<i64>,
    pub void_reason: Option<String>,
    /// Graduated response: the registered shop told, and until when it may comply.
    pub shop: Option<String>,
    pub notice_until: Option<i64>,
}

impl Case {
    /// Reads a `SELECT * FROM cases` row.
    pub fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        let state: String = row.try_get("state")?;
        Ok(Self {
            id: row.try_get("id")?,
            number: row.try_get("number")?,
            kind: row.try_get("kind")?,
            state: State::parse(&state)
                .ok_or_else(|| sqlx::Error::Decode(format!("unknown case state `{state}`").into()))?,
            grid: row.try_get("grid")?,
            camera: row.try_get("camera")?,
            zone: row.try_get("zone")?,
            lon: row.try_get("lon")?,
            lat: row.try_get("lat")?,
            confidence: row.try_get("confidence")?,
            assignee: row.try_get("assignee")?,
            occurrences: row.try_get("occurrences")?,
            recurrence_of: row.try_get("recurrence_of")?,
            first_event: row.try_get("first_event")?,
            last_event: row.try_get("last_event")?,
            reported_at: row.try_get("reported_at")?,
            updated_at: row.try_get("updated_at")?,
            filed_at: row.try_get("filed_at")?,
            dispatched_at: row.try_get("dispatched_at")?,
            accepted_at: row.try_get("accepted_at")?,
            handled_at: row.try_get("handled_at")?,
            closed_at: row.try_get("closed_at")?,
            accept_due: row.try_get("accept_due")?,
            handle_due: row.try_get("handle_due")?,
            escalation: row.try_get("escalation")?,
            extension_until: row.try_get("extension_until")?,
            extensions: row.try_get("extensions")?,
            reworks: row.try_get("reworks")?,
            cleared_at: row.try_get("cleared_at")?,
            void_reason: row.try_get("void_reason")?,
            shop: row.try_get("shop")?,
            notice_until: row.try_get("notice_until")?,
        })
    }
}
