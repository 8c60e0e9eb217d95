//! How a case reads on a page: its kind's name, its state in words, how long it has waited and
//! whether its deadline is near or past. Shared by every list and detail page.

use chrono::{DateTime, Utc};

use super::i18n::{kind_name, Lang};
use crate::cases::{Case, Source, State};

/// A deadline this close counts as due soon.
pub(super) const DUE_SOON_MS: i64 = 15 * 60 * 1000;

/// One case, ready for a template.
pub struct CaseView {
    pub id: String,
    pub number: i64,
    pub kind: String,
    pub kind_name: String,
    pub state: &'static str,
    pub state_label: &'static str,
    pub grid: String,
    /// The camera's id, or for a case people reported, how they reported it.
    pub camera: String,
    /// The camera's name (or id), or how people reported it.
    pub camera_name: String,
    /// `camera`, `hotline` or `patrol`, and in words.
    pub source: &'static str,
    pub source_label: &'static str,
    pub assignee: String,
    pub confidence: String,
    /// How long since it was reported, in words.
    pub age: String,
    /// When it was reported, from now: "3分钟前", "just now".
    pub ago: String,
    /// `overdue`, `soon` or empty, and the deadline in words.
    pub due_class: &'static str,
    pub due: String,
}

/// "5 min", "3 h 10 min", "2 d" (or 分钟/小时/天).
pub fn span_words(lang: Lang, ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    let (d, h, m) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let (day, hour, minute) = lang.pick(("天", "小时", "分钟"), (" d", " h", " min"));
    match (d, h) {
        (0, 0) => format!("{m}{minute}"),
        (0, h) => format!("{h}{hour} {m}{minute}"),
        (d, h) => format!("{d}{day} {h}{hour}"),
    }
}

/// A time `ms` ago, from now: "刚刚" under a minute, then "3分钟前" / "3 min ago".
pub fn ago_words(lang: Lang, ms: i64) -> String {
    if ms < 60_000 {
        lang.pick("刚刚", "just now").to_owned()
    } else {
        format!("{}{}", span_words(lang, ms), lang.pick("前", " ago"))
    }
}

/// The deadline that matters now: accepting it, or handling it (an extension counts).
fn deadline(case: &Case) -> Option<i64> {
    match case.state {
        State::Dispatched => case.accept_due,
        State::Accepted | State::Rework => case.extension_until.or(case.handle_due),
        _ => None,
    }
}

impl CaseView {
    pub fn new(case: &Case, lang: Lang, config: &gridwatch_core::config::Config, now: DateTime<Utc>) -> Self {
        let now = now.timestamp_millis();
        let kind_name = kind_name(config, lang, &case.kind);
        let (due_class, due) = match deadline(case) {
            Some(due) if due <= now => (
                "overdue",
                format!(
                    "{} {}",
                    lang.pick("已超时", "overdue by"),
                    span_words(lang, now - due)
                ),
            ),
            Some(due) => (
                if due - now <= DUE_SOON_MS { "soon" } else { "" },
                format!("{} {}", lang.pick("剩余", "due in"), span_words(lang, due - now)),
            ),
            None => ("", String::new()),
        };
        let source_label = lang.source(case.source);
        let (camera, camera_name) = match case.source {
            Source::Camera => {
                let named = config.cameras.iter().find(|c| c.id.as_str() == case.camera);
                let name = named
                    .and_then(|c| c.name.clone())
                    .unwrap_or_else(|| case.camera.clone());
                (case.camera.clone(), name)
            }
            _ => (source_label.to_owned(), source_label.to_owned()),
        };
        Self {
            id: case.id.clone(),
            number: case.number,
            kind: case.kind.clone(),
            kind_name,
            state: case.state.as_str(),
            state_label: lang.state(case.state),
            grid: case
                .grid
                .clone()
                .unwrap_or_else(|| lang.pick("网格外", "no grid").to_owned()),
            camera,
            camera_name,
            source: case.source.as_str(),
            source_label,
            assignee: case.assignee.clone().unwrap_or_default(),
            confidence: format!("{:.0}%", case.confidence * 100.0),
            age: span_words(lang, now - case.reported_at),
            ago: ago_words(lang, now - case.reported_at),
            due_class,
            due,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_in_the_largest_units_that_matter() {
        assert_eq!(span_words(Lang::En, 59_000), "0 min");
        assert_eq!(span_words(Lang::En, 61 * 60_000), "1 h 1 min");
        assert_eq!(
            span_words(Lang::Zh, (2 * 1440 + 3 * 60 + 5) * 60_000),
            "2天 3小时"
        );
        assert_eq!(span_words(Lang::En, -5), "0 min");
        assert_eq!(ago_words(Lang::Zh, 59_000), "刚刚");
        assert_eq!(ago_words(Lang::Zh, 3 * 60_000), "3分钟前");
        assert_eq!(ago_words(Lang::En, 3 * 60_000), "3 min ago");
    }
}
