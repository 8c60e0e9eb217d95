//! Outgoing webhooks through a transactional outbox: a delivery is written in the same
//! transaction as the change it announces, then POSTed until the receiver takes it, with
//! growing pauses between tries. A restart resumes where delivery stopped.

use std::time::Duration;

use chrono::{DateTime, Utc};
use gridwatch_core::config::Webhook;
use sqlx::{Any, Row, Transaction};

use crate::{DispatchError, Dispatcher};

/// The longest pause between two tries of one delivery.
const LONGEST_PAUSE: Duration = Duration::from_secs(600);

/// Queues `payload` for `hook`, inside the caller's transaction.
pub async fn enqueue(
    tx: &mut Transaction<'static, Any>,
    hook: &Webhook,
    payload: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let id: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 AS next FROM outbox")
        .fetch_one(&mut **tx)
        .await?
        .try_get("next")?;
    sqlx::query(
        "INSERT INTO outbox (id, webhook, url, payload, created_at, attempts, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, 0, $5)",
    )
    .bind(id)
    .bind(&hook.name)
    .bind(&hook.url)
    .bind(payload)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The pause before try `attempt` + 1: 2, 4, 8 … seconds, at most [`LONGEST_PAUSE`].
fn pause(attempt: i64) -> Duration {
    Duration::from_secs(1u64 << attempt.clamp(1, 20)).min(LONGEST_PAUSE)
}

/// One row of the outbox, as the API shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Delivery {
    pub id: i64,
    pub webhook: String,
    pub attempts: i64,
    pub delivered_at: Option<i64>,
    pub last_error: Option<String>,
}

impl Dispatcher {
    /// Tries every delivery that is due; returns how many were delivered.
    pub async fn deliver_webhooks(&self, http: &reqwest::Client) -> Result<usize, DispatchError> {
        let now = self.now();
        let due = sqlx::query(
            "SELECT id, url, payload, attempts FROM outbox
             WHERE delivered_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT 100",
        )
        .bind(now.timestamp_millis())
        .fetch_all(self.store().pool())
        .await?;
        let mut delivered = 0;
        for row in &due {
            let (id, url, payload, attempts): (i64, String, String, i64) = (
                row.try_get("id")?,
                row.try_get("url")?,
                row.try_get("payload")?,
                row.try_get("attempts")?,
            );
            let sent = http
                .post(&url)
                .header("content-type", "application/json")
                .body(payload)
                .timeout(Duration::from_secs(10))
                .send()
                .await;
            let failure = match sent {
                Ok(response) if response.status().is_success() => None,
                Ok(response) => Some(format!("{url} answered {}", response.status())),
                Err(e) => Some(format!("{url}: {e}")),
            };
            self.record_try(id, attempts + 1, now, failure.as_deref()).await?;
            delivered += usize::from(failure.is_none());
        }
        Ok(delivered)
    }

    async fn record_try(
        &self,
        id: i64,
        attempts: i64,
        now: DateTime<Utc>,
        failure: Option<&str>,
    ) -> Result<(), DispatchError> {
        let t = now.timestamp_millis();
        let query = match failure {
            None => sqlx::query(
                "UPDATE outbox SET attempts = $1, delivered_at = $2, last_error = NULL WHERE id = $3",
            )
            .bind(attempts)
            .bind(t),
            Some(why) => sqlx::query(
                "UPDATE outbox SET attempts = $1, next_attempt_at = $2, last_error = $3 WHERE id = $4",
            )
            .bind(attempts)
            .bind(t + pause(attempts).as_millis() as i64)
            .bind(why.to_owned()),
        };
        query.bind(id).execute(self.store().pool()).await?;
        Ok(())
    }

    /// Every delivery, newest first.
    pub async fn deliveries(&self) -> Result<Vec<Delivery>, DispatchError> {
        let rows = sqlx::query(
            "SELECT id, webhook, attempts, delivered_at, last_error FROM outbox ORDER BY id DESC",
        )
        .fetch_all(self.store().pool())
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
}
