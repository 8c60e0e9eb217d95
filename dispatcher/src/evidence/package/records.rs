//! The records a package carries beside the files, each as the configuration and the store can
//! truthfully say it: the camera's registration, the model that detected, the rule that found,
//! how times were made, and the human review. Where something is not known, the record says so
//! in words rather than leaving it out.

use gridwatch_core::{
    config::{Camera, Companion, Config, Rule, ZoneMatch},
    ViolationEvent,
};
use serde_json::{json, Value};

use crate::cases::audit::Entry;

/// What the package says when the configuration gives a camera no setting-up record.
pub const NO_REGISTRATION: &str = "The configuration gives no setting-up record (approval, installation, public sign) for this camera; that it was lawfully set up and marked is not shown by this package. / 配置中没有该摄像头的设置审批、安装及公示标识记录，本证据包不能证明其依法设置并公示。";

/// Audit actions that are a person's decision on whether the finding is a violation.
const REVIEW_ACTIONS: [&str; 2] = ["file", "void"];

/// The camera `id` as configured: where it stands, its calibration and zones, and its
/// registration (or [`NO_REGISTRATION`]).
pub fn registration(config: &Config, id: &str) -> Value {
    let Some(camera) = config.cameras.iter().find(|c| c.id.as_str() == id) else {
        return json!({
            "id": id,
            "configured": false,
            "note": "The camera is no longer in the configuration; nothing about it can be said. / 该摄像头已不在配置中。",
            "registration": Value::Null,
            "registration_note": NO_REGISTRATION,
        });
    };
    let registration = camera.registration.as_ref().map(|r| {
        json!({
            "approved_by": r.approved_by,
            "approval_ref": r.approval_ref,
            "installed_on": r.installed_on,
            "sign_posted": r.sign_posted,
            "sign_note": r.sign_note,
        })
    });
    let mut record = json!({
        "id": camera.id.as_str(),
        "configured": true,
        "name": camera.name,
        "location": camera.location,
        "calibration": camera.calibration.as_ref().map(|c| json!({ "image": c.image, "geo": c.geo })),
        "zones": camera.zones.iter().map(|z| json!({
            "id": z.id.as_str(),
            "role": z.role.as_str(),
            "points": z.points,
        })).collect::<Vec<_>>(),
        "registration": registration,
    });
    if camera.registration.is_none() {
        record["registration_note"] = json!(NO_REGISTRATION);
    }
    record
}

/// The camera's registration in a line for the summary, in both languages.
pub fn registration_line(camera: Option<&Camera>) -> Option<String> {
    let r = camera?.registration.as_ref()?;
    let or_unknown = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let sign = match r.sign_posted {
        Some(true) => "是 / yes",
        Some(false) => "否 / no",
        None => "—",
    };
    Some(format!(
        "审批 approved by {} · 文号 ref {} · 安装 installed {} · 公示标识 sign posted {sign}{}",
        or_unknown(&r.approved_by),
        or_unknown(&r.approval_ref),
        or_unknown(&r.installed_on),
        r.sign_note
            .as_ref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default(),
    ))
}

/// The detector each event names, and the model card the configuration names (its name,
/// version, licence, training and measured accuracy), with whether they agree.
pub fn model(events: &[ViolationEvent], card: Option<&toml::Table>, card_file: Option<&str>) -> Value {
    let used: Vec<_> = events
        .iter()
        .map(|e| json!({ "event": e.id, "name": e.model.name, "version": e.model.version }))
        .collect();
    let field = |key: &str| card.and_then(|c| c.get(key)).cloned();
    let card_says = |key: &str| field(key).and_then(|v| v.as_str().map(str::to_owned));
    let agrees = events.iter().all(|e| {
        card_says("name").as_deref() == Some(&e.model.name)
            && card_says("version").as_deref() == Some(&e.model.version)
    });
    json!({
        "detected_by": used,
        "card_file": card_file,
        "card": card.map(|_| json!({
            "name": card_says("name"),
            "version": card_says("version"),
            "licence": card_says("licence"),
            "classes": field("classes"),
            "training": field("training"),
            "accuracy": field("accuracy"),
        })),
        "card_matches_events": card.is_some() && agrees,
        "note": if card.is_none() {
            "The configuration names no readable model card; only the name and version each event carries are known. / 配置未给出可读的模型卡，仅知事件所载模型名称与版本。"
        } else if !agrees {
            "The configured model card is not the version the events name: its accuracy figures may not be those of the detector that saw this. / 当前模型卡与事件所载模型版本不一致。"
        } else {
            "The configured model card is the one the events name. / 当前模型卡即事件所载模型。"
        },
    })
}

/// The rules that confirmed the events, as configured now.
pub fn rules(config: &Config, events: &[ViolationEvent]) -> Value {
    let mut ids: Vec<&str> = events.iter().map(|e| e.rule.as_str()).collect();
    ids.dedup();
    let rules: Vec<_> = ids
        .iter()
        .map(|id| match config.rules.iter().find(|r| r.id.as_str() == *id) {
            Some(rule) => rule_record(rule),
            None => json!({
                "id": id,
                "configured": false,
                "note": "The rule is no longer in the configuration. / 该规则已不在配置中。",
            }),
        })
        .collect();
    json!({
        "note": "The rules as the configuration holds them at export; a rule changed since the event was confirmed shows its new settings. / 导出时配置中的规则。",
        "rules": rules,
    })
}

