//! The case page `/cases/{number}`, for the command centre's desk and a grid member's phone: what
//! the case is, its evidence (frames, clip, photos, each with its SHA-256), its place, its audit
//! trail, and the forms of exactly the actions the case's state and the visitor's role allow.
//! The forms are handled in [`super::case_actions`].

use std::collections::BTreeMap;

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use chrono::{DateTime, Utc};
use gridwatch_core::MemberId;
use serde::Deserialize;
use serde_json::Value;

use super::{
    case_view::{CaseView, DUE_SOON_MS},
    case_words::{self, action_name, entry_name, CaseWords},
    draw, render, Frame, PageError, Visitor,
};
use crate::{
    api::AppState,
    cases::{audit::Entry, permissions::may, Action, Case, State as CaseState},
    evidence::{Artifact, ArtifactKind},
    roster::Roster,
    DispatchError, Dispatcher,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{number}", get(page))
        .merge(super::case_actions::routes())
}

/// What the page says after a form succeeded: `?done=accept&photos=2`.
#[derive(Debug, Default, Deserialize)]
struct Done {
    #[serde(default)]
    done: String,
    #[serde(default)]
    photos: Option<usize>,
}

async fn page(
    State(s): State<AppState>,
    visitor: Visitor,
    Path(number): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let d = &s.dispatcher;
    let case = match find(d, &visitor, &number).await {
        Ok(case) => case,
        Err(e) => return e.into_response(),
    };
    let flash = Action::parse(&done.done).map(|action| {
        let said = case_words::done(visitor.lang, action).to_owned();
        match done.photos {
            Some(n) if n > 0 => format!("{said} {}{n}", visitor.lang.pick("照片：", "Photos: ")),
            _ => said,
        }
    });
    match CasePage::build(d, &visitor, &case, flash, None).await {
        Ok(page) => render(&page),
        Err(e) => visitor.fail(e).into_response(),
    }
}

/// The case numbered `number` (as the path gives it), if the visitor may see it: anything else,
/// another grid's case included, is 404.
pub(super) async fn find(d: &Dispatcher, visitor: &Visitor, number: &str) -> Result<Case, PageError> {
    let missing = || visitor.fail(DispatchError::NotFound(format!("#{number}")));
    let Ok(n) = number.parse::<i64>() else {
        return Err(missing());
    };
    let id = d
        .case_id_of_number(n)
        .await
        .map_err(|e| visitor.fail(e))?
        .ok_or_else(missing)?;
    d.case(&visitor.actor(), &id).await.map_err(|e| match e {
        DispatchError::NotFound(_) => missing(),
        e => visitor.fail(e),
    })
}

/// A form that was refused: why, and what had been typed, to show it again.
pub(super) struct Refusal {
    pub status: StatusCode,
    pub headline: &'static str,
    pub message: String,
    pub typed: Typed,
}

/// What was typed into an action's form.
#[derive(Debug, Default, Clone, Deserialize)]
pub(super) struct Typed {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub until: String,
}

/// One line of the case's facts.
pub(super) struct Fact {
    pub label: &'static str,
    pub value: String,
    /// `overdue`, `soon` or empty.
    pub class: &'static str,
}

/// A file of the evidence, ready to show.
pub(super) struct Shown {
    pub url: String,
    pub download: String,
    pub sha256: String,
    pub sha_short: String,
    /// Whether a browser may show it inline (else only a download).
    pub inline: bool,
    pub size: String,
    pub at: String,
    pub by: String,
}

/// A frame at one moment: annotated first, the plain one beside it.
pub(super) struct Shot {
    pub label: &'static str,
    pub annotated: Option<Shown>,
    pub plain: Option<Shown>,
}

/// One violation event's evidence.
pub(super) struct Sighting {
    pub label: String,
    /// The last annotated frame, as the clip's poster.
    pub poster: String,
    pub shots: Vec<Shot>,
    pub clips: Vec<Shown>,
}

/// A photo link in the audit trail.
pub(super) struct Link {
    pub url: String,
    pub label: String,
}

/// One entry of the audit trail.
pub(super) struct Step {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub code: String,
    pub from: &'static str,
    pub to: &'static str,
    pub lines: Vec<String>,
    pub links: Vec<Link>,
}

