//! What each action does to a case besides moving its state: the deadlines it sets, the people it
//! names, the reasons it requires. Pure: the case after the action and the audit entry's detail.

use chrono::{DateTime, Utc};
use gridwatch_core::{config::Config, MemberId, ViolationKind};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{Action, Case, Escalation};
use crate::{roster::Roster, DispatchError};

/// What someone asks to do to a case, as the API receives it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    pub action: Option<Action>,
    /// What was done (handle), or any remark.
    #[serde(default)]
    pub note: Option<String>,
    /// Why (void, return, rework, request_extension).
    #[serde(default)]
    pub reason: Option<String>,
    /// The member a case is dispatched to; the fair choice when absent.
    #[serde(default)]
    pub to: Option<MemberId>,
    /// Evidence of handling: a photo's path or URL.
    #[serde(default)]
    pub photo: Option<String>,
    /// The new handling deadline asked for (request_extension).
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
}

impl ActionRequest {
    /// A request with only a note: what the dispatcher and cameras say when they act.
    pub fn noting(note: &str) -> Self {
        Self {
            note: Some(note.to_owned()),
            ..Self::default()
        }
    }
}

/// A case after an action, and what its audit entry records.
pub struct Applied {
    pub case: Case,
    pub detail: Value,
}

fn span_ms(span: gridwatch_core::config::time::Span) -> i64 {
    span.0.as_millis() as i64
}

/// `case` after `action` at `now`, or why the action cannot be taken. Permission is checked
/// before (see [`super::permissions`]); the state's consent is checked here.
pub fn apply(
    case: &Case,
    action: Action,
    request: &ActionRequest,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Applied, DispatchError> {
    let state = case.after(action)?;
    let need = |field: &str, value: &Option<String>| {
        value
            .as_deref()
            .filter(|v| !v.trim().is_empty())
            .map(str::to_owned)
            .ok_or_else(|| DispatchError::Invalid(format!("{field}: required to {action} a case")))
    };
    let t = now.timestamp_millis();
    let mut next = Case {
        state,
        updated_at: t,
        ..case.clone()
    };
    let mut detail = json!({});
    match action {
        Action::File => next.filed_at = Some(t),
        Action::Void => {
            let reason = need("reason", &request.reason)?;
            detail = json!({ "reason": reason });
            (next.void_reason, next.closed_at) = (Some(reason), Some(t));
        }
        Action::Dispatch => {
            let to = request
                .to
                .clone()
                .ok_or_else(|| DispatchError::Invalid("to: required to dispatch a case".into()))?;
            let (team, _) = Roster::new(config)
                .member(&to)
                .ok_or_else(|| DispatchError::Invalid(format!("to: no roster member has id `{to}`")))?;
            if case.grid.as_deref().is_some_and(|g| g != team.grid.as_str()) {
                return Err(DispatchError::Invalid(format!(
                    "to: `{to}` works grid {}, the case is in grid {}",
                    team.grid,
                    case.grid.as_deref().unwrap_or_default()
                )));
            }
            let kind = ViolationKind::new(&case.kind).map_err(|e| DispatchError::Invalid(e.to_string()))?;
            let policy = config.case_policy(&kind);
            detail = json!({ "to": to, "informed": team.leader.id });
            next.assignee = Some(to.to_string());
            next.grid = Some(team.grid.to_string());
            next.dispatched_at = Some(t);
            next.accepted_at = None;
            next.accept_due = Some(t + span_ms(policy.accept_within));
            next.handle_due = Some(t + span_ms(policy.handle_within));
            next.escalation = Escalation::OnTime;
        }
        Action::Accept => next.accepted_at = Some(t),
        Action::Return => {
            let reason = need("reason", &request.reason)?;
            detail = json!({ "reason": reason, "from": case.assignee });
            (next.assignee, next.accept_due, next.handle_due) = (None, None, None);
        }
        Action::RequestExtension => {
            let reason = need("reason", &request.reason)?;
            let until = request
                .until
                .filter(|u| case.handle_due.is_none_or(|due| u.timestamp_millis() > due))
                .ok_or_else(|| {
                    DispatchError::Invalid(
                        "until: required, and later than the current handling deadline".into(),
                    )
                })?;
            detail = json!({ "reason": reason, "until": until });
            next.extension_until = Some(until.timestamp_millis());
        }
        Action::GrantExtension => {
            let until = case.extension_until.ok_or_else(|| {
                DispatchError::Invalid("no extension has been requested for this case".into())
            })?;
            detail = json!({ "until": DateTime::<Utc>::from_timestamp_millis(until) });
            (next.handle_due, next.extension_until) = (Some(until), None);
            next.extensions += 1;
            // The new deadline is not missed yet: the command centre is no longer involved.
            next.escalation = case.escalation.min(Escalation::GridLeader);
        }
        Action::Handle => {
            let note = need("note", &request.note)?;
            detail = json!({ "note": note, "photo": request.photo });
            (next.handled_at, next.cleared_at) = (Some(t), None);
        }
        Action::Verify => detail = json!({ "note": request.note }),
        Action::Rework => {
            let reason = need("reason", &request.reason)?;
            detail = json!({ "reason": reason });
            next.reworks += 1;
            next.handled_at = None;
        }
        Action::Close => next.closed_at = Some(t),
        Action::Reopen => {
            let reason = need("reason", &request.reason)?;
            detail = json!({ "reason": reason });
            (next.closed_at, next.assignee) = (None, None);
        }
    }
    if let Some(note) = request.note.as_ref().filter(|_| detail.get("note").is_none()) {
        detail["note"] = json!(note);
    }
    Ok(Applied { case: next, detail })
}
