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
    graduated,
    roster::Roster,
    verification,
    web::{i18n::Lang, review::void_reason_in},
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

/// The sentences the dispatcher and cameras write into the trail, in the page's language; any
/// other text as it was written.
fn said_by_the_system(lang: Lang, text: &str) -> &str {
    match text {
        verification::CLEARED_NOTE => lang.pick(
            "摄像头报告违规已消失。",
            "The camera reports the violation cleared.",
        ),
        verification::STILL_THERE_REASON => lang.pick(
            "标记处置后摄像头仍看到该违规。",
            "The camera still sees the violation after it was marked handled.",
        ),
        graduated::COMPLIED_NOTE => lang.pick(
            "商户在告知期限内已整改，未派遣即结案。",
            "The shop complied with its notice in time; closed without dispatch.",
        ),
        other => other,
    }
}

/// Who acted, as people call them: a member by name, a camera as a camera, the dispatcher itself.
fn actor_name(lang: Lang, config: &gridwatch_core::config::Config, actor: &str) -> String {
    if let Some(camera) = actor.strip_prefix("camera:") {
        return format!("{}{camera}", lang.pick("摄像头 ", "camera "));
    }
    if actor == "dispatcher" {
        return lang.pick("系统", "the dispatcher").to_owned();
    }
    member_name(config, actor)
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
        let reason = if e.action == "void" {
            void_reason_in(lang, reason)
        } else {
            said_by_the_system(lang, reason).to_owned()
        };
        lines.push(format!("{}{}{reason}", t.reason, lang.pick("：", ": ")));
    }
    if let Some(note) = text("note") {
        match said_by_the_system(lang, note) {
            // The dispatcher's and cameras' own notes are statements, not someone's handling note.
            translated if translated != note => lines.push(translated.to_owned()),
            _ => lines.push(format!("{}{}{note}", t.note, lang.pick("：", ": "))),
        }
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
    // What people reported, in their words, with the picture their system holds.
    if let Some(said) = text("description") {
        lines.push(format!("{}{}{said}", t.report_said, lang.pick("：", ": ")));
    }
    if let Some(address) = text("address") {
        lines.push(format!("{}{}{address}", t.report_address, lang.pick("：", ": ")));
    }
    if let Some(url) = text("media_url").filter(|u| u.starts_with("https://") || u.starts_with("http://")) {
        links.push(Link {
            url: url.to_owned(),
            label: t.report_media.to_owned(),
        });
    }
    if e.action == crate::evidence::photos::AUDIT_ACTION {
        if let Some(sha) = text("sha256") {
            links.push(Link {
                url: format!("/api/v1/cases/{}/evidence/{sha}", e.case_id),
                label: text("file_name").unwrap_or(sha).to_owned(),
            });
        }
    }
    if e.action == crate::evidence::package::AUDIT_ACTION {
        if let (Some(privacy), Some(sha)) = (text("privacy"), text("package_sha256")) {
            lines.push(format!("{privacy} · SHA-256 {sha}"));
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
        actor: actor_name(lang, config, &e.actor),
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
pub(super) fn banner(case: &Case, entries: &[Entry], lang: Lang, t: &CaseWords) -> Option<Banner> {
    let (action, title) = match case.state {
        CaseState::Rework => ("rework", t.sent_back),
        CaseState::Returned => ("return", t.returned_because),
        CaseState::Voided => {
            return case.void_reason.as_deref().map(|stored| Banner {
                title: t.void_reason,
                text: void_reason_in(lang, stored),
            })
        }
        _ => return None,
    };
    let last = entries.iter().rev().find(|e| e.action == action)?;
    let detail: Value = serde_json::from_str(&last.detail).ok()?;
    let text = said_by_the_system(lang, detail.get("reason")?.as_str()?).to_owned();
    Some(Banner { title, text })
}