/// An action the visitor may take now, and the shape of its form.
pub(super) struct Offer {
    pub code: &'static str,
    pub label: &'static str,
    /// `button`, `reason`, `dispatch`, `extension` or `handle`.
    pub shape: &'static str,
    /// `primary`, `danger` or empty.
    pub class: &'static str,
    /// Opened: the form the visitor just sent, or the one thing to do.
    pub open: bool,
}

/// A member a case may be dispatched to.
pub(super) struct Pick {
    pub id: String,
    pub label: String,
    pub selected: bool,
}

/// A reason the visitor must see first: why the case came back.
pub(super) struct Banner {
    pub title: &'static str,
    pub text: String,
}

#[derive(askama::Template)]
#[template(path = "case.html")]
pub(super) struct CasePage {
    pub frame: Frame,
    pub t: &'static CaseWords,
    pub case: CaseView,
    pub is_member: bool,
    pub facts: Vec<Fact>,
    /// The number of the case this one recurs.
    pub recurs: Option<i64>,
    pub sightings: Vec<Sighting>,
    pub photos: Vec<Shown>,
    pub map: String,
    pub trail: Vec<Step>,
    pub offers: Vec<Offer>,
    pub picks: Vec<Pick>,
    pub banner: Option<Banner>,
    pub flash: Option<String>,
    pub refusal: Option<Refusal>,
    pub typed: Typed,
}

impl CasePage {
    /// The page for `case` as `visitor` may see it; `refusal` is a form just refused.
    pub(super) async fn build(
        d: &Dispatcher,
        visitor: &Visitor,
        case: &Case,
        flash: Option<String>,
        refusal: Option<Refusal>,
    ) -> Result<CasePage, DispatchError> {
        let lang = visitor.lang;
        let t = case_words::words(lang);
        let actor = visitor.actor();
        let config = d.config();
        let now = d.now();
        let clock = Clock::of(d, now);
        let view = CaseView::new(case, lang, config, now);
        let artifacts = d.evidence(&actor, &case.id).await?;
        let entries = d.audit_log(Some(&case.id)).await?;
        let recurs = match &case.recurrence_of {
            Some(id) => d.case(&actor, id).await.ok().map(|c| c.number),
            None => None,
        };
        let typed = refusal.as_ref().map(|r| r.typed.clone()).unwrap_or_default();
        let offers = offers(case, visitor, config, &typed.action);
        let picks = if offers.iter().any(|o| o.shape == "dispatch") {
            picks(case, d, now, t, &typed.to)
        } else {
            Vec::new()
        };
        let grids: Vec<_> = d
            .grids()
            .grids()
            .iter()
            .filter(|g| case.grid.as_deref() == Some(g.id.as_str()))
            .collect();
        let map = gridwatch_core::GeoPoint::new(case.lon, case.lat)
            .map(|point| draw::map::mini_map(&grids, point))
            .unwrap_or_default();
        let page = CasePage {
            frame: visitor.frame(
                &format!("{} #{}", t.case, case.number),
                if visitor.account.member.is_some() {
                    "/tasks"
                } else {
                    "/centre"
                },
            ),
            t,
            is_member: visitor.account.member.is_some(),
            facts: facts(case, t, config, &clock),
            recurs,
            sightings: sightings(&artifacts, t, &clock),
            photos: artifacts
                .iter()
                .filter(|a| a.kind == ArtifactKind::Photo)
                .map(|a| shown(a, &clock))
                .collect(),
            map,
            trail: entries.iter().map(|e| step(e, lang, t, config, &clock)).collect(),
            banner: banner(case, &entries, t),
            offers,
            picks,
            flash,
            refusal,
            typed,
            case: view,
        };
        Ok(page)
    }
}

/// Times as the city reads them.
struct Clock {
    tz: chrono_tz::Tz,
    now: i64,
}

impl Clock {
    fn of(d: &Dispatcher, now: DateTime<Utc>) -> Self {
        Self {
            tz: d.config().city.timezone.0,
            now: now.timestamp_millis(),
        }
    }

