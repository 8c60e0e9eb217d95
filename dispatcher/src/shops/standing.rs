//! Each registered shop's standing, as the pages and exports show it: its grade and since when,
//! its counted cases in the window, when repair is due, and its recent changes of grade with
//! their reasons. A grid member sees only the shops in their grid.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use gridwatch_core::config::Role;
use serde::Serialize;

use super::{
    fronts::shop_grid,
    grade::{repair_due, Grade},
};
use crate::{store, Actor, DispatchError, Dispatcher};

/// How many of a shop's latest grade changes its standing lists.
const RECENT_CHANGES: usize = 5;

/// One change of a shop's grade, from the audit chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GradeChange {
    pub at: DateTime<Utc>,
    pub from: Option<Grade>,
    pub to: Grade,
    pub reason: String,
    /// The audit entry's sequence number.
    pub seq: i64,
}

/// A shop's standing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShopStanding {
    pub id: String,
    pub name: String,
    pub licence: String,
    /// The grid of its shopfront; none when it lies outside every grid.
    pub grid: Option<String>,
    pub grade: Grade,
    /// When it took its grade; none for a shop never graded (green from the start).
    pub since: Option<DateTime<Utc>>,
    /// Its counted cases in the rolling window.
    pub counted: i64,
    /// When a clean period would take it one colour back; none for green.
    pub repair_due: Option<DateTime<Utc>>,
    /// Its latest changes of grade, newest first.
    pub changes: Vec<GradeChange>,
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

impl Dispatcher {
    /// Every registered shop's standing that `actor` may see, in the registry's order.
    pub async fn shop_standings(&self, actor: &Actor) -> Result<Vec<ShopStanding>, DispatchError> {
        if actor.role == Role::Ingest {
            return Err(DispatchError::Forbidden(
                "ingest tokens may only post events".into(),
            ));
        }
        let config = &self.config;
        let grading = config.dispatch.grading;
        let pool = self.store.pool();
        let from = self.now().timestamp_millis() - grading.window.0.as_millis() as i64;
        let counted: HashMap<String, i64> = store::shops::counted_per_shop(pool, from)
            .await?
            .into_iter()
            .collect();
        let rows: HashMap<String, store::shops::GradeRow> = store::shops::all(pool)
            .await?
            .into_iter()
            .map(|r| (r.shop.clone(), r))
            .collect();
        let mut changes: HashMap<String, Vec<GradeChange>> = HashMap::new();
        for entry in store::shops::grade_changes(pool).await? {
            let (Some(shop), Some(to)) = (
                entry.case_id.strip_prefix(&super::subject("")),
                Grade::parse(&entry.to_state),
            ) else {
                continue;
            };
            let reason = serde_json::from_str::<serde_json::Value>(&entry.detail)
                .ok()
                .and_then(|d| d["reason"].as_str().map(str::to_owned))
                .unwrap_or_default();
            changes.entry(shop.to_owned()).or_default().push(GradeChange {
                at: at(entry.at),
                from: entry.from_state.as_deref().and_then(Grade::parse),
                to,
                reason,
                seq: entry.seq,
            });
        }
        let own_grid = (actor.role == Role::Member).then(|| actor.grid(config));
        let mut standings = Vec::new();
        for shop in &config.dispatch.shops {
            let grid = shop_grid(shop, config, &self.grids);
            if own_grid.as_ref().is_some_and(|own| own.is_none() || *own != grid) {
                continue;
            }
            let row = rows.get(&shop.id);
            let grade = row.and_then(|r| Grade::parse(&r.grade)).unwrap_or(Grade::Green);
            let mut recent = changes.remove(&shop.id).unwrap_or_default();
            recent.reverse();
            recent.truncate(RECENT_CHANGES);
            standings.push(ShopStanding {
                id: shop.id.clone(),
                name: shop.name.clone(),
                licence: shop.licence.clone(),
                grid,
                grade,
                since: row.map(|r| at(r.since)),
                counted: counted.get(&shop.id).copied().unwrap_or(0),
                repair_due: row
                    .and_then(|r| repair_due(grade, r.since, r.last_case_at, &grading))
                    .map(at),
                changes: recent,
            });
        }
        Ok(standings)
    }

    /// The grade `shop` holds, as stored (green when never graded).
    pub async fn shop_grade(&self, shop: &str) -> Result<Grade, DispatchError> {
        let row = store::shops::find(self.store.pool(), shop).await?;
        Ok(row.and_then(|r| Grade::parse(&r.grade)).unwrap_or(Grade::Green))
    }
}
