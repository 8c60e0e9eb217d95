//! 派遣: fair dispatch. A case goes to the on-duty officer or assistant of its grid with the
//! fewest tasks in hand; the grid leader is informed, not assigned.

use gridwatch_core::GridId;

use crate::{
    cases::{actions::ActionRequest, Action, Case},
    change::Change,
    roster::{fewest_open, Roster},
    store, Actor, DispatchError,
};

/// Why nobody could be chosen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoChoice {
    #[error("the case lies outside every grid; name a member to send it to")]
    NoGrid,
    #[error("nobody in grid {0} is on duty now; name a member")]
    NobodyOnDuty(String),
}

impl Change<'_> {
    /// Dispatches `case` to the fair choice of its grid's members on duty now.
    pub(crate) async fn dispatch_fairly(
        &mut self,
        case: &Case,
        actor: &Actor,
    ) -> Result<Result<Case, NoChoice>, DispatchError> {
        let Some(grid) = case.grid.as_deref().and_then(|g| GridId::new(g).ok()) else {
            return Ok(Err(NoChoice::NoGrid));
        };
        let config = self.dispatcher.config.clone();
        let on_duty = Roster::new(&config).on_duty(&grid, self.now);
        let ids: Vec<String> = on_duty.iter().map(|m| m.id.to_string()).collect();
        let open = store::cases::open_tasks(self.tx().await?, &ids).await?;
        let tasks = |id: &gridwatch_core::MemberId| {
            open.iter().find(|(m, _)| m == id.as_str()).map_or(0, |(_, n)| *n)
        };
        let Some(member) = fewest_open(&on_duty, tasks) else {
            return Ok(Err(NoChoice::NobodyOnDuty(grid.to_string())));
        };
        let request = ActionRequest {
            to: Some(member.id.clone()),
            ..ActionRequest::default()
        };
        Ok(Ok(self.apply(case, actor, Action::Dispatch, &request).await?))
    }
}