    fn local(&self, ms: i64) -> String {
        DateTime::<Utc>::from_timestamp_millis(ms)
            .map(|t| t.with_timezone(&self.tz).format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    }

    /// How a deadline that still runs stands: `overdue`, `soon` or empty.
    fn due(&self, due: i64) -> &'static str {
        if due <= self.now {
            "overdue"
        } else if due - self.now <= DUE_SOON_MS {
            "soon"
        } else {
            ""
        }
    }
}

/// A member's name from the roster, with the id; the id alone when the roster lacks it.
fn member_name(config: &gridwatch_core::config::Config, id: &str) -> String {
    MemberId::new(id)
        .ok()
        .and_then(|m| {
            Roster::new(config)
                .member(&m)
                .map(|(_, m)| format!("{} ({id})", m.name))
        })
        .unwrap_or_else(|| id.to_owned())
}

fn facts(case: &Case, t: &CaseWords, config: &gridwatch_core::config::Config, clock: &Clock) -> Vec<Fact> {
    let mut facts = Vec::new();
    let mut add = |label, value: String, class| {
        if !value.is_empty() {
            facts.push(Fact { label, value, class });
        }
    };
    let camera = config
        .cameras
        .iter()
        .find(|c| c.id.as_str() == case.camera)
        .and_then(|c| c.name.clone())
        .map_or_else(|| case.camera.clone(), |name| format!("{name} ({})", case.camera));
    add(t.camera, camera, "");
    add(t.zone, case.zone.clone().unwrap_or_default(), "");
    add(t.confidence, format!("{:.0}%", case.confidence * 100.0), "");
    let assignee = case
        .assignee
        .as_deref()
        .map(|a| member_name(config, a))
        .unwrap_or_default();
    add(t.assignee, assignee, "");
    let times = [
        (t.reported, Some(case.reported_at)),
        (t.filed, case.filed_at),
        (t.dispatched, case.dispatched_at),
        (t.accepted, case.accepted_at),
        (t.handled, case.handled_at),
        (t.closed, case.closed_at),
    ];
    for (label, at) in times {
        add(label, at.map(|at| clock.local(at)).unwrap_or_default(), "");
    }
    // A deadline's status matters only while it runs.
    let running = |state_set: &[CaseState]| state_set.contains(&case.state);
    if let Some(due) = case.accept_due {
        let class = if running(&[CaseState::Dispatched]) {
            clock.due(due)
        } else {
            ""
        };
        add(t.accept_by, clock.local(due), class);
    }
    if let Some(due) = case.handle_due {
        let class = if running(&CaseState::BEING_HANDLED) {
            clock.due(due)
        } else {
            ""
        };
        add(t.handle_by, clock.local(due), class);
    }
    if let Some(until) = case.extension_until {
        add(t.extension_asked, clock.local(until), "");
    }
    if case.extensions > 0 {
        add(t.extensions, case.extensions.to_string(), "");
    }
    if case.reworks > 0 {
        add(t.reworks, case.reworks.to_string(), "");
    }
    add(t.occurrences, case.occurrences.to_string(), "");
    add(t.void_reason, case.void_reason.clone().unwrap_or_default(), "");
    facts
}

fn short(sha: &str) -> String {
    sha.chars().take(12).collect()
}

fn size_words(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.0} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

fn shown(a: &Artifact, clock: &Clock) -> Shown {
    let sha256 = a.sha256.to_string();
    Shown {
        download: format!("{}?download=1", a.url),
        url: a.url.clone(),
        sha_short: short(&sha256),
        sha256,
        inline: a.shown_as().is_some(),
        size: size_words(a.bytes),
        at: clock.local(a.captured_at.timestamp_millis()),
        by: a.uploaded_by.clone().unwrap_or_default(),
    }
}

