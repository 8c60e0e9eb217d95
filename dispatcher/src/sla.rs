//! Deadlines (SLA): a dispatched case not accepted in time is escalated to the grid leader, one
//! not handled in time to the command centre. The deadlines live in the database, so a restart
//! loses none; the watch also sends out the cases whose shop notices ran out and repairs the
//! grades of shops whose clean period has run (信用修复).

use chrono::{DateTime, Utc};
use gridwatch_core::GridId;
use serde_json::json;

use crate::{
    cases::{Case, Escalation},
    roster::Roster,
    store, Actor, DispatchError, Dispatcher,
};

/// The level `case` must be escalated to at `now` (ms), if higher than it stands, with the
/// deadline it missed.
pub fn due_escalation(case: &Case, now: i64) -> Option<(Escalation, Option<i64>)> {
    let handle_late = case.handle_due.is_some_and(|d| d < now);
    let wanted = if handle_late {
        (Escalation::CommandCentre, case.handle_due)
    } else {
        (Escalation::GridLeader, case.accept_due)
    };
    (wanted.0 > case.escalation).then_some(wanted)
}

impl Dispatcher {
    /// Escalates the cases whose deadlines have passed, dispatches those whose shop notices ran
    /// out and repairs the shop grades that are due. Returns the cases concerned.
    pub async fn escalate_overdue(&self) -> Result<Vec<String>, DispatchError> {
        let mut change = self.change().await?;
        let t = change.now_ms();
        let mut escalated = change.dispatch_ignored_notices().await?;
        change.repair_shops().await?;
        let dispatcher = Actor::system("dispatcher");
        for case in store::cases::overdue(change.tx().await?, t).await? {
            let Some((level, due)) = due_escalation(&case, t) else {
                continue;
            };
            let leader = case
                .grid
                .as_deref()
                .and_then(|g| GridId::new(g).ok())
                .and_then(|g| {
                    Roster::new(&self.config)
                        .team(&g)
                        .map(|team| team.leader.id.to_string())
                });
            let detail = json!({
                "to": level.told(),
                "leader": leader,
                "due": due.and_then(DateTime::<Utc>::from_timestamp_millis),
            });
            let case = Case {
                escalation: level,
                updated_at: t,
                ..case
            };
            change.note(&case, &dispatcher, "escalate", detail).await?;
            escalated.push(case.id);
        }
        change.commit().await?;
        Ok(escalated)
    }
}
