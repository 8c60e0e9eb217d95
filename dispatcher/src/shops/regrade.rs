//! Keeping the grades: a case that counts may raise its shop's colour; a clean period repairs it
//! one colour at a time. Every change is an entry in the audit chain with its reason, under the
//! subject `shop:ID` (a case's entries carry the case id), so `gridwatch audit verify` covers it.

use chrono::{DateTime, Utc};
use gridwatch_core::config::time::Span;
use serde_json::json;

use super::grade::{repair_due, Grade};
use crate::{
    cases::Case,
    change::Change,
    store::{self, shops::GradeRow},
    Actor, DispatchError, StoreError,
};

/// The audit action of a change of grade.
pub const GRADE_ACTION: &str = "grade";

/// A shop's subject in the audit chain.
pub fn subject(shop: &str) -> String {
    format!("shop:{shop}")
}

fn ms(span: Span) -> i64 {
    span.0.as_millis() as i64
}

fn stored_grade(row: &GradeRow) -> Result<Grade, DispatchError> {
    Grade::parse(&row.grade).ok_or_else(|| {
        DispatchError::Store(StoreError::Query(sqlx::Error::Decode(
            format!("shop `{}`: unknown stored grade `{}`", row.shop, row.grade).into(),
        )))
    })
}

impl Change<'_> {
    /// The grade `shop` holds now, after any repair that fell due.
    pub(crate) async fn settled_grade(&mut self, shop: &str) -> Result<Grade, DispatchError> {
        match store::shops::find(&mut **self.tx().await?, shop).await? {
            Some(row) => self.repair(row).await,
            None => Ok(Grade::Green),
        }
    }

    /// `case`, just filed at `shop`, counts against it: the shop takes the colour its counted
    /// cases in the window earn, if that is worse than the one it holds.
    pub(crate) async fn count_against_shop(&mut self, case: &Case, shop: &str) -> Result<(), DispatchError> {
        let grading = self.dispatcher.config.dispatch.grading;
        let now = self.now_ms();
        let counted = store::shops::counted_since(self.tx().await?, shop, now - ms(grading.window)).await?;
        // A repair that fell due before this case comes first.
        let held = self.settled_grade(shop).await?;
        let row = store::shops::find(&mut **self.tx().await?, shop).await?;
        let earned = Grade::earned(counted, &grading);
        let mut next = GradeRow {
            shop: shop.to_owned(),
            grade: held.as_str().to_owned(),
            since: row.map_or(now, |r| r.since),
            last_case_at: Some(now),
        };
        if earned > held {
            let reason = format!(
                "{counted} counted cases in the last {} (yellow at {}, red at {}); the latest is case #{}",
                grading.window, grading.yellow_at, grading.red_at, case.number
            );
            let detail =
                json!({ "reason": reason, "counted": counted, "case": case.id, "number": case.number });
            self.regrade(shop, held, earned, &detail).await?;
            next.grade = earned.as_str().to_owned();
            next.since = now;
        }
        store::shops::put(self.tx().await?, &next).await?;
        Ok(())
    }

    /// Repairs every shop whose clean period has run.
    pub(crate) async fn repair_shops(&mut self) -> Result<(), DispatchError> {
        for row in store::shops::not_green(self.tx().await?).await? {
            self.repair(row).await?;
        }
        Ok(())
    }

    /// Takes `row`'s shop one colour back for each clean period that has run out by now, each
    /// period starting where the one before ended; returns the grade it then holds.
    async fn repair(&mut self, mut row: GradeRow) -> Result<Grade, DispatchError> {
        let grading = self.dispatcher.config.dispatch.grading;
        let now = self.now_ms();
        let held = stored_grade(&row)?;
        let mut grade = held;
        while let Some(due) =
            repair_due(grade, row.since, row.last_case_at, &grading).filter(|due| *due <= now)
        {
            let clean_from = due - ms(grading.repair_after);
            let after = if row.last_case_at.is_some_and(|last| last >= row.since) {
                "its last counted case"
            } else {
                "its last change of grade"
            };
            let reason = format!(
                "credit repair: no counted case for {} since {after} at {}",
                grading.repair_after,
                DateTime::<Utc>::from_timestamp_millis(clean_from).unwrap_or_default(),
            );
            let repaired = grade.repaired();
            let detail = json!({ "reason": reason, "clean_since": clean_from, "due": due });
            self.regrade(&row.shop, grade, repaired, &detail).await?;
            grade = repaired;
            row.grade = grade.as_str().to_owned();
            row.since = due;
        }
        if grade != held {
            store::shops::put(self.tx().await?, &row).await?;
        }
        Ok(grade)
    }

    async fn regrade(
        &mut self,
        shop: &str,
        from: Grade,
        to: Grade,
        detail: &serde_json::Value,
    ) -> Result<(), DispatchError> {
        self.chain(
            &subject(shop),
            &Actor::system("dispatcher"),
            GRADE_ACTION,
            Some(from.as_str()),
            to.as_str(),
            detail,
        )
        .await
    }
}
