//! Cases as rows: reading them whole, writing them whole, and the searches the case loop needs.

use sqlx::{
    any::{AnyArguments, AnyRow},
    query::Query,
    Any, Executor, Row,
};

use super::{in_list, pieces, placeholder_rows, Tx};
use crate::cases::{Case, Escalation, Source, State};

/// Latitude and longitude bounds of a search area: `((south, north), (west, east))`.
pub type Bounds = ((f64, f64), (f64, f64));

fn from_row(row: &AnyRow) -> Result<Case, sqlx::Error> {
    let decode = |what: String| sqlx::Error::Decode(what.into());
    let state: String = row.try_get("state")?;
    let escalation: i64 = row.try_get("escalation")?;
    let source: String = row.try_get("source")?;
    Ok(Case {
        id: row.try_get("id")?,
        number: row.try_get("number")?,
        kind: row.try_get("kind")?,
        state: State::parse(&state).ok_or_else(|| decode(format!("unknown case state `{state}`")))?,
        grid: row.try_get("grid")?,
        camera: row.try_get("camera")?,
        zone: row.try_get("zone")?,
        lon: row.try_get("lon")?,
        lat: row.try_get("lat")?,
        confidence: row.try_get("confidence")?,
        assignee: row.try_get("assignee")?,
        occurrences: row.try_get("occurrences")?,
        recurrence_of: row.try_get("recurrence_of")?,
        first_event: row.try_get("first_event")?,
        last_event: row.try_get("last_event")?,
        reported_at: row.try_get("reported_at")?,
        updated_at: row.try_get("updated_at")?,
        filed_at: row.try_get("filed_at")?,
        dispatched_at: row.try_get("dispatched_at")?,
        accepted_at: row.try_get("accepted_at")?,
        handled_at: row.try_get("handled_at")?,
        closed_at: row.try_get("closed_at")?,
        accept_due: row.try_get("accept_due")?,
        handle_due: row.try_get("handle_due")?,
        escalation: Escalation::from_level(escalation)
            .ok_or_else(|| decode(format!("unknown escalation level {escalation}")))?,
        extension_until: row.try_get("extension_until")?,
        extensions: row.try_get("extensions")?,
        reworks: row.try_get("reworks")?,
        cleared_at: row.try_get("cleared_at")?,
        void_reason: row.try_get("void_reason")?,
        shop: row.try_get("shop")?,
        notice_until: row.try_get("notice_until")?,
        source: Source::parse(&source).ok_or_else(|| decode(format!("unknown case source `{source}`")))?,
    })
}

fn all(rows: &[AnyRow]) -> Result<Vec<Case>, sqlx::Error> {
    rows.iter().map(from_row).collect()
}

/// The number the next case gets: one more than the highest (writers take turns).
pub async fn next_number(tx: &mut Tx) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COALESCE(MAX(number), 0) + 1 AS next FROM cases")
        .fetch_one(&mut **tx)
        .await?
        .try_get("next")
}

/// Every column of `case`, in the order of [`insert`]'s and [`save`]'s placeholders.
pub(super) const COLUMNS: [&str; 33] = [
    "id",
    "number",
    "kind",
    "state",
    "grid",
    "camera",
    "zone",
    "lon",
    "lat",
    "confidence",
    "assignee",
    "occurrences",
    "recurrence_of",
    "first_event",
    "last_event",
    "reported_at",
    "updated_at",
    "filed_at",
    "dispatched_at",
    "accepted_at",
    "handled_at",
    "closed_at",
    "accept_due",
    "handle_due",
    "escalation",
    "extension_until",
    "extensions",
    "reworks",
    "cleared_at",
    "void_reason",
    "shop",
    "notice_until",
    "source",
];

/// A column's value, for a bind or a JSON row.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Value<'a> {
    Text(Option<&'a str>),
    Int(Option<i64>),
    Real(f64),
}

/// The values of `c`'s columns, in the order of [`COLUMNS`].
fn values(c: &Case) -> [Value<'_>; 33] {
    use Value::{Int, Real, Text};
    [
        Text(Some(&c.id)),
        Int(Some(c.number)),
        Text(Some(&c.kind)),
        Text(Some(c.state.as_str())),
        Text(c.grid.as_deref()),
        Text(Some(&c.camera)),
        Text(c.zone.as_deref()),
        Real(c.lon),
        Real(c.lat),
        Real(c.confidence),
        Text(c.assignee.as_deref()),
        Int(Some(c.occurrences)),
        Text(c.recurrence_of.as_deref()),
        Text(Some(&c.first_event)),
        Text(Some(&c.last_event)),
        Int(Some(c.reported_at)),
        Int(Some(c.updated_at)),
        Int(c.filed_at),
        Int(c.dispatched_at),
        Int(c.accepted_at),
        Int(c.handled_at),
        Int(c.closed_at),
        Int(c.accept_due),
        Int(c.handle_due),
        Int(Some(c.escalation.level())),
        Int(c.extension_until),
        Int(Some(c.extensions)),
        Int(Some(c.reworks)),
        Int(c.cleared_at),
        Text(c.void_reason.as_deref()),
        Text(c.shop.as_deref()),
        Int(c.notice_until),
        Text(Some(c.source.as_str())),
    ]
}

