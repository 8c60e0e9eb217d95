//! Scoring a replay against its truth: which events were expected, which were not, how late.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Scenario;
use crate::rules::Finding;

/// How a scenario did for one violation kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KindScore {
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    /// Seconds from the subject's arrival to the event's confirmation, per true positive.
    pub delays: Vec<f64>,
}

impl KindScore {
    /// 1 when nothing was reported and nothing was wrongly reported.
    pub fn precision(&self) -> f64 {
        ratio(self.true_positives, self.true_positives + self.false_positives)
    }

    /// 1 when nothing was expected and nothing was missed.
    pub fn recall(&self) -> f64 {
        ratio(self.true_positives, self.true_positives + self.false_negatives)
    }

    pub fn median_delay(&self) -> Option<f64> {
        let mut d = self.delays.clone();
        d.sort_by(f64::total_cmp);
        d.get(d.len() / 2).copied()
    }

    pub fn worst_delay(&self) -> Option<f64> {
        self.delays.iter().copied().reduce(f64::max)
    }
}

fn ratio(good: usize, all: usize) -> f64 {
    if all == 0 {
        1.0
    } else {
        good as f64 / all as f64
    }
}

/// One reported event and what it was judged to be.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judged {
    pub kind: String,
    pub zone: Option<String>,
    pub rule: String,
    /// Seconds from the first frame.
    pub onset: f64,
    pub confirmed: f64,
    /// The truth actor it matched, or `None` for a false positive.
    pub actor: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScenarioScore {
    pub scenario: String,
    pub kinds: BTreeMap<String, KindScore>,
    pub events: Vec<Judged>,
    /// Expected actors no event matched.
    pub missed: Vec<String>,
}

/// An event matches an expected violation when kind and zone agree and its onset falls in the
/// truth's onset window; each expected violation matches at most one event.
pub fn score(scenario: &Scenario, findings: &[Finding]) -> ScenarioScore {
    let start = scenario.start();
    let seconds = |t: chrono::DateTime<chrono::Utc>| (t - start).num_milliseconds() as f64 / 1000.0;
    let mut kinds: BTreeMap<String, KindScore> = BTreeMap::new();
    for e in &scenario.truth.expected {
        kinds.entry(e.kind.clone()).or_default();
    }
    let mut matched = vec![false; scenario.truth.expected.len()];
    let mut events = Vec::new();
    for finding in findings {
        let Finding::Confirmed(c) = finding else { continue };
        let (kind, zone) = (c.kind.to_string(), c.zone.as_ref().map(|z| z.to_string()));
        let (onset, confirmed) = (seconds(c.onset), seconds(c.confirmed_at));
        let hit = scenario.truth.expected.iter().enumerate().position(|(i, e)| {
            !matched[i] && e.kind == kind && e.zone == zone && e.onset[0] <= onset && onset <= e.onset[1]
        });
        let entry = kinds.entry(kind.clone()).or_default();
        let actor = hit.map(|i| {
            matched[i] = true;
            let e = &scenario.truth.expected[i];
            entry.true_positives += 1;
            entry.delays.push(confirmed - e.present[0]);
            e.actor.clone()
        });
        if actor.is_none() {
            entry.false_positives += 1;
        }
        events.push(Judged {
            kind,
            zone,
            rule: c.rule.to_string(),
            onset,
            confirmed,
            actor,
        });
    }
    let mut missed = Vec::new();
    for (e, hit) in scenario.truth.expected.iter().zip(&matched) {
        if !hit {
            kinds.entry(e.kind.clone()).or_default().false_negatives += 1;
            missed.push(e.actor.clone());
        }
    }
    ScenarioScore {
        scenario: scenario.meta.name.clone(),
        kinds,
        events,
        missed,
    }
}
