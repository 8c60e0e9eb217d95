//! A grid member's own tasks, for a phone in the street: what is theirs to do now, overdue
//! first, then the newest.

use axum::{
    extract::State,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

use super::{case_view::CaseView, render, Frame, Visitor};
use crate::api::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/tasks", get(page))
}

#[derive(askama::Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    frame: Frame,
    tasks: Vec<CaseView>,
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
    let mut views: Vec<CaseView> = tasks
        .iter()
        .map(|c| CaseView::new(c, visitor.lang, d.config(), now))
        .collect();
    // Overdue first, then the newest.
    views.sort_by_key(|v| (v.due_class != "overdue", -v.number));
    let page = TasksPage {
        frame: visitor.frame(visitor.lang.words().my_tasks, "/tasks"),
        tasks: views,
    };
    render(&page)
}
