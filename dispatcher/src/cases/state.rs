//! The case loop of digital urban management as a state machine: 立案 → 派遣 → 签收 → 处置 →
//! 核查 → 结案, with the ways back (回退, 返工, reopening) and 延期 beside it. Pure logic; the
//! store applies what it allows.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Received, waiting for review (信息收集).
    Reported,
    /// Accepted as a case (立案), not yet sent to anyone.
    Filed,
    /// Rejected at review (注销); kept, with the reason, as a false positive.
    Voided,
    /// Sent to a grid member (派遣).
    Dispatched,
    /// The member has taken it (签收).
    Accepted,
    /// The member sent it back (回退): wrong grid or not theirs; waits to be dispatched again.
    Returned,
    /// The member reports it dealt with (处置).
    Handled,
    /// Verification failed (返工): the member must deal with it again.
    Rework,
    /// Checked: the violation is gone (核查).
    Verified,
    /// Done (结案).
    Closed,
    /// Closed, then found not done; waits to be dispatched again.
    Reopened,
}

impl State {
    pub const ALL: [State; 11] = [
        State::Reported,
        State::Filed,
        State::Voided,
        State::Dispatched,
        State::Accepted,
        State::Returned,
        State::Handled,
        State::Rework,
        State::Verified,
        State::Closed,
        State::Reopened,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Reported => "reported",
            State::Filed => "filed",
            State::Voided => "voided",
            State::Dispatched => "dispatched",
            State::Accepted => "accepted",
            State::Returned => "returned",
            State::Handled => "handled",
            State::Rework => "rework",
            State::Verified => "verified",
            State::Closed => "closed",
            State::Reopened => "reopened",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|state| state.as_str() == s)
    }

    /// Done with, one way or the other: Open311's `closed`.
    pub const ENDED: [State; 2] = [State::Voided, State::Closed];

    /// Still someone's business: new sightings merge into it rather than open a new case.
    pub const OPEN: [State; 9] = [
        State::Reported,
        State::Filed,
        State::Dispatched,
        State::Accepted,
        State::Returned,
        State::Handled,
        State::Rework,
        State::Verified,
        State::Reopened,
    ];

    /// A grid member has it in hand: it counts towards their open tasks.
    pub const WITH_MEMBER: [State; 4] = [State::Dispatched, State::Accepted, State::Handled, State::Rework];

    /// Sent and not yet handled: the handling deadline runs.
    pub const BEING_HANDLED: [State; 3] = [State::Dispatched, State::Accepted, State::Rework];

    pub fn is_open(self) -> bool {
        State::OPEN.contains(&self)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What someone (or the dispatcher itself) does to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    File,
    Void,
    Dispatch,
    Accept,
    Return,
    RequestExtension,
    GrantExtension,
    Handle,
    Verify,
    Rework,
    Close,
    Reopen,
}

