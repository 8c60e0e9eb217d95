//! `[shifts]` and `[[teams]]`: who works each grid, and when.
//!
//! Every grid is staffed "1+1+N": one grid leader (网格长), one law-enforcement officer (执法队员)
//! and N assistants (协管员); the shape of [`Team`] makes that structure impossible to get wrong.

use serde::Deserialize;

use super::time::{TimeOfDay, TimeWindow};
use crate::{GridId, MemberId};

/// A daily duty period in local time; `end` before `start` runs past midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shift {
    pub start: TimeOfDay,
    pub end: TimeOfDay,
}

impl Shift {
    /// True when local time `t` falls in the shift.
    pub fn covers(&self, t: chrono::NaiveTime) -> bool {
        TimeWindow {
            start: self.start,
            end: self.end,
        }
        .contains(t)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    pub grid: GridId,
    pub leader: Member,
    pub officer: Member,
    #[serde(default)]
    pub assistants: Vec<Member>,
}

impl Team {
    /// Leader, officer, then assistants.
    pub fn members(&self) -> impl Iterator<Item = &Member> {
        [&self.leader, &self.officer].into_iter().chain(&self.assistants)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub id: MemberId,
    pub name: String,
    #[serde(default)]
    pub phone: Option<String>,
    /// Names from `[shifts]`.
    pub shifts: Vec<String>,
}