fn bind_all<'q>(query: Query<'q, Any, AnyArguments<'q>>, c: &'q Case) -> Query<'q, Any, AnyArguments<'q>> {
    values(c).into_iter().fold(query, |q, value| match value {
        Value::Text(text) => q.bind(text),
        Value::Int(int) => q.bind(int),
        Value::Real(real) => q.bind(real),
    })
}

/// `c` as a JSON object with a member per column, for PostgreSQL's `json_populate_recordset`.
pub(super) struct JsonRow<'a>(pub &'a Case);

impl serde::Serialize for JsonRow<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(COLUMNS.iter().zip(values(self.0)))
    }
}

/// Stores `cases`, new ones.
pub async fn insert(tx: &mut Tx, cases: &[&Case]) -> Result<(), sqlx::Error> {
    write(tx, cases, "").await
}

/// Writes every column of each of `cases` over the stored row with its id.
pub async fn save(tx: &mut Tx, cases: &[&Case]) -> Result<(), sqlx::Error> {
    write(tx, cases, &over_stored()).await
}

/// The conflict clause that makes an insert of a case write over the stored row with its id.
pub(super) fn over_stored() -> String {
    let assignments: Vec<String> = COLUMNS[1..]
        .iter()
        .map(|column| format!("{column} = excluded.{column}"))
        .collect();
    format!("ON CONFLICT (id) DO UPDATE SET {}", assignments.join(", "))
}

/// Inserts `cases` in multi-row statements ending with `conflict`.
async fn write(tx: &mut Tx, cases: &[&Case], conflict: &str) -> Result<(), sqlx::Error> {
    for rows in pieces(cases) {
        let sql = format!(
            "INSERT INTO cases ({}) VALUES {} {conflict}",
            COLUMNS.join(", "),
            placeholder_rows(tx, rows.len(), COLUMNS.len())
        );
        let query = rows.iter().fold(sqlx::query(&sql), |q, case| bind_all(q, case));
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The case with this id, if any.
pub async fn find<'e>(e: impl Executor<'e, Database = Any>, id: &str) -> Result<Option<Case>, sqlx::Error> {
    sqlx::query("SELECT * FROM cases WHERE id = $1")
        .bind(id)
        .fetch_optional(e)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// A search for the open cases of `kind` inside `bounds`, or in zone `zone` of `camera`.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenNear {
    pub kind: String,
    pub bounds: Bounds,
    pub camera: String,
    pub zone: Option<String>,
}

impl OpenNear {
    /// Whether the search finds `case`: [`open_near`]'s test, for a case held in memory.
    pub fn finds(&self, case: &Case) -> bool {
        let ((lat0, lat1), (lon0, lon1)) = self.bounds;
        let inside = (lat0..=lat1).contains(&case.lat) && (lon0..=lon1).contains(&case.lon);
        let in_zone = self.zone.is_some() && case.camera == self.camera && case.zone == self.zone;
        case.kind == self.kind && case.state.is_open() && (inside || in_zone)
    }
}

/// The open cases that any of `searches` finds, each once.
pub async fn open_near(tx: &mut Tx, searches: &[OpenNear]) -> Result<Vec<Case>, sqlx::Error> {
    // Two searches, each on an index of its own: with an OR between them the databases scan
    // every open case of the kind. SQLite runs each of them as index lookups per search row;
    // PostgreSQL plans a join with a list of search rows as a scan of every open case of the
    // kind, and does the lookups only when each row's searches are a lateral subquery.
    let open = in_list(&State::OPEN);
    let by_place = format!(
        "c.kind = q.kind AND c.lat BETWEEN q.lat0 AND q.lat1 AND c.lon BETWEEN q.lon0 AND q.lon1 AND c.state IN ({open})"
    );
    let by_zone =
        format!("c.camera = q.camera AND c.zone = q.zone AND c.kind = q.kind AND c.state IN ({open})");
    let postgres = super::on_postgres(tx);
    let mut found = Vec::new();
    for part in pieces(searches) {
        let rows = placeholder_rows(tx, part.len(), 7);
        let sql = if postgres {
            format!(
                "SELECT c.* FROM (VALUES {rows}) AS q (kind, lat0, lat1, lon0, lon1, camera, zone)
                 CROSS JOIN LATERAL (SELECT c.* FROM cases c WHERE {by_place} UNION SELECT c.* FROM cases c WHERE {by_zone}) c"
            )
        } else {
            format!(
                "WITH q (kind, lat0, lat1, lon0, lon1, camera, zone) AS (VALUES {rows})
                 SELECT c.* FROM q JOIN cases c ON {by_place}
                 UNION
                 SELECT c.* FROM q JOIN cases c ON {by_zone}"
            )
        };
        let query = part.iter().fold(sqlx::query(&sql), |q, s| {
            let ((lat0, lat1), (lon0, lon1)) = s.bounds;
            q.bind(&s.kind)
                .bind(lat0)
                .bind(lat1)
                .bind(lon0)
                .bind(lon1)
                .bind(&s.camera)
                .bind(s.zone.clone())
        });
        found.extend(all(&query.fetch_all(&mut **tx).await?)?);
    }
    found.sort_by(|a, b| a.id.cmp(&b.id));
    found.dedup_by(|a, b| a.id == b.id);
    Ok(found)
}

/// Cases of `kind` inside `bounds` closed at `since` or later.
pub async fn closed_near(
    tx: &mut Tx,
    kind: &str,
    ((lat0, lat1), (lon0, lon1)): Bounds,
    since: i64,
) -> Result<Vec<Case>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT * FROM cases WHERE kind = $1 AND state = 'closed' AND closed_at >= $2
           AND lat BETWEEN $3 AND $4 AND lon BETWEEN $5 AND $6",
    )
    .bind(kind)
    .bind(since)
    .bind(lat0)
    .bind(lat1)
    .bind(lon0)
    .bind(lon1)
    .fetch_all(&mut **tx)
    .await?;
    all(&rows)
}

