//! The case page `/cases/{number}`, for the command centre's desk and a grid member's phone: what
//! the case is, its evidence (frames, clip, photos, each with its SHA-256), its place, its audit
//! trail, and the forms of exactly the actions the case's state and the visitor's role allow.
//! The forms are handled in [`actions`], the evidence package form in [`package`]; the evidence,
//! the trail and the offered actions are each drawn in a module of their own.

mod actions;
mod evidence;
mod offers;
mod package;
mod trail;
mod words;

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use evidence::{shown, sightings};
use offers::{offers, picks};
use trail::{banner, member_name, step};
use words::CaseWords;

use super::{
    case_view::{CaseView, DUE_SOON_MS},
    draw,
    overview::shops::grade_words,
    render, Frame, PageError, Visitor,
};
use crate::{
    api::AppState,
    cases::{Action, Case, State as CaseState},
    evidence::{photos_in, ArtifactKind},
    DispatchError, Dispatcher,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{number}", get(page))
        .merge(actions::routes())
        .merge(package::routes())
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
        let said = words::done(visitor.lang, action).to_owned();
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

/// A privacy choice the evidence package form offers.
pub(super) struct Choice {
    pub code: &'static str,
    pub label: &'static str,
}

/// A reason the visitor must see first: why the case came back.
pub(super) struct Banner {
    pub title: &'static str,
    pub text: String,
}

/// The shop a case is at, as the case page shows it: its name and its grade as swatch and word.
pub(super) struct ShopBadge {
    pub id: String,
    pub name: String,
    pub grade_class: &'static str,
    pub grade: &'static str,
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
    /// The registered shop the case is at, with its grade.
    pub shop: Option<ShopBadge>,
    pub sightings: Vec<Sighting>,
    pub photos: Vec<Shown>,
    pub map: String,
    pub trail: Vec<Step>,
    pub offers: Vec<Offer>,
    pub picks: Vec<Pick>,
    /// The privacy choices of the evidence package form; empty when the visitor may not export.
    pub package: Vec<Choice>,
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
        let t = words::words(lang);
        let actor = visitor.actor();
        let config = d.config();
        let now = d.now();
        let clock = Clock::of(d, now);
        let view = CaseView::new(case, lang, config, now);
        let entries = d.audit_log(Some(&case.id)).await?;
        let mut artifacts = d.sealed_artifacts(case).await?;
        artifacts.extend(photos_in(&case.id, &entries));
        let recurs = match &case.recurrence_of {
            Some(id) => d.case(&actor, id).await.ok().map(|c| c.number),
            None => None,
        };
        let shop = match config
            .dispatch
            .shops
            .iter()
            .find(|s| Some(&s.id) == case.shop.as_ref())
        {
            Some(shop) => {
                let (grade_class, grade) = grade_words(d.shop_grade(&shop.id).await?, lang);
                Some(ShopBadge {
                    id: shop.id.clone(),
                    name: shop.name.clone(),
                    grade_class,
                    grade,
                })
            }
            None => None,
        };
        let typed = refusal.as_ref().map(|r| r.typed.clone()).unwrap_or_default();
        let offers = offers(case, visitor, config, &typed.action);
        let picks = if offers.iter().any(|o| o.shape == "dispatch") {
            picks(case, d, now, t, &typed.to)
        } else {
            Vec::new()
        };
        let grids: Vec<_> = d.grids().grids().iter().collect();
        let map = gridwatch_core::GeoPoint::new(case.lon, case.lat)
            .map(|point| draw::map::mini_map(&grids, case.grid.as_deref(), point))
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
            facts: facts(case, &view, t, config, &clock),
            recurs,
            shop,
            sightings: sightings(&artifacts, t, &clock),
            photos: artifacts
                .iter()
                .filter(|a| a.kind == ArtifactKind::Photo)
                .map(|a| shown(a, &clock))
                .collect(),
            map,
            trail: entries.iter().map(|e| step(e, lang, t, config, &clock)).collect(),
            banner: banner(case, &entries, lang, t),
            offers,
            picks,
            package: package::choices(visitor),
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

fn facts(
    case: &Case,
    view: &CaseView,
    t: &CaseWords,
    config: &gridwatch_core::config::Config,
    clock: &Clock,
) -> Vec<Fact> {
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
    add(t.source, view.source_label.to_owned(), "");
    // A camera's finding has a camera and a confidence; what people reported has neither.
    if case.source == crate::cases::Source::Camera {
        add(t.camera, camera, "");
        add(t.confidence, format!("{:.0}%", case.confidence * 100.0), "");
    }
    add(t.zone, case.zone.clone().unwrap_or_default(), "");
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
