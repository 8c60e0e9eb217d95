//! Who is on duty in a grid, and who gets the next task.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use gridwatch_core::{
    config::{Config, Member, Team},
    GridId, MemberId,
};

/// The roster of a configuration, read in the city's time zone.
pub struct Roster<'a> {
    config: &'a Config,
    tz: Tz,
}

impl<'a> Roster<'a> {
    pub fn new(config: &'a Config) -> Self {
        Self {
            config,
            tz: config.city.timezone.0,
        }
    }

    pub fn team(&self, grid: &GridId) -> Option<&'a Team> {
        self.config.teams.iter().find(|t| &t.grid == grid)
    }

    /// The team and member with this id.
    pub fn member(&self, id: &MemberId) -> Option<(&'a Team, &'a Member)> {
        self.config
            .teams
            .iter()
            .find_map(|t| t.members().find(|m| &m.id == id).map(|m| (t, m)))
    }

    /// The grid's officer and assistants on duty at `at` (the leader is informed, not assigned),
    /// in roster order.
    pub fn on_duty(&self, grid: &GridId, at: DateTime<Utc>) -> Vec<&'a Member> {
        let Some(team) = self.team(grid) else {
            return Vec::new();
        };
        let local = at.with_timezone(&self.tz).time();
        std::iter::once(&team.officer)
            .chain(&team.assistants)
            .filter(|m| {
                m.shifts
                    .iter()
                    .filter_map(|s| self.config.shifts.get(s))
                    .any(|shift| shift.covers(local))
            })
            .collect()
    }
}

/// The fair choice: the candidate with the fewest open tasks, the first in roster order on a tie.
pub fn fewest_open<'m>(
    candidates: &[&'m Member],
    open_tasks: impl Fn(&MemberId) -> i64,
) -> Option<&'m Member> {
    candidates.iter().copied().min_by_key(|m| open_tasks(&m.id))
}
