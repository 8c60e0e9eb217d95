//! How far a late case has been escalated: a dispatched case not accepted in time goes to the grid
//! leader; one not handled in time goes on to the command centre. Stored as its level number.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Escalation {
    /// On time: nobody above the assignee has been told.
    OnTime,
    /// Not accepted in time: the grid leader is told.
    GridLeader,
    /// Not handled in time: the command centre is told.
    CommandCentre,
}

impl Escalation {
    pub fn level(self) -> i64 {
        match self {
            Escalation::OnTime => 0,
            Escalation::GridLeader => 1,
            Escalation::CommandCentre => 2,
        }
    }

    pub fn from_level(level: i64) -> Option<Self> {
        [
            Escalation::OnTime,
            Escalation::GridLeader,
            Escalation::CommandCentre,
        ]
        .into_iter()
        .find(|e| e.level() == level)
    }

    /// Who is told at this level, as the audit entry names them.
    pub fn told(self) -> &'static str {
        match self {
            Escalation::OnTime => "assignee",
            Escalation::GridLeader => "grid_leader",
            Escalation::CommandCentre => "command_centre",
        }
    }
}

/// Shown as its level, as the store keeps it.
impl Serialize for Escalation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.level())
    }
}
