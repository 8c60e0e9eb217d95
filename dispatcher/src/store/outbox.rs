//! The webhook outbox's rows: queued inside a change's transaction, marked as each try ends.

use serde::Serialize;
use sqlx::Row;

use super::Tx;

/// The id the next queued delivery gets: one more than the highest (writers take turns, so ids
/// follow in order).
pub async fn next_id(tx: &mut Tx) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 AS next FROM outbox")
        .fetch_one(&mut **tx)
        .await?
        .try_get("next")
}

/// Queues `payload` as delivery `id` for the webhook `name` at `url`.
pub async fn enqueue(
    tx: &mut Tx,
    id: i64,
    name: &str,
    url: &str,
    payload: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO outbox (id, webhook, url, payload, created_at, attempts, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, 0, $5)",
    )
    .bind(id)
    .bind(name)
    .bind(url)
    .bind(payload)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A delivery to try.
pub struct Due {
    pub id: i64,
    pub url: String,
    pub payload: String,
    pub attempts: i64,
}

/// Up to `limit` undelivered rows whose next try is due at `now`, oldest first.
pub async fn due(pool: &sqlx::AnyPool, now: i64, limit: u32) -> Result<Vec<Due>, sqlx::Error> {
    let sql = format!(
        "SELECT id, url, payload, attempts FROM outbox
         WHERE delivered_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT {limit}"
    );
    let rows = sqlx::query(&sql).bind(now).fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            Ok(Due {
                id: r.try_get("id")?,
                url: r.try_get("url")?,
                payload: r.try_get("payload")?,
                attempts: r.try_get("attempts")?,
            })
        })
        .collect()
}

pub async fn delivered(pool: &sqlx::AnyPool, id: i64, attempts: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE outbox SET attempts = $1, delivered_at = $2, last_error = NULL WHERE id = $3")
        .bind(attempts)
        .bind(now)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn failed(
    pool: &sqlx::AnyPool,
    id: i64,
    attempts: i64,
    next_attempt_at: i64,
    why: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE outbox SET attempts = $1, next_attempt_at = $2, last_error = $3 WHERE id = $4")
        .bind(attempts)
        .bind(next_attempt_at)
        .bind(why)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// One row of the outbox, as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub id: i64,
    pub webhook: String,
    pub attempts: i64,
    pub delivered_at: Option<i64>,
    pub last_error: Option<String>,
}

/// Every delivery, newest first.
pub async fn all(pool: &sqlx::AnyPool) -> Result<Vec<Delivery>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT id, webhook, attempts, delivered_at, last_error FROM outbox ORDER BY id DESC")
            .fetch_all(pool)
            .await?;
    rows.iter()
        .map(|r| {
            Ok(Delivery {
                id: r.try_get("id")?,
                webhook: r.try_get("webhook")?,
                attempts: r.try_get("attempts")?,
                delivered_at: r.try_get("delivered_at")?,
                last_error: r.try_get("last_error")?,
            })
        })
        .collect()
}
