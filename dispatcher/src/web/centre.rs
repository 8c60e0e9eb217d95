//! The command centre's case list: every case the visitor may see, newest first, filtered by
//! state, kind and grid, a page at a time.

use axum::{
    extract::{Query, State},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use serde::Deserialize;

use super::{case_view::CaseView, render, Frame, Visitor};
use crate::{api::AppState, cases::State as CaseState, queries::CaseFilter};

pub fn routes() -> Router<AppState> {
    Router::new().route("/centre", get(page))
}

/// The list's filters as the form sends them; empty fields mean "any".
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub grid: String,
    #[serde(default)]
    pub page: Option<u32>,
}

/// A choice in a filter's menu.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(askama::Template)]
#[template(path = "centre.html")]
struct CentrePage {
    frame: Frame,
    cases: Vec<CaseView>,
    states: Vec<Choice>,
    kinds: Vec<Choice>,
    grids: Vec<Choice>,
    total: i64,
    page: u32,
    pages: u32,
    /// The filters as a query string, for the paging links.
    query: String,
}

fn choices(values: impl Iterator<Item = (String, String)>, selected: &str) -> Vec<Choice> {
    values
        .map(|(value, label)| Choice {
            selected: value == selected,
            value,
            label,
        })
        .collect()
}

async fn page(State(s): State<AppState>, visitor: Visitor, Query(filters): Query<Filters>) -> Response {
    let d = &s.dispatcher;
    let lang = visitor.lang;
    let own_grid = visitor.actor().grid(d.config());
    let member = visitor.account.member.is_some();
    let none = |v: &str| (!v.is_empty()).then(|| v.to_owned());
    let filter = CaseFilter {
        state: none(&filters.state),
        kind: none(&filters.kind),
        // A member sees their own grid whatever they ask.
        grid: if member {
            Some(own_grid.clone().unwrap_or_default())
        } else {
            none(&filters.grid)
        },
        page: filters.page,
        per_page: Some(50),
        ..CaseFilter::default()
    };
    let listed = match d.cases(&filter).await {
        Ok(listed) => listed,
        Err(e) => return visitor.fail(e).into_response(),
    };
    let now = d.now();
    let w = lang.words();
    let grids = d
        .grids()
        .grids()
        .iter()
        .filter(|g| !member || Some(g.id.to_string()) == own_grid)
        .map(|g| (g.id.to_string(), format!("{} {}", g.id, g.name)));
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("state", &filters.state)
        .append_pair("kind", &filters.kind)
        .append_pair("grid", &filters.grid)
        .finish();
    let page = CentrePage {
        frame: visitor.frame(w.cases, "/centre"),
        cases: listed
            .cases
            .iter()
            .map(|c| CaseView::new(c, lang, d.config(), now))
            .collect(),
        states: choices(
            CaseState::ALL
                .iter()
                .map(|s| (s.as_str().to_owned(), lang.state(*s).to_owned())),
            &filters.state,
        ),
        kinds: choices(
            d.config().known_kinds().iter().map(|k| {
                let name = d
                    .config()
                    .kinds
                    .get(k)
                    .map_or_else(|| k.to_string(), |i| i.name.clone());
                (k.to_string(), name)
            }),
            &filters.kind,
        ),
        grids: choices(grids, &filters.grid),
        total: listed.total,
        page: listed.page,
        pages: (listed.total.max(1) as u32).div_ceil(listed.per_page),
        query,
    };
    render(&page)
}
