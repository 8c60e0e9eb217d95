//! What the command centre's overview pages read: open cases per grid with those past a deadline,
//! where the open cases are, and each camera's latest violations (for a frame of its view).

use sqlx::Row;

use super::in_list;
use crate::cases::State;

/// Open cases in one grid (`None`: outside every grid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridLoad {
    pub grid: Option<String>,
    pub open: i64,
    /// Not accepted by their accept deadline, or not handled by their handling deadline.
    pub overdue: i64,
}

/// Open cases per grid at `now` (milliseconds); grids without any are left out. Overdue means
/// what the SLA escalates: dispatched and not accepted in time, or not handled in time.
pub async fn open_per_grid(pool: &sqlx::AnyPool, now: i64) -> Result<Vec<GridLoad>, sqlx::Error> {
    let sql = format!(
        "SELECT grid, COUNT(*) AS open,
                SUM(CASE WHEN (state = 'dispatched' AND accept_due < $1)
                           OR (state IN ({}) AND handle_due < $1) THEN 1 ELSE 0 END) AS overdue
         FROM cases WHERE state IN ({}) GROUP BY grid ORDER BY grid",
        in_list(&State::BEING_HANDLED),
        in_list(&State::OPEN)
    );
    let rows = sqlx::query(&sql).bind(now).fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            Ok(GridLoad {
                grid: r.try_get("grid")?,
                open: r.try_get("open")?,
                overdue: r.try_get("overdue")?,
            })
        })
        .collect()
}

/// An open case as a map shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenPlace {
    pub number: i64,
    pub kind: String,
    pub state: State,
    pub lon: f64,
    pub lat: f64,
}

/// Every open case's number, kind, state and place, newest first.
pub async fn open_places(pool: &sqlx::AnyPool) -> Result<Vec<OpenPlace>, sqlx::Error> {
    let sql = format!(
        "SELECT number, kind, state, lon, lat FROM cases WHERE state IN ({})
         ORDER BY number DESC",
        in_list(&State::OPEN)
    );
    let rows = sqlx::query(&sql).fetch_all(pool).await?;
    let mut places = Vec::with_capacity(rows.len());
    for r in &rows {
        let state: String = r.try_get("state")?;
        // A state this build does not know is not drawn rather than failing the whole map.
        let Some(state) = State::parse(&state) else {
            continue;
        };
        places.push(OpenPlace {
            number: r.try_get("number")?,
            kind: r.try_get("kind")?,
            state,
            lon: r.try_get("lon")?,
            lat: r.try_get("lat")?,
        });
    }
    Ok(places)
}

/// The case id and JSON of `camera`'s latest `limit` violations linked to a case, newest first.
pub async fn latest_violations_of(
    pool: &sqlx::AnyPool,
    camera: &str,
    limit: i64,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT case_id, body FROM events WHERE type = 'violation' AND camera = $1 AND case_id IS NOT NULL
         ORDER BY received_at DESC, id DESC LIMIT $2",
    )
    .bind(camera)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("case_id")?, r.try_get("body")?)))
        .collect()
}
