//! Who may see a case and who may do what to it: the command centre everything, a grid member
//! their own grid's cases and the steps of their own tasks, the grid leader the team's decisions.

use gridwatch_core::{
    config::{Config, Role},
    MemberId,
};

use super::{Action, Case};
use crate::{roster::Roster, DispatchError};

/// Who does something: a token's holder, or the dispatcher and cameras themselves.
#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    pub name: String,
    pub role: Role,
    pub member: Option<MemberId>,
}

impl Actor {
    /// The dispatcher or a camera acting on its own (auto-dispatch, verification, escalation).
    pub fn system(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            role: Role::Admin,
            member: None,
        }
    }

    /// A camera, in the audit log.
    pub fn camera(id: &gridwatch_core::CameraId) -> Self {
        Self::system(format!("camera:{id}"))
    }

    /// The grid of a member's team, as the roster has it.
    pub fn grid(&self, config: &Config) -> Option<String> {
        let member = self.member.as_ref()?;
        Roster::new(config)
            .member(member)
            .map(|(team, _)| team.grid.to_string())
    }
}

/// Whether `actor` may see `case`: members see their own grid's cases only (others do not exist
/// for them); ingest tokens see nothing.
pub fn may_see(actor: &Actor, case: &Case, config: &Config) -> Result<(), DispatchError> {
    if actor.role == Role::Ingest {
        return Err(DispatchError::Forbidden(
            "ingest tokens may only post events".into(),
        ));
    }
    if actor.role == Role::Member && case.grid != actor.grid(config) {
        return Err(DispatchError::NotFound(case.id.clone()));
    }
    Ok(())
}

/// Whether `actor`'s role allows `action` on `case`.
pub fn may(actor: &Actor, case: &Case, action: Action, config: &Config) -> Result<(), DispatchError> {
    let refuse = |why: String| Err(DispatchError::Forbidden(why));
    match actor.role {
        Role::Command | Role::Admin => Ok(()),
        Role::Auditor | Role::Ingest => refuse(format!("{} tokens cannot change cases", actor.role.as_str())),
        Role::Member => {
            let member = actor.member.as_ref().map(|m| m.as_str());
            let is_leader = actor
                .member
                .as_ref()
                .and_then(|m| Roster::new(config).member(m))
                .is_some_and(|(team, _)| Some(team.leader.id.as_str()) == member);
            let own = case.assignee.as_deref() == member;
            match action {
                Action::Accept | Action::Return | Action::RequestExtension | Action::Handle
                    if own || is_leader =>
                {
                    Ok(())
                }
                Action::Dispatch | Action::GrantExtension | Action::Verify | Action::Rework if is_leader => {
                    Ok(())
                }
                _ if is_leader => refuse(format!(
                    "a grid leader cannot {action} cases; the command centre can"
                )),
                _ => refuse(format!(
                    "only the assigned member or the grid leader can {action} this case"
                )),
            }
        }
    }
}
