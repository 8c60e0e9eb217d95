//! Every event received, exactly once: a violation and its clearing share an id, so the key is
//! the id and the type.

use sqlx::Row;

use super::{pieces, placeholder_rows, Tx};

/// An event to keep.
pub struct Received {
    pub id: String,
    /// `violation`, `violation_cleared` or `camera_health`.
    pub kind_of_event: &'static str,
    pub camera: String,
    pub kind: Option<String>,
    pub received_at: i64,
    /// The event's JSON.
    pub body: String,
    /// The case it concerns, if any.
    pub case: Option<String>,
}

/// Stores each of `events` not stored before (nothing changes for those that were); returns how
/// many were new.
pub async fn record(tx: &mut Tx, events: &[&Received]) -> Result<u64, sqlx::Error> {
    let mut new = 0;
    for rows in pieces(events) {
        let sql = format!(
            "INSERT INTO events (id, type, camera, kind, received_at, body, case_id) VALUES {}
             ON CONFLICT (id, type) DO NOTHING",
            placeholder_rows(tx, rows.len(), 7)
        );
        let query = rows.iter().fold(sqlx::query(&sql), |q, event| {
            q.bind(&event.id)
                .bind(event.kind_of_event)
                .bind(&event.camera)
                .bind(event.kind.clone())
                .bind(event.received_at)
                .bind(&event.body)
                .bind(event.case.clone())
        });
        new += query.execute(&mut **tx).await?.rows_affected();
    }
    Ok(new)
}

/// `e` as a JSON object with a member per column, for PostgreSQL's `json_populate_recordset`.
pub(super) fn json_row(e: &Received) -> serde_json::Value {
    serde_json::json!({
        "id": e.id,
        "type": e.kind_of_event,
        "camera": e.camera,
        "kind": e.kind,
        "received_at": e.received_at,
        "body": e.body,
        "case_id": e.case,
    })
}

/// The case the violation with this id opened or joined.
pub async fn case_of_violation(tx: &mut Tx, id: &str) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query("SELECT case_id FROM events WHERE id = $1 AND type = 'violation'")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row.map(|r| r.try_get("case_id")).transpose()?.flatten())
}

/// Every stored violation's id and JSON, oldest first.
pub async fn violations(pool: &sqlx::AnyPool) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, body FROM events WHERE type = 'violation' ORDER BY received_at")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("body")?)))
        .collect()
}

/// The id and JSON of every violation linked to `case`, oldest first.
pub async fn violations_of_case(
    pool: &sqlx::AnyPool,
    case: &str,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, body FROM events WHERE type = 'violation' AND case_id = $1 ORDER BY received_at, id",
    )
    .bind(case)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("body")?)))
        .collect()
}
