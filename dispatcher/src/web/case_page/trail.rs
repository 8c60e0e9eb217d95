//! The audit trail as a timeline: who did what when, from which state to which, with the reasons,
//! notes and photos each step recorded; and the banner that puts a return, rework or void reason
//! above everything else.

use chrono::{DateTime, Utc};
use gridwatch_core::MemberId;
use serde_json::Value;

use super::{
    words::{entry_name, CaseWords},
    Banner, Clock, Link, Step,
};
use crate::{
    cases::{audit::Entry, Case, State as CaseState},
    roster::Roster,
    web::i18n::Lang,
};

/// A member's name from the roster, with the id; the id alone when the roster lacks it.
pub(super) fn member_name(config: &gridwatch_core::config::Config, id: &str) -> String {
    MemberId::new(id)
        .ok()
        .and_then(|m| {
            Roster::new(config)
                .member(&m)
                .map(|(_, m)| format!("{} ({id})", m.name))
        })
        .unwrap_or_else(|| id.to_owned())
}

pub(super) fn step(
    e: &Entry,
    lang: Lang,
    t: &CaseWords,
    config: &gridwatch_core::config::Config,
    clock: &Clock,
) -> Step {
    let detail: Value = serde_json::from_str(&e.detail).unwrap_or_default();
    let text = |key: &str| detail.get(key).and_then(Value::as_str).filter(|s| !s.is_empty());
    let mut lines = Vec::new();
    let mut links = Vec::new();
    if let Some(reason) = text("reason") {
        lines.push(format!("{}{}{reason}", t.reason, lang.pick("：", ": ")));
    }
    if let Some(note) = text("note") {
        lines.push(format!("{}{}{note}", t.note, lang.pick("：", ": ")));
    }
    if let Some(to) = text("to").filter(|_| e.action == "dispatch") {
        lines.push(format!(
            "{}{}{}",
            t.to,
            lang.pick("：", ": "),
            member_name(config, to)
        ));
    }
    if let Some(leader) = text("informed").filter(|_| e.action == "dispatch") {
        lines.push(format!(
            "{}{}{}",
            t.informed,
            lang.pick("：", ": "),
            member_name(config, leader)
        ));
    }
    if let Some(until) = text("until").and_then(|u| u.parse::<DateTime<Utc>>().ok()) {
        let until = clock.local(until.timestamp_millis());
        lines.push(format!("{}{}{until}", t.until, lang.pick("：", ": ")));
    }
    if e.action == crate::evidence::photos::AUDIT_ACTION {
        if let Some(sha) = text("sha256") {
            links.push(Link {
                url: format!("/api/v1/cases/{}/evidence/{sha}", e.case_id),
                label: text("file_name").unwrap_or(sha).to_owned(),
            });
        }
    }
    // A handling done through the page names its photos by URL.
    if let Some(photos) = text("photo") {
        for (n, url) in photos.split_whitespace().enumerate() {
            if url.starts_with("/api/v1/cases/") {
                links.push(Link {
                    url: url.to_owned(),
                    label: format!("{} {}", t.photo_input, n + 1),
                });
            }
        }
    }
    let state = |s: Option<&str>| s.and_then(CaseState::parse).map_or("", |s| lang.state(s));
    let from = state(e.from_state.as_deref());
    let to = state(Some(&e.to_state));
    Step {
        at: clock.local(e.at),
        actor: e.actor.clone(),
        action: entry_name(lang, &e.action),
        code: e.action.clone(),
        // A step that leaves the state as it was says it once.
        from: if from == to { "" } else { from },
        to,
        lines,
        links,
    }
}

/// Why the case came back to the member, shown above everything: the last rework's or return's
/// reason while the case waits on it.
pub(super) fn banner(case: &Case, entries: &[Entry], t: &CaseWords) -> Option<Banner> {
    let (action, title) = match case.state {
        CaseState::Rework => ("rework", t.sent_back),
        CaseState::Returned => ("return", t.returned_because),
        CaseState::Voided => {
            return case.void_reason.clone().map(|text| Banner {
                title: t.void_reason,
                text,
            })
        }
        _ => return None,
    };
    let last = entries.iter().rev().find(|e| e.action == action)?;
    let detail: Value = serde_json::from_str(&last.detail).ok()?;
    let text = detail.get("reason")?.as_str()?.to_owned();
    Some(Banner { title, text })
}
