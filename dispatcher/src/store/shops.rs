//! Shop grades as rows, the counted cases they come from, and their changes in the audit chain.

use sqlx::{any::AnyRow, Any, Executor, Row};

use super::Tx;
use crate::cases::audit::Entry;

/// A shop's grade as stored. Times are milliseconds since the epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct GradeRow {
    pub shop: String,
    /// `green`, `yellow` or `red`.
    pub grade: String,
    /// When the shop took this grade.
    pub since: i64,
    /// When its last counted case was filed.
    pub last_case_at: Option<i64>,
}

fn from_row(row: &AnyRow) -> Result<GradeRow, sqlx::Error> {
    Ok(GradeRow {
        shop: row.try_get("shop")?,
        grade: row.try_get("grade")?,
        since: row.try_get("since")?,
        last_case_at: row.try_get("last_case_at")?,
    })
}

pub async fn find<'e>(
    e: impl Executor<'e, Database = Any>,
    shop: &str,
) -> Result<Option<GradeRow>, sqlx::Error> {
    sqlx::query("SELECT * FROM shop_grades WHERE shop = $1")
        .bind(shop)
        .fetch_optional(e)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn put(tx: &mut Tx, row: &GradeRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO shop_grades (shop, grade, since, last_case_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (shop) DO UPDATE SET grade = excluded.grade, since = excluded.since,
             last_case_at = excluded.last_case_at",
    )
    .bind(&row.shop)
    .bind(&row.grade)
    .bind(row.since)
    .bind(row.last_case_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Every stored grade (shops never graded have no row: they are green).
pub async fn all(pool: &sqlx::AnyPool) -> Result<Vec<GradeRow>, sqlx::Error> {
    sqlx::query("SELECT * FROM shop_grades ORDER BY shop")
        .fetch_all(pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// The shops that are not green: the ones a clean period may repair.
pub async fn not_green(tx: &mut Tx) -> Result<Vec<GradeRow>, sqlx::Error> {
    sqlx::query("SELECT * FROM shop_grades WHERE grade <> 'green' ORDER BY shop")
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// How many of `shop`'s cases count against it, filed at `from` or later. A case counts once it
/// is filed: a reviewer or the rules confirmed it. A case can be voided only before it is filed,
/// so a voided case never counts.
pub async fn counted_since(tx: &mut Tx, shop: &str, from: i64) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM cases WHERE shop = $1 AND filed_at IS NOT NULL AND filed_at >= $2")
        .bind(shop)
        .bind(from)
        .fetch_one(&mut **tx)
        .await?
        .try_get("n")
}

/// Every shop's counted cases filed at `from` or later, as (shop, count).
pub async fn counted_per_shop(pool: &sqlx::AnyPool, from: i64) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query(
        "SELECT shop, COUNT(*) AS n FROM cases WHERE shop IS NOT NULL AND filed_at IS NOT NULL AND filed_at >= $1
         GROUP BY shop",
    )
    .bind(from)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("shop")?, r.try_get("n")?)))
    .collect()
}

/// Every grade change in the audit chain, oldest first.
pub async fn grade_changes(pool: &sqlx::AnyPool) -> Result<Vec<Entry>, sqlx::Error> {
    sqlx::query("SELECT * FROM audit WHERE action = $1 ORDER BY seq")
        .bind(crate::shops::GRADE_ACTION)
        .fetch_all(pool)
        .await?
        .iter()
        .map(super::audit::from_row)
        .collect()
}
