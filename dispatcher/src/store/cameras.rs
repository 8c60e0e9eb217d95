//! The last health each camera's pipeline reported.

use serde::Serialize;
use sqlx::Row;

use super::Tx;

/// The last health a camera's pipeline reported.
#[derive(Debug, Clone, Serialize)]
pub struct CameraHealthRow {
    pub camera: String,
    pub state: String,
    /// Milliseconds since the epoch.
    pub since: i64,
    pub detail: Option<String>,
}

pub async fn upsert(tx: &mut Tx, health: &CameraHealthRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO cameras (id, state, since, detail) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, since = excluded.since, detail = excluded.detail",
    )
    .bind(&health.camera)
    .bind(&health.state)
    .bind(health.since)
    .bind(health.detail.clone())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn all(pool: &sqlx::AnyPool) -> Result<Vec<CameraHealthRow>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, state, since, detail FROM cameras ORDER BY id")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(CameraHealthRow {
                camera: r.try_get("id")?,
                state: r.try_get("state")?,
                since: r.try_get("since")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect()
}
