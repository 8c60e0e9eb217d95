//! A shop's colour: earned by its counted cases in the rolling window, and repaired one colour at
//! a time by a clean period (信用修复). Pure logic; no storage.

use std::fmt;

use gridwatch_core::config::Grading;
use serde::Serialize;

/// Green, yellow or red, in rising order of concern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    Green,
    Yellow,
    Red,
}

impl Grade {
    pub const ALL: [Grade; 3] = [Grade::Green, Grade::Yellow, Grade::Red];

    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Green => "green",
            Grade::Yellow => "yellow",
            Grade::Red => "red",
        }
    }

    pub fn parse(s: &str) -> Option<Grade> {
        Grade::ALL.into_iter().find(|g| g.as_str() == s)
    }

    /// The colour `counted` cases in the window earn.
    pub fn earned(counted: i64, grading: &Grading) -> Grade {
        if counted >= i64::from(grading.red_at) {
            Grade::Red
        } else if counted >= i64::from(grading.yellow_at) {
            Grade::Yellow
        } else {
            Grade::Green
        }
    }

    /// One colour towards green; green stays green.
    pub fn repaired(self) -> Grade {
        match self {
            Grade::Red => Grade::Yellow,
            Grade::Yellow | Grade::Green => Grade::Green,
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When a shop that is `grade` since `since`, with its last counted case at `last_case`, is due
/// to go one colour back (all in ms): `repair_after` past the later of the two. Green has nothing
/// to repair.
pub fn repair_due(grade: Grade, since: i64, last_case: Option<i64>, grading: &Grading) -> Option<i64> {
    let clean_from = last_case.map_or(since, |last| last.max(since));
    (grade != Grade::Green).then(|| clean_from + grading.repair_after.0.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_cases_earn_a_colour_at_the_thresholds() {
        let grading = Grading::default();
        let earned: Vec<Grade> = (0..6).map(|n| Grade::earned(n, &grading)).collect();
        use Grade::*;
        assert_eq!(earned, [Green, Green, Yellow, Yellow, Red, Red]);
    }

    #[test]
    fn repair_is_one_colour_after_a_clean_period_from_the_later_of_case_and_change() {
        let grading = Grading::default();
        let month = grading.repair_after.0.as_millis() as i64;
        assert_eq!(Grade::Red.repaired(), Grade::Yellow);
        assert_eq!(Grade::Yellow.repaired(), Grade::Green);
        assert_eq!(
            repair_due(Grade::Red, 1_000, Some(5_000), &grading),
            Some(5_000 + month)
        );
        assert_eq!(
            repair_due(Grade::Yellow, 9_000, Some(5_000), &grading),
            Some(9_000 + month)
        );
        assert_eq!(repair_due(Grade::Green, 9_000, None, &grading), None);
    }

    #[test]
    fn names_round_trip() {
        for grade in Grade::ALL {
            assert_eq!(Grade::parse(grade.as_str()), Some(grade));
        }
    }
}