/// How many tasks each of `members` has in hand (those with none are left out).
pub async fn open_tasks(tx: &mut Tx, members: &[String]) -> Result<Vec<(String, i64)>, sqlx::Error> {
    if members.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=members.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT assignee, COUNT(*) AS n FROM cases WHERE assignee IN ({}) AND state IN ({})
         GROUP BY assignee",
        placeholders.join(", "),
        in_list(&State::WITH_MEMBER)
    );
    let query = members.iter().fold(sqlx::query(&sql), |q, m| q.bind(m.clone()));
    let rows = query.fetch_all(&mut **tx).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("assignee")?, r.try_get("n")?)))
        .collect()
}

/// Cases past a deadline not yet escalated for it: not accepted by `accept_due`, or not handled
/// by `handle_due`.
pub async fn overdue(tx: &mut Tx, now: i64) -> Result<Vec<Case>, sqlx::Error> {
    let sql = format!(
        "SELECT * FROM cases WHERE
           (state = 'dispatched' AND accept_due < $1 AND escalation < $2)
        OR (state IN ({}) AND handle_due < $1 AND escalation < $3)",
        in_list(&State::BEING_HANDLED)
    );
    let rows = sqlx::query(&sql)
        .bind(now)
        .bind(Escalation::GridLeader.level())
        .bind(Escalation::CommandCentre.level())
        .fetch_all(&mut **tx)
        .await?;
    all(&rows)
}

/// Filed cases whose shop notice ran out before `now`.
pub async fn notices_run_out(tx: &mut Tx, now: i64) -> Result<Vec<Case>, sqlx::Error> {
    let rows = sqlx::query("SELECT * FROM cases WHERE state = 'filed' AND notice_until < $1")
        .bind(now)
        .fetch_all(&mut **tx)
        .await?;
    all(&rows)
}

/// What a case list asks for; absent fields match everything.
#[derive(Debug, Clone, Default)]
pub struct Selection<'a> {
    pub states: Option<&'a [State]>,
    /// `Some(None)`: cases outside every grid.
    pub grid: Option<Option<&'a str>>,
    pub kind: Option<&'a str>,
    pub assignee: Option<&'a str>,
    pub camera: Option<&'a str>,
    /// Reported at or after (milliseconds).
    pub reported_from: Option<i64>,
    /// Reported before (milliseconds).
    pub reported_before: Option<i64>,
    /// The oldest first (a queue) rather than the newest.
    pub oldest_first: bool,
}

/// A value a list's condition compares with.
enum Bound<'a> {
    Text(&'a str),
    Millis(i64),
}

