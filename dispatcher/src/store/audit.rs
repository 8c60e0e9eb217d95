//! The audit chain's rows: appended, never changed.

use sqlx::{any::AnyRow, Row};

use super::{pieces, placeholder_rows, Tx};
use crate::cases::audit::{Entry, GENESIS};

/// The sequence number and hash of the last entry, or `(0, GENESIS)` before the first.
pub async fn last(tx: &mut Tx) -> Result<(i64, String), sqlx::Error> {
    let row = sqlx::query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?;
    match row {
        Some(row) => Ok((row.try_get("seq")?, row.try_get("hash")?)),
        None => Ok((0, GENESIS.to_owned())),
    }
}

/// Appends `entries`, in order, with as few statements as the databases allow.
pub async fn append(tx: &mut Tx, entries: &[Entry]) -> Result<(), sqlx::Error> {
    for rows in pieces(entries) {
        let sql = format!(
            "INSERT INTO audit (seq, case_id, at, actor, action, from_state, to_state, detail, prev_hash, hash)
             VALUES {}",
            placeholder_rows(tx, rows.len(), 10)
        );
        let query = rows.iter().fold(sqlx::query(&sql), |q, entry| {
            q.bind(entry.seq)
                .bind(&entry.case_id)
                .bind(entry.at)
                .bind(&entry.actor)
                .bind(&entry.action)
                .bind(entry.from_state.clone())
                .bind(&entry.to_state)
                .bind(&entry.detail)
                .bind(&entry.prev_hash)
                .bind(&entry.hash)
        });
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

pub(super) fn from_row(r: &AnyRow) -> Result<Entry, sqlx::Error> {
    Ok(Entry {
        seq: r.try_get("seq")?,
        case_id: r.try_get("case_id")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        from_state: r.try_get("from_state")?,
        to_state: r.try_get("to_state")?,
        detail: r.try_get("detail")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

/// The chain in order: all of it, or one case's entries.
pub async fn entries(pool: &sqlx::AnyPool, case: Option<&str>) -> Result<Vec<Entry>, sqlx::Error> {
    let rows = match case {
        None => sqlx::query("SELECT * FROM audit ORDER BY seq"),
        Some(case) => sqlx::query("SELECT * FROM audit WHERE case_id = $1 ORDER BY seq").bind(case),
    }
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}
