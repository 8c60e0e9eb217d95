//! A grid member's own tasks, for a phone in the street: what is theirs to do now, overdue
//! first, then the newest, each a card to tap with the annotated frame, the kind, the place and
//! the deadline.

use axum::{
    extract::State,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

use super::{case_view::CaseView, render, thumbnails, Frame, Visitor};
use crate::api::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/tasks", get(page))
}

#[derive(askama::Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    frame: Frame,
    tasks: Vec<Task>,
}

/// A task's card.
struct Task {
    case: CaseView,
    /// The annotated frame (or the plain one) to recognise the place by; empty when none.
    thumbnail: String,
    /// The camera's name (or id) and the zone.
    place: String,
}

async fn page(State(s): State<AppState>, visitor: Visitor) -> Response {
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
        let camera = d
            .config()
            .cameras
            .iter()
            .find(|c| c.id.as_str() == case.camera)
            .and_then(|c| c.name.clone())
            .unwrap_or_else(|| case.camera.clone());
        let place = match &case.zone {
            Some(zone) => format!("{camera} · {zone}"),
            None => camera,
        };
        cards.push(Task {
            case: CaseView::new(case, visitor.lang, d.config(), now),
            thumbnail,
            place,
        });
    }
    // Overdue first, then the newest.
    cards.sort_by_key(|t| (t.case.due_class != "overdue", -t.case.number));
    let page = TasksPage {
        frame: visitor.frame(visitor.lang.words().my_tasks, "/tasks"),
        tasks: cards,
    };
    render(&page)
}
