//! The urban-management indicators per grid and kind over a period: 立案率, 派遣率, 结案率,
//! 按期结案率, 返工率, 延期率, 反复率, and median times to dispatch, accept and close.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{
    cases::{Case, Escalation, Source, State},
    DispatchError, Dispatcher,
};

/// One row of indicators. Rates are fractions (0…1), `None` when their denominator is zero;
/// times are in seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicators {
    /// `None` in the total row, or for cases outside every grid.
    pub grid: Option<String>,
    pub kind: Option<String>,
    /// Set in the rows split by where cases came from: found by cameras or reported by people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    pub reported: usize,
    /// 立案率: filed / reported.
    pub filing_rate: Option<f64>,
    /// 派遣率: dispatched / filed.
    pub dispatch_rate: Option<f64>,
    /// 结案率: closed / filed.
    pub closing_rate: Option<f64>,
    /// 按期结案率: closed and handled by the deadline / closed.
    pub on_time_rate: Option<f64>,
    /// 返工率: sent back for rework at least once / handled at least once.
    pub rework_rate: Option<f64>,
    /// 延期率: extended at least once / dispatched.
    pub extension_rate: Option<f64>,
    /// 反复率: recurrences of a recently closed case / reported.
    pub recurrence_rate: Option<f64>,
    pub median_to_dispatch_s: Option<f64>,
    pub median_to_accept_s: Option<f64>,
    pub median_to_close_s: Option<f64>,
}

fn rate(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn median(mut values: Vec<i64>) -> Option<f64> {
    values.sort_unstable();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2] as f64 / 1000.0),
        _ => Some((values[n / 2 - 1] + values[n / 2]) as f64 / 2000.0),
    }
}

/// Indicators of `cases` (all of one group).
pub fn of(grid: Option<String>, kind: Option<String>, cases: &[&Case]) -> Indicators {
    let count = |f: &dyn Fn(&Case) -> bool| cases.iter().filter(|c| f(c)).count();
    let filed = count(&|c| c.filed_at.is_some());
    let dispatched = count(&|c| c.dispatched_at.is_some());
    let closed: Vec<&&Case> = cases.iter().filter(|c| c.state == State::Closed).collect();
    let on_time = closed
        .iter()
        .filter(|c| {
            c.escalation < Escalation::CommandCentre
                && matches!((c.handled_at, c.handle_due), (Some(h), Some(d)) if h <= d)
        })
        .count();
    let handled = count(&|c| c.handled_at.is_some() || c.reworks > 0);
    let spans = |from: fn(&Case) -> Option<i64>, to: fn(&Case) -> Option<i64>| {
        median(cases.iter().filter_map(|c| Some(to(c)? - from(c)?)).collect())
    };
    Indicators {
        grid,
        kind,
        source: None,
        reported: cases.len(),
        filing_rate: rate(filed, cases.len()),
        dispatch_rate: rate(dispatched, filed),
        closing_rate: rate(closed.len(), filed),
        on_time_rate: rate(on_time, closed.len()),
        rework_rate: rate(count(&|c| c.reworks > 0), handled),
        extension_rate: rate(count(&|c| c.extensions > 0), dispatched),
        recurrence_rate: rate(count(&|c| c.recurrence_of.is_some()), cases.len()),
        median_to_dispatch_s: spans(|c| Some(c.reported_at), |c| c.dispatched_at),
        median_to_accept_s: spans(|c| c.dispatched_at, |c| c.accepted_at),
        // Voided cases end too, but they are not closed (结案).
        median_to_close_s: median(
            closed
                .iter()
                .filter_map(|c| Some(c.closed_at? - c.reported_at))
                .collect(),
        ),
    }
}

impl Dispatcher {
    /// Indicators of the cases reported from `from` to `to` (both included): one row per grid and
    /// kind, one per source (camera, hotline, patrol), then the total.
    pub async fn indicators(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        grid: Option<&str>,
    ) -> Result<Vec<Indicators>, DispatchError> {
        let cases = crate::store::cases::reported_between(
            self.store().pool(),
            from.timestamp_millis(),
            to.timestamp_millis(),
        )
        .await?;
        let cases: Vec<&Case> = cases
            .iter()
            .filter(|c| grid.is_none() || c.grid.as_deref() == grid)
            .collect();
        let mut groups: BTreeMap<(Option<String>, String), Vec<&Case>> = BTreeMap::new();
        for case in &cases {
            groups
                .entry((case.grid.clone(), case.kind.clone()))
                .or_default()
                .push(case);
        }
        let mut out: Vec<Indicators> = groups
            .into_iter()
            .map(|((grid, kind), group)| of(grid, Some(kind), &group))
            .collect();
        // What the cameras add: the same figures for each source, every source shown.
        for source in Source::ALL {
            let group: Vec<&Case> = cases.iter().copied().filter(|c| c.source == source).collect();
            out.push(Indicators {
                source: Some(source),
                ..of(grid.map(str::to_owned), None, &group)
            });
        }
        out.push(of(grid.map(str::to_owned), None, &cases));
        Ok(out)
    }
}
