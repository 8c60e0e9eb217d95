//! Reading cases: lists with filters and pages, a member's tasks, the false positives, the cameras'
//! last health.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    cases::{Case, State},
    store::{self, cameras::CameraHealthRow, cases::Selection},
    DispatchError, Dispatcher,
};

/// Filters and paging for a case list; absent filters match everything.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFilter {
    pub state: Option<String>,
    /// Only cases in one of these states (Open311's `open` and `closed`).
    #[serde(skip)]
    pub among: Option<&'static [State]>,
    /// A grid id, or `none` for the command centre's queue of cases outside every grid.
    pub grid: Option<String>,
    pub kind: Option<String>,
    pub assignee: Option<String>,
    pub camera: Option<String>,
    /// Reported at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Reported before this time.
    pub to: Option<DateTime<Utc>>,
    /// The oldest first, as a queue is worked, rather than the newest.
    #[serde(skip)]
    pub oldest_first: bool,
    /// 1-based.
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CasePage {
    pub cases: Vec<Case>,
    pub page: u32,
    pub per_page: u32,
    pub total: i64,
}

pub const MAX_PER_PAGE: u32 = 200;

/// The `grid` filter value that selects cases outside every grid.
pub const UNASSIGNED: &str = "none";

impl Dispatcher {
    /// Cases matching `filter`, newest first (or oldest, when it asks).
    pub async fn cases(&self, filter: &CaseFilter) -> Result<CasePage, DispatchError> {
        let (page, per_page) = (filter.page.unwrap_or(1).max(1), filter.per_page.unwrap_or(50));
        if per_page == 0 || per_page > MAX_PER_PAGE {
            return Err(DispatchError::Invalid(format!(
                "per_page: between 1 and {MAX_PER_PAGE}"
            )));
        }
        let states: Option<Vec<State>> = match filter.state.as_deref() {
            None => filter.among.map(<[State]>::to_vec),
            // A state that is no state (or not among those asked for) matches nothing.
            Some(name) => Some(
                State::parse(name)
                    .filter(|s| filter.among.is_none_or(|among| among.contains(s)))
                    .into_iter()
                    .collect(),
            ),
        };
        if states.as_ref().is_some_and(Vec::is_empty) {
            return Ok(CasePage {
                cases: Vec::new(),
                page,
                per_page,
                total: 0,
            });
        }
        let selection = Selection {
            states: states.as_deref(),
            grid: filter
                .grid
                .as_deref()
                .map(|g| if g == UNASSIGNED { None } else { Some(g) }),
            kind: filter.kind.as_deref(),
            assignee: filter.assignee.as_deref(),
            camera: filter.camera.as_deref(),
            reported_from: filter.from.map(|t| t.timestamp_millis()),
            reported_before: filter.to.map(|t| t.timestamp_millis()),
            oldest_first: filter.oldest_first,
        };
        let offset = (page as i64 - 1) * per_page as i64;
        let (cases, total) = store::cases::list(self.store.pool(), &selection, per_page, offset).await?;
        Ok(CasePage {
            cases,
            page,
            per_page,
            total,
        })
    }

    /// The cases in a member's hands.
    pub async fn tasks_of(&self, member: &str) -> Result<Vec<Case>, DispatchError> {
        Ok(store::cases::tasks_of(self.store.pool(), member).await?)
    }

    /// The id of the case with this display number.
    /// The people's reports that the cases `case_ids` hold, oldest first.
    pub async fn reports_of(
        &self,
        case_ids: &[&str],
    ) -> Result<Vec<store::reports::ReportRow>, DispatchError> {
        Ok(store::reports::of_cases(self.store.pool(), case_ids).await?)
    }

    pub async fn case_id_of_number(&self, number: i64) -> Result<Option<String>, DispatchError> {
        Ok(store::cases::id_of_number(self.store.pool(), number).await?)
    }

    /// Voided cases as JSON Lines: the case number, kind, camera, the operator's reason and the
    /// event bodies (with their evidence references) that raised it.
    pub async fn false_positives(&self) -> Result<String, DispatchError> {
        let mut out = String::new();
        for voided in store::cases::voided_with_events(self.store.pool()).await? {
            let line = serde_json::json!({
                "case": voided.number,
                "kind": voided.kind,
                "camera": voided.camera,
                "reason": voided.reason,
                "event": serde_json::from_str::<serde_json::Value>(&voided.event).unwrap_or_default(),
            });
            out += &line.to_string();
            out.push('\n');
        }
        Ok(out)
    }

    /// The last health each camera's pipeline reported.
    pub async fn camera_health(&self) -> Result<Vec<CameraHealthRow>, DispatchError> {
        Ok(store::cameras::all(self.store.pool()).await?)
    }

    /// The audit chain in order: all of it, or one case's entries.
    pub async fn audit_log(
        &self,
        case: Option<&str>,
    ) -> Result<Vec<crate::cases::audit::Entry>, DispatchError> {
        Ok(store::audit::entries(self.store.pool(), case).await?)
    }

    /// Cases in each state.
    pub async fn count_by_state(&self) -> Result<Vec<(State, i64)>, DispatchError> {
        Ok(store::cases::count_by_state(self.store.pool()).await?)
    }
}
