//! The actions offered on the page: exactly those the case's state and the visitor's role allow,
//! the usual next step of this visitor first; and whom a case may be dispatched to.

use chrono::{DateTime, Utc};
use gridwatch_core::config::Role;

use super::{
    words::{action_name, CaseWords},
    Offer, Pick, Visitor,
};
use crate::{
    cases::{permissions::may, Action, Case},
    roster::Roster,
    Dispatcher,
};

/// Whether `action` is this role's own next step, shown as the main button. The command centre may
/// also accept or handle for a member, and anyone may reopen, but those are not their usual job.
fn usual_step(role: Role, action: Action) -> bool {
    match role {
        Role::Member => matches!(
            action,
            Action::Accept | Action::Handle | Action::Dispatch | Action::GrantExtension | Action::Verify
        ),
        _ => matches!(
            action,
            Action::File | Action::Dispatch | Action::GrantExtension | Action::Verify | Action::Close
        ),
    }
}

/// The actions the case's state and the visitor's role allow now, in the order of the loop.
pub(super) fn offers(
    case: &Case,
    visitor: &Visitor,
    config: &gridwatch_core::config::Config,
    sent: &str,
) -> Vec<Offer> {
    let actor = visitor.actor();
    let allowed: Vec<Action> = Action::ALL
        .into_iter()
        .filter(|&a| case.after(a).is_ok() && may(&actor, case, a, config).is_ok())
        // Granting needs a request to grant.
        .filter(|&a| a != Action::GrantExtension || case.extension_until.is_some())
        .collect();
    let only = allowed.len() == 1;
    let mut offers: Vec<Offer> = allowed
        .into_iter()
        .map(|a| {
            let shape = match a {
                Action::Void | Action::Return | Action::Rework | Action::Reopen => "reason",
                Action::Dispatch => "dispatch",
                Action::RequestExtension => "extension",
                Action::Handle => "handle",
                _ => "button",
            };
            let class = if a == Action::Void || a == Action::Rework {
                "danger"
            } else if usual_step(visitor.account.role, a) {
                "primary"
            } else {
                ""
            };
            Offer {
                code: a.as_str(),
                label: action_name(visitor.lang, a),
                shape,
                class,
                open: a.as_str() == sent || (a == Action::Handle && (sent.is_empty() || only)),
            }
        })
        .collect();
    // The step forward first, the ways back last: the thumb finds the usual job at the top.
    offers.sort_by_key(|o| match o.class {
        "primary" => 0,
        "danger" => 2,
        _ => 1,
    });
    offers
}

/// The members a case may be dispatched to: its grid's team (every team when it lies in none),
/// those on duty marked.
pub(super) fn picks(
    case: &Case,
    d: &Dispatcher,
    now: DateTime<Utc>,
    t: &CaseWords,
    typed: &str,
) -> Vec<Pick> {
    let config = d.config();
    let roster = Roster::new(config);
    let mut picks = Vec::new();
    for team in config
        .teams
        .iter()
        .filter(|team| case.grid.as_deref().is_none_or(|g| g == team.grid.as_str()))
    {
        let on_duty = roster.on_duty(&team.grid, now);
        for m in team.members() {
            let duty = on_duty.iter().any(|o| o.id == m.id);
            picks.push(Pick {
                id: m.id.to_string(),
                label: format!(
                    "{} ({}, {}){}",
                    m.name,
                    m.id,
                    team.grid,
                    if duty {
                        format!(" · {}", t.on_duty)
                    } else {
                        String::new()
                    }
                ),
                selected: m.id.as_str() == typed,
            });
        }
    }
    picks
}