fn rule_record(rule: &Rule) -> Value {
    let nearby = |list: &[Companion]| {
        list.iter()
            .map(|c| json!({ "class": c.class, "min_score": c.min_score, "within_box_heights": c.within, "stationary": c.stationary }))
            .collect::<Vec<_>>()
    };
    let roles =
        |roles: &[gridwatch_core::ZoneRole]| roles.iter().map(|r| r.as_str().to_owned()).collect::<Vec<_>>();
    let zone = match &rule.zone {
        ZoneMatch::Inside(r) => json!({ "inside": roles(r) }),
        ZoneMatch::Outside(r) => json!({ "outside": roles(r) }),
    };
    let secs = |d: std::time::Duration| d.as_secs_f64();
    json!({
        "id": rule.id.as_str(),
        "configured": true,
        "kind": rule.kind.as_str(),
        "subjects": rule.subjects.iter().map(|s| json!({ "class": s.class, "min_score": s.min_score })).collect::<Vec<_>>(),
        "companions": nearby(&rule.companions),
        "unless": nearby(&rule.unless),
        "min_count": rule.min_count,
        "group_within_box_heights": rule.group_within,
        "zone": zone,
        "stationary": rule.stationary,
        "dwell_seconds": secs(rule.dwell.0),
        "windows": rule.windows.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        "exempt": rule.exempt.iter().map(|e| json!({
            "roles": roles(&e.roles),
            "windows": e.windows.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "confirm": { "k": rule.confirm.k, "n": rule.confirm.n },
        "clear_after_seconds": secs(rule.clear_after.0),
        "cooldown_seconds": secs(rule.cooldown.0),
        "cameras": rule.cameras.as_ref().map(|c| c.iter().map(|c| c.as_str().to_owned()).collect::<Vec<_>>()),
    })
}

/// How the times in the package were made.
pub fn time_source(config: &Config) -> Value {
    json!({
        "city_timezone": config.city.timezone.0.name(),
        "event_times": "onset and confirmed_at are the wall time of the analysed frame: for a live camera the analysing host's system clock when the frame arrived (gridwatch does not set or check that clock; keep it synchronised, e.g. by NTP); for replayed footage the recording's start time plus the stream position. / 事件时间为被分析画面的时间：实时摄像头取分析主机收到画面时的系统时钟（需由NTP等保持同步），回放录像取录像起始时间加码流时间。",
        "evidence_times": "captured_at of a frame is the same wall time as its event's onset or confirmation; a clip's is the wall time of its first frame. / 证据的拍摄时间与上述时间同源。",
        "audit_times": "Audit entries carry the dispatcher host's clock, in milliseconds since 1970-01-01 UTC. / 审计记录时间为调度服务器时钟。",
        "all_times": "RFC 3339 in UTC unless a field says otherwise. / 除另行说明外均为UTC。",
    })
}

/// One person's decision on the finding, from the audit trail.
#[derive(Debug, Clone)]
pub struct Review {
    pub by: String,
    /// Milliseconds since the epoch.
    pub at: i64,
    pub action: String,
    pub note: Option<String>,
}

/// The decisions people took on whether the finding is a violation: each `file` or `void` entry
/// whose actor is a person, not the dispatcher or a camera.
pub fn reviews(entries: &[Entry]) -> Vec<Review> {
    entries
        .iter()
        .filter(|e| REVIEW_ACTIONS.contains(&e.action.as_str()))
        .filter(|e| e.actor != "dispatcher" && !e.actor.starts_with("camera:"))
        .map(|e| {
            let detail: Value = serde_json::from_str(&e.detail).unwrap_or(Value::Null);
            let note = ["note", "reason"]
                .iter()
                .find_map(|k| detail.get(k).and_then(Value::as_str))
                .map(str::to_owned);
            Review {
                by: e.actor.clone(),
                at: e.at,
                action: e.action.clone(),
                note,
            }
        })
        .collect()
}

/// The reviews as a record.
pub fn review_record(reviews: &[Review]) -> Value {
    json!({
        "reviewed_by_a_person": !reviews.is_empty(),
        "note": if reviews.is_empty() {
            "No person has filed or voided this case: it has not been reviewed by a person and is not evidence under art. 41 until it is. / 本案尚未经人工审核（立案或作废），在审核前不能作为第四十一条所称证据。"
        } else {
            "Each decision of a person on the finding, from the case's audit trail. / 审核记录取自本案审计记录。"
        },
        "decisions": reviews.iter().map(|r| json!({
            "by": r.by,
            "at": chrono::DateTime::<chrono::Utc>::from_timestamp_millis(r.at),
            "action": r.action,
            "note": r.note,
        })).collect::<Vec<_>>(),
    })
}
