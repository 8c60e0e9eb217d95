//! Cases: every rule about one. The state machine and its state sets, escalation levels, what each
//! action changes, who may do what, and the audit chain.

pub mod actions;
pub mod audit;
pub mod escalation;
pub mod permissions;
mod requests;
pub mod source;
pub mod state;

use serde::Serialize;

pub use escalation::Escalation;
pub use source::Source;
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
    pub escalation: Escalation,
    pub extension_until: Option<i64>,
    pub extensions: i64,
    pub reworks: i64,
    pub cleared_at: Option<i64>,
    pub void_reason: Option<String>,
    /// Graduated response: the registered shop told, and until when it may comply.
    pub shop: Option<String>,
    pub notice_until: Option<i64>,
    /// Who found it first; later sightings and reports of other sources join it.
    pub source: Source,
}

impl Case {
    /// The state `action` takes this case to, or why it cannot.
    pub fn after(&self, action: Action) -> Result<State, Refused> {
        transition(self.state, action, self.notice_until.is_some())
    }
}
