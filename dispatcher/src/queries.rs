//! Reading cases: lists with filters and pages, a member's tasks, one case's audit trail.

use serde::{Deserialize, Serialize};
use sqlx::{any::AnyArguments, query::Query, Any, Row};

use crate::{cases::Case, DispatchError, Dispatcher};

/// Filters and paging for a case list; absent filters match everything.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFilter {
    pub state: Option<String>,
    /// A grid id, or `none` for the command centre's queue of cases outside every grid.
    pub grid: Option<String>,
    pub kind: Option<String>,
    pub assignee: Option<String>,
    /// 1-based.
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CasePage {
    pub cases: Vec<Case>,
    pub page: u32,
    pub per_page: u32,
    pub total: i64,
}

pub const MAX_PER_PAGE: u32 = 200;

/// The `grid` filter value that selects cases outside every grid.
pub const UNASSIGNED: &str = "none";

impl Dispatcher {
    /// Cases matching `filter`, newest first.
    pub async fn cases(&self, filter: &CaseFilter) -> Result<CasePage, DispatchError> {
        let (page, per_page) = (filter.page.unwrap_or(1).max(1), filter.per_page.unwrap_or(50));
        if per_page == 0 || per_page > MAX_PER_PAGE {
            return Err(DispatchError::Invalid(format!(
                "per_page: between 1 and {MAX_PER_PAGE}"
            )));
        }
        let mut conditions = Vec::new();
        let mut values = Vec::new();
        for (column, value) in [
            ("state", &filter.state),
            ("grid", &filter.grid),
            ("kind", &filter.kind),
            ("assignee", &filter.assignee),
        ] {
            match value.as_deref() {
                None => {}
                // The command centre's queue: cases outside every grid.
                Some(UNASSIGNED) if column == "grid" => conditions.push("grid IS NULL".to_owned()),
                Some(value) => {
                    values.push(value.to_owned());
                    conditions.push(format!("{column} = ${}", values.len()));
                }
            }
        }
        let clause = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        fn bind<'q>(sql: &'q str, values: &[String]) -> Query<'q, Any, AnyArguments<'q>> {
            values.iter().fold(sqlx::query(sql), |q, v| q.bind(v.clone()))
        }
        let count_sql = format!("SELECT COUNT(*) AS n FROM cases {clause}");
        let total: i64 = bind(&count_sql, &values)
            .fetch_one(self.store().pool())
            .await?
            .try_get("n")?;
        let list_sql = format!(
            "SELECT * FROM cases {clause} ORDER BY number DESC LIMIT {per_page} OFFSET {}",
            (page as i64 - 1) * per_page as i64
        );
        let rows = bind(&list_sql, &values).fetch_all(self.store().pool()).await?;
        let cases = rows.iter().map(Case::from_row).collect::<Result<_, _>>()?;
        Ok(CasePage {
            cases,
            page,
            per_page,
            total,
        })
    }

    /// The cases in a member's hands.
    pub async fn tasks_of(&self, member: &str) -> Result<Vec<Case>, DispatchError> {
        let rows = sqlx::query(
            "SELECT * FROM cases WHERE assignee = $1 AND state IN ('dispatched', 'accepted', 'handled', 'rework')
             ORDER BY handle_due",
        )
        .bind(member)
        .fetch_all(self.store().pool())
        .await?;
        Ok(rows.iter().map(Case::from_row).collect::<Result<_, _>>()?)
    }
}

impl Dispatcher {
    /// The id of the case with this display number.
    pub async fn case_id_of_number(&self, number: i64) -> Result<Option<String>, DispatchError> {
        let row = sqlx::query("SELECT id FROM cases WHERE number = $1")
            .bind(number)
            .fetch_optional(self.store().pool())
            .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?)
    }
}

impl Dispatcher {
    /// Voided cases as JSON Lines: the case number, kind, camera, the operator's reason and the
    /// event bodies (with their evidence references) that raised it.
    pub async fn false_positives(&self) -> Result<String, DispatchError> {
        let rows = sqlx::query(
            "SELECT c.number, c.kind, c.camera, c.void_reason, e.body FROM cases c
             JOIN events e ON e.case_id = c.id AND e.type = 'violation'
             WHERE c.state = 'voided' ORDER BY c.number, e.received_at",
        )
        .fetch_all(self.store().pool())
        .await?;
        let mut out = String::new();
        for row in &rows {
            let body: String = row.try_get("body")?;
            let line = serde_json::json!({
                "case": row.try_get::<i64, _>("number")?,
                "kind": row.try_get::<String, _>("kind")?,
                "camera": row.try_get::<String, _>("camera")?,
                "reason": row.try_get::<Option<String>, _>("void_reason")?,
                "event": serde_json::from_str::<serde_json::Value>(&body).unwrap_or_default(),
            });
            out += &line.to_string();
            out.push('\n');
        }
        Ok(out)
    }
}

/// The last health a camera's pipeline reported.
#[derive(Debug, Clone, Serialize)]
pub struct CameraHealthRow {
    pub camera: String,
    pub state: String,
    /// Milliseconds since the epoch.
    pub since: i64,
    pub detail: Option<String>,
}

impl Dispatcher {
    pub async fn camera_health(&self) -> Result<Vec<CameraHealthRow>, DispatchError> {
        let rows = sqlx::query("SELECT id, state, since, detail FROM cameras ORDER BY id")
            .fetch_all(self.store().pool())
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
}
