//! Shops graded by their record (三色等级商户): which registered shop a case is at ([`fronts`]),
//! the colour its counted cases earn and the clean period that repairs it ([`grade`]), keeping
//! the grades in the store with each change in the audit chain ([`regrade`]), and each shop's
//! standing for the pages and exports ([`standing`]). The grade shapes the graduated response
//! (see [`crate::review`]).

pub mod fronts;
pub mod grade;
mod regrade;
pub mod standing;

pub use grade::Grade;
pub use regrade::{subject, GRADE_ACTION};
pub use standing::{GradeChange, ShopStanding};