impl Action {
    pub const ALL: [Action; 12] = [
        Action::File,
        Action::Void,
        Action::Dispatch,
        Action::Accept,
        Action::Return,
        Action::RequestExtension,
        Action::GrantExtension,
        Action::Handle,
        Action::Verify,
        Action::Rework,
        Action::Close,
        Action::Reopen,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::File => "file",
            Action::Void => "void",
            Action::Dispatch => "dispatch",
            Action::Accept => "accept",
            Action::Return => "return",
            Action::RequestExtension => "request_extension",
            Action::GrantExtension => "grant_extension",
            Action::Handle => "handle",
            Action::Verify => "verify",
            Action::Rework => "rework",
            Action::Close => "close",
            Action::Reopen => "reopen",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|action| action.as_str() == s)
    }

    /// The states this action may be taken from.
    fn from(self) -> &'static [State] {
        use State::*;
        match self {
            Action::File | Action::Void => &[Reported],
            Action::Dispatch => &[Filed, Returned, Reopened],
            Action::Accept => &[Dispatched],
            Action::Return => &[Dispatched, Accepted],
            Action::RequestExtension | Action::GrantExtension => &[Accepted, Rework],
            Action::Handle => &[Accepted, Rework],
            // Filed, too, but only under a shop notice: see `needs_notice`.
            Action::Verify => &[Handled, Filed],
            Action::Rework => &[Handled],
            Action::Close => &[Verified],
            Action::Reopen => &[Closed],
        }
    }

    /// Whether taking this action from `state` needs the case to be under a shop notice: a filed
    /// case is verified without dispatch only when its shop was told and complied in time.
    fn needs_notice(self, state: State) -> bool {
        self == Action::Verify && state == State::Filed
    }

    /// The state after the action, from `state`.
    fn to(self, state: State) -> State {
        match self {
            Action::File => State::Filed,
            Action::Void => State::Voided,
            Action::Dispatch => State::Dispatched,
            Action::Accept => State::Accepted,
            Action::Return => State::Returned,
            Action::RequestExtension | Action::GrantExtension => state,
            Action::Handle => State::Handled,
            Action::Verify => State::Verified,
            Action::Rework => State::Rework,
            Action::Close => State::Closed,
            Action::Reopen => State::Reopened,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An action the case's state does not allow, with what would.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} a case that is {state}; {action} applies to {}", allowed(*action))]
pub struct Refused {
    pub action: Action,
    pub state: State,
}

fn allowed(action: Action) -> String {
    let (plain, noticed): (Vec<State>, Vec<State>) =
        action.from().iter().partition(|s| !action.needs_notice(**s));
    let names = |states: &[State]| states.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" or ");
    match noticed.is_empty() {
        true => format!("{} cases", names(&plain)),
        false => format!(
            "{} cases, or {} ones under a shop notice",
            names(&plain),
            names(&noticed)
        ),
    }
}

/// The state `action` takes a case in `state` to, or why it cannot; `under_notice` says whether
/// the case's shop has been told to comply (graduated response).
pub fn transition(state: State, action: Action, under_notice: bool) -> Result<State, Refused> {
    let allowed = action.from().contains(&state) && (under_notice || !action.needs_notice(state));
    if allowed {
        Ok(action.to(state))
    } else {
        Err(Refused { action, state })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_loop_with_its_ways_back() {
        let steps = [
            (Action::File, State::Filed),
            (Action::Dispatch, State::Dispatched),
            (Action::Return, State::Returned),
            (Action::Dispatch, State::Dispatched),
            (Action::Accept, State::Accepted),
            (Action::RequestExtension, State::Accepted),
            (Action::GrantExtension, State::Accepted),
            (Action::Handle, State::Handled),
            (Action::Rework, State::Rework),
            (Action::Handle, State::Handled),
            (Action::Verify, State::Verified),
            (Action::Close, State::Closed),
            (Action::Reopen, State::Reopened),
            (Action::Dispatch, State::Dispatched),
        ];
        let mut state = State::Reported;
        for (action, expected) in steps {
            state = transition(state, action, false).unwrap();
            assert_eq!(state, expected, "after {action}");
        }
    }

    #[test]
    fn refusals_say_what_would_be_allowed() {
        let err = transition(State::Reported, Action::Close, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot close a case that is reported; close applies to verified cases"
        );
        let err = transition(State::Closed, Action::Handle, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot handle a case that is closed; handle applies to accepted or rework cases"
        );
        assert!(
            transition(State::Voided, Action::File, false).is_err(),
            "a voided case stays voided"
        );
    }

    #[test]
    fn only_a_case_under_a_shop_notice_is_verified_without_dispatch() {
        let err = transition(State::Filed, Action::Verify, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot verify a case that is filed; verify applies to handled cases, or filed ones under a shop notice"
        );
        assert_eq!(
            transition(State::Filed, Action::Verify, true),
            Ok(State::Verified)
        );
        assert_eq!(
            transition(State::Handled, Action::Verify, false),
            Ok(State::Verified)
        );
    }

    #[test]
    fn the_state_sets_agree_with_each_other() {
        for state in State::ALL {
            assert_eq!(state.is_open(), !State::ENDED.contains(&state), "{state}");
        }
        for state in State::WITH_MEMBER.into_iter().chain(State::BEING_HANDLED) {
            assert!(state.is_open(), "{state}");
        }
    }

    #[test]
    fn names_round_trip() {
        for state in State::ALL {
            assert_eq!(State::parse(state.as_str()), Some(state));
        }
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(action));
        }
    }
}
