//! What people ask of a case through the API: to see it, and to act on it.

use super::{
    actions::ActionRequest,
    permissions::{may, may_see, Actor},
    Action, Case,
};
use crate::{store, DispatchError, Dispatcher};

impl Dispatcher {
    /// The case, if `actor` may see it.
    pub async fn case(&self, actor: &Actor, id: &str) -> Result<Case, DispatchError> {
        let case = store::cases::find(self.store.pool(), id)
            .await?
            .ok_or_else(|| DispatchError::NotFound(id.to_owned()))?;
        may_see(actor, &case, &self.config)?;
        Ok(case)
    }

    /// Someone acts on a case. Refused when their role or grid does not allow it, or when the
    /// case's state does not. A dispatch that names nobody goes to the fair choice.
    pub async fn act(
        &self,
        actor: &Actor,
        case_id: &str,
        request: &ActionRequest,
    ) -> Result<Case, DispatchError> {
        let action = request
            .action
            .ok_or_else(|| DispatchError::Invalid("action: missing; say what to do to the case".into()))?;
        let mut change = self.change().await?;
        let case = change.case(case_id).await?;
        may_see(actor, &case, &self.config)?;
        may(actor, &case, action, &self.config)?;
        let case = if action == Action::Dispatch && request.to.is_none() {
            // The state's refusal comes first: it is the same whoever would be chosen.
            case.after(action)?;
            change
                .dispatch_fairly(&case, actor)
                .await?
                .map_err(|nobody| DispatchError::Invalid(format!("to: {nobody}")))?
        } else {
            change.apply(&case, actor, action, request).await?
        };
        change.commit().await?;
        Ok(case)
    }
}
