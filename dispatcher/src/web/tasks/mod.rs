//! A grid member's own tasks, for a phone in the street: what is theirs to do now, overdue
//! first, then the newest, each a card to tap with the annotated frame, the kind, the place and
//! the deadline. Below them, the patrol report (巡查上报): what the member sees that no camera
//! found — the kind, where they stand, a note and photos — sent into the same case loop.

mod report;

use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use serde::Deserialize;

use super::{case_view::CaseView, render, thumbnails, Frame, Visitor};
use crate::api::AppState;

pub use report::ReportForm;

pub fn routes() -> Router<AppState> {
    Router::new().route("/tasks", get(page)).route(
        "/tasks/report",
        post(report::send).layer(axum::extract::DefaultBodyLimit::max(crate::api::MAX_UPLOAD_BODY)),
    )
}

#[derive(askama::Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    frame: Frame,
    tasks: Vec<Task>,
    report: ReportForm,
}

/// A task's card.
struct Task {
    case: CaseView,
    /// The annotated frame (or the plain one) to recognise the place by; empty when none.
    thumbnail: String,
    /// The camera's name (or id) and the zone, or how the case was reported.
    place: String,
}

/// What the page was sent back with after a report.
#[derive(Deserialize)]
struct Done {
    /// The number of the case the report opened or joined.
    reported: Option<i64>,
    /// `1` when it joined a case already open there.
    joined: Option<u8>,
}

async fn page(State(s): State<AppState>, visitor: Visitor, Query(done): Query<Done>) -> Response {
    let mut form = ReportForm::new(&visitor, s.dispatcher.config());
    form.done = done.reported.map(|n| form.done_words(n, done.joined == Some(1)));
    tasks_page(&s, &visitor, form, StatusCode::OK).await
}

/// The page with `form` as it stands, answered with `status`.
async fn tasks_page(s: &AppState, visitor: &Visitor, form: ReportForm, status: StatusCode) -> Response {
    let d = &s.dispatcher;
    let Some(member) = visitor.account.member.clone() else {
        return axum::response::Redirect::to("/centre").into_response();
    };
    let tasks = match d.tasks_of(member.as_str()).await {
        Ok(tasks) => tasks,
        Err(e) => return visitor.fail(e).into_response(),
    };
    let now = d.now();
    let pictures = thumbnails::of_cases(d, &tasks).await;
    let mut cards = Vec::new();
    for (case, pictures) in tasks.iter().zip(pictures) {
        // A task whose evidence cannot be listed is still a task: it shows without a picture.
        let thumbnail = pictures.into_iter().next().map(|p| p.url).unwrap_or_default();
        let view = CaseView::new(case, visitor.lang, d.config(), now);
        let place = match &case.zone {
            Some(zone) => format!("{} · {zone}", view.camera_name),
            None => view.camera_name.clone(),
        };
        cards.push(Task {
            case: view,
            thumbnail,
            place,
        });
    }
    // Overdue first, then the newest.
    cards.sort_by_key(|t| (t.case.due_class != "overdue", -t.case.number));
    let page = TasksPage {
        frame: visitor.frame(visitor.lang.words().my_tasks, "/tasks"),
        tasks: cards,
        report: form,
    };
    (status, render(&page)).into_response()
}
