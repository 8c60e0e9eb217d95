//! What a change made, written at once. On PostgreSQL that is one statement, whatever the change
//! holds: each statement is a round trip to the server, which costs more than the rows it carries.
//! On SQLite, where a statement is a call into the library, each table has its own.

use std::sync::LazyLock;

use sqlx::Row;

use super::{
    audit,
    cases::{self, JsonRow, COLUMNS},
    events::{self, Received},
    on_postgres, StoreError, Tx,
};
use crate::cases::{audit::Entry, Case};

/// Rows to write together.
pub struct Writes<'a> {
    /// Events received, taken as new.
    pub events: Vec<&'a Received>,
    pub new_cases: Vec<&'a Case>,
    /// Cases to write over their stored rows.
    pub changed_cases: Vec<&'a Case>,
    pub entries: &'a [Entry],
}

impl Writes<'_> {
    fn is_empty(&self) -> bool {
        self.events.is_empty()
            && self.new_cases.is_empty()
            && self.changed_cases.is_empty()
            && self.entries.is_empty()
    }
}

/// Writes `writes`; false when one of its events had been stored before. Then part of the rest
/// may be written too, and the transaction is to be rolled back: what was taken as new was not.
pub async fn write(tx: &mut Tx, writes: &Writes<'_>) -> Result<bool, StoreError> {
    if writes.is_empty() {
        return Ok(true);
    }
    if on_postgres(tx) {
        return in_one_statement(tx, writes).await;
    }
    // Events first: one stored before (a redelivery taken as new) would make a case it opened
    // clash with the stored one.
    let new = events::record(tx, &writes.events).await?;
    if new < writes.events.len() as u64 {
        return Ok(false);
    }
    if !writes.new_cases.is_empty() {
        cases::insert(tx, &writes.new_cases).await?;
    }
    if !writes.changed_cases.is_empty() {
        cases::save(tx, &writes.changed_cases).await?;
    }
    audit::append(tx, writes.entries).await?;
    Ok(true)
}

/// The one statement: every table's rows as a JSON array, turned back into rows by the server,
/// in data-modifying subqueries; made once, and its text never changes (so it stays prepared).
static IN_ONE_STATEMENT: LazyLock<String> = LazyLock::new(|| {
    let columns = COLUMNS.join(", ");
    format!(
        "WITH e AS (
           INSERT INTO events (id, type, camera, kind, received_at, body, case_id)
           SELECT id, type, camera, kind, received_at, body, case_id
           FROM json_populate_recordset(NULL::events, $1::json)
           ON CONFLICT (id, type) DO NOTHING RETURNING 1),
         n AS (
           INSERT INTO cases ({columns}) SELECT {columns} FROM json_populate_recordset(NULL::cases, $2::json)
           ON CONFLICT (id) DO NOTHING RETURNING 1),
         c AS (
           INSERT INTO cases ({columns}) SELECT {columns} FROM json_populate_recordset(NULL::cases, $3::json)
           {}),
         a AS (
           INSERT INTO audit (seq, case_id, at, actor, action, from_state, to_state, detail, prev_hash, hash)
           SELECT seq, case_id, at, actor, action, from_state, to_state, detail, prev_hash, hash
           FROM json_populate_recordset(NULL::audit, $4::json))
         SELECT (SELECT COUNT(*) FROM e) AS events, (SELECT COUNT(*) FROM n) AS cases",
        cases::over_stored()
    )
});

/// PostgreSQL: [`IN_ONE_STATEMENT`].
async fn in_one_statement(tx: &mut Tx, writes: &Writes<'_>) -> Result<bool, StoreError> {
    let events: Vec<_> = writes.events.iter().map(|e| events::json_row(e)).collect();
    let rows = |cases: &[&Case]| -> String {
        let rows: Vec<JsonRow> = cases.iter().map(|c| JsonRow(c)).collect();
        serde_json::to_string(&rows).expect("cases serialize")
    };
    let row = sqlx::query(IN_ONE_STATEMENT.as_str())
        .bind(serde_json::Value::Array(events).to_string())
        .bind(rows(&writes.new_cases))
        .bind(rows(&writes.changed_cases))
        .bind(serde_json::to_string(writes.entries).expect("entries serialize"))
        .fetch_one(&mut **tx)
        .await?;
    let (new_events, new_cases): (i64, i64) = (row.try_get("events")?, row.try_get("cases")?);
    if new_events < writes.events.len() as i64 {
        return Ok(false);
    }
    // Every event was new, so a new case's id (its opening event's, or a report's own) should
    // have been free.
    if new_cases < writes.new_cases.len() as i64 {
        return Err(StoreError::CaseIdTaken);
    }
    Ok(true)
}