/// The pipeline's artifacts by event, in arrival order; within one, the n-th plain frame pairs
/// with the n-th annotated one (the recorder saves them so: first sighting, then confirmation).
fn sightings(artifacts: &[Artifact], t: &CaseWords, clock: &Clock) -> Vec<Sighting> {
    let mut order: Vec<&str> = Vec::new();
    let mut by_event: BTreeMap<&str, Vec<&Artifact>> = BTreeMap::new();
    for a in artifacts.iter().filter(|a| a.kind != ArtifactKind::Photo) {
        let event = a.event.as_deref().unwrap_or_default();
        if !by_event.contains_key(event) {
            order.push(event);
        }
        by_event.entry(event).or_default().push(a);
    }
    order
        .iter()
        .enumerate()
        .map(|(i, event)| {
            let of = |kind| -> Vec<&Artifact> {
                by_event[event]
                    .iter()
                    .copied()
                    .filter(|a| a.kind == kind)
                    .collect()
            };
            let (plain, annotated) = (of(ArtifactKind::Frame), of(ArtifactKind::AnnotatedFrame));
            let count = plain.len().max(annotated.len());
            let shots = (0..count)
                .map(|n| Shot {
                    label: match (count, n) {
                        (1, _) => t.frame,
                        (_, 0) => t.first_sighting,
                        (c, n) if n == c - 1 => t.confirmation,
                        _ => t.frame,
                    },
                    annotated: annotated.get(n).map(|a| shown(a, clock)),
                    plain: plain.get(n).map(|a| shown(a, clock)),
                })
                .collect();
            let first = by_event[event]
                .first()
                .map(|a| clock.local(a.captured_at.timestamp_millis()));
            Sighting {
                poster: annotated.last().map(|a| a.url.clone()).unwrap_or_default(),
                label: format!("{} {} · {}", t.sighting, i + 1, first.unwrap_or_default()),
                shots,
                clips: of(ArtifactKind::Clip).iter().map(|a| shown(a, clock)).collect(),
            }
        })
        .collect()
}

fn step(
    e: &Entry,
    lang: super::i18n::Lang,
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

/// The actions the case's state and the visitor's role allow now, in the order of the loop.
fn offers(case: &Case, visitor: &Visitor, config: &gridwatch_core::config::Config, sent: &str) -> Vec<Offer> {
    let actor = visitor.actor();
    let allowed: Vec<Action> = Action::ALL
        .into_iter()
        .filter(|&a| case.after(a).is_ok() && may(&actor, case, a, config).is_ok())
        // Granting needs a request to grant.
        .filter(|&a| a != Action::GrantExtension || case.extension_until.is_some())
        .collect();
    let only = allowed.len() == 1;
    let mut offers: Vec<Offer> = allowed
        .into_iter()
        .map(|a| {
            let shape = match a {
                Action::Void | Action::Return | Action::Rework | Action::Reopen => "reason",
                Action::Dispatch => "dispatch",
                Action::RequestExtension => "extension",
                Action::Handle => "handle",
                _ => "button",
            };
            let class = match a {
                Action::Void | Action::Rework => "danger",
                Action::Return | Action::RequestExtension => "",
                _ => "primary",
            };
            Offer {
                code: a.as_str(),
                label: action_name(visitor.lang, a),
                shape,
                class,
                open: a.as_str() == sent || (a == Action::Handle && (sent.is_empty() || only)),
            }
        })
        .collect();
    // The step forward first, the ways back last: the thumb finds the usual job at the top.
    offers.sort_by_key(|o| match o.class {
        "primary" => 0,
        "danger" => 2,
        _ => 1,
    });
    offers
}

/// The members a case may be dispatched to: its grid's team (every team when it lies in none),
/// those on duty marked.
fn picks(case: &Case, d: &Dispatcher, now: DateTime<Utc>, t: &CaseWords, typed: &str) -> Vec<Pick> {
    let config = d.config();
    let roster = Roster::new(config);
    let mut picks = Vec::new();
    for team in config
        .teams
        .iter()
        .filter(|team| case.grid.as_deref().is_none_or(|g| g == team.grid.as_str()))
    {
        let on_duty = roster.on_duty(&team.grid, now);
        for m in team.members() {
            let duty = on_duty.iter().any(|o| o.id == m.id);
            picks.push(Pick {
                id: m.id.to_string(),
                label: format!(
                    "{} ({}, {}){}",
                    m.name,
                    m.id,
                    team.grid,
                    if duty {
                        format!(" · {}", t.on_duty)
                    } else {
                        String::new()
                    }
                ),
                selected: m.id.as_str() == typed,
            });
        }
    }
    picks
}

/// Why the case came back to the member, shown above everything: the last rework's or return's
/// reason while the case waits on it.
fn banner(case: &Case, entries: &[Entry], t: &CaseWords) -> Option<Banner> {
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