/// One page of the cases `selection` matches, newest (or oldest) first, and how many match in all.
pub async fn list(
    pool: &sqlx::AnyPool,
    selection: &Selection<'_>,
    limit: u32,
    offset: i64,
) -> Result<(Vec<Case>, i64), sqlx::Error> {
    let mut conditions = Vec::new();
    let mut values: Vec<Bound> = Vec::new();
    if let Some(states) = selection.states {
        conditions.push(format!("state IN ({})", in_list(states)));
    }
    match selection.grid {
        None => {}
        Some(None) => conditions.push("grid IS NULL".to_owned()),
        Some(Some(grid)) => {
            values.push(Bound::Text(grid));
            conditions.push(format!("grid = ${}", values.len()));
        }
    }
    for (column, value) in [
        ("kind", selection.kind),
        ("assignee", selection.assignee),
        ("camera", selection.camera),
    ] {
        if let Some(value) = value {
            values.push(Bound::Text(value));
            conditions.push(format!("{column} = ${}", values.len()));
        }
    }
    for (test, value) in [
        ("reported_at >=", selection.reported_from),
        ("reported_at <", selection.reported_before),
    ] {
        if let Some(value) = value {
            values.push(Bound::Millis(value));
            conditions.push(format!("{test} ${}", values.len()));
        }
    }
    let clause = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    fn bound<'q>(sql: &'q str, values: &[Bound]) -> Query<'q, Any, AnyArguments<'q>> {
        values.iter().fold(sqlx::query(sql), |q, v| match v {
            Bound::Text(text) => q.bind(text.to_string()),
            Bound::Millis(ms) => q.bind(*ms),
        })
    }
    let count = format!("SELECT COUNT(*) AS n FROM cases {clause}");
    let total: i64 = bound(&count, &values).fetch_one(pool).await?.try_get("n")?;
    let order = if selection.oldest_first { "ASC" } else { "DESC" };
    let page = format!("SELECT * FROM cases {clause} ORDER BY number {order} LIMIT {limit} OFFSET {offset}");
    let rows = bound(&page, &values).fetch_all(pool).await?;
    Ok((all(&rows)?, total))
}

/// The cases in a member's hands, the most urgent first.
pub async fn tasks_of(pool: &sqlx::AnyPool, member: &str) -> Result<Vec<Case>, sqlx::Error> {
    let sql = format!(
        "SELECT * FROM cases WHERE assignee = $1 AND state IN ({}) ORDER BY handle_due",
        in_list(&State::WITH_MEMBER)
    );
    all(&sqlx::query(&sql).bind(member).fetch_all(pool).await?)
}

/// The id of the case with this display number.
pub async fn id_of_number(pool: &sqlx::AnyPool, number: i64) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query("SELECT id FROM cases WHERE number = $1")
        .bind(number)
        .fetch_optional(pool)
        .await?;
    row.map(|r| r.try_get("id")).transpose()
}

/// Cases reported from `from` to `to` (milliseconds, both included).
pub async fn reported_between(pool: &sqlx::AnyPool, from: i64, to: i64) -> Result<Vec<Case>, sqlx::Error> {
    let rows = sqlx::query("SELECT * FROM cases WHERE reported_at >= $1 AND reported_at <= $2")
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await?;
    all(&rows)
}

/// How many cases stand in each state (states without any are left out).
pub async fn count_by_state(pool: &sqlx::AnyPool) -> Result<Vec<(State, i64)>, sqlx::Error> {
    let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM cases GROUP BY state")
        .fetch_all(pool)
        .await?;
    let mut counts = Vec::new();
    for row in &rows {
        let state: String = row.try_get("state")?;
        if let Some(state) = State::parse(&state) {
            counts.push((state, row.try_get("n")?));
        }
    }
    Ok(counts)
}

/// A voided case with one event that raised it: the detector's false positive.
pub struct Voided {
    pub number: i64,
    pub kind: String,
    pub camera: String,
    pub reason: Option<String>,
    /// The event's JSON as received.
    pub event: String,
}

/// Every voided case with each event that raised it, by case number.
pub async fn voided_with_events(pool: &sqlx::AnyPool) -> Result<Vec<Voided>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT c.number, c.kind, c.camera, c.void_reason, e.body FROM cases c
         JOIN events e ON e.case_id = c.id AND e.type = 'violation'
         WHERE c.state = 'voided' ORDER BY c.number, e.received_at",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Voided {
                number: r.try_get("number")?,
                kind: r.try_get("kind")?,
                camera: r.try_get("camera")?,
                reason: r.try_get("void_reason")?,
                event: r.try_get("body")?,
            })
        })
        .collect()
}
