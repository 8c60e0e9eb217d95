//! Open311 GeoReport v2, so the 12345 hotline and other civic systems can work with the cases as
//! they are: violation kinds as services, cases as service requests, in JSON or XML. Reads are
//! public as the standard has them (unless configured closed), with the public fields only; a key
//! or a signed-in session reads the full view. A ticket is posted with a key and enters the case
//! loop as a report ([`crate::intake::report`]).

mod answer;
mod post;
mod views;

use std::collections::HashMap;

use axum::{
    extract::{FromRequestParts, Path, Query, State},
    http::{request::Parts, StatusCode},
    routing::get,
    Router,
};
use axum_extra::extract::CookieJar;
use chrono::{DateTime, Duration, Utc};
use gridwatch_core::config::Role;

use self::answer::{Answer, Format, Open311Error};
use super::{session::SESSION_COOKIE, AppState, Caller};
use crate::{
    cases::{Case, State as CaseState},
    queries::{CaseFilter, MAX_PER_PAGE},
    store::reports::ReportRow,
};

/// Every Open311 route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{list}", get(list).post(post::request))
        .route("/open311/v2/services/{code}", get(service_definition))
        .route("/open311/v2/requests/{number}", get(one_request))
}

/// Who reads: anyone (the public view), or a caller with a key or a session (the full view, as
/// far as their role and grid allow).
enum Reader {
    Public,
    Full(Caller),
}

impl FromRequestParts<AppState> for Reader {
    type Rejection = Open311Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Open311Error> {
        let format = Format::of_path(parts.uri.path());
        let credentials = parts.headers.contains_key(axum::http::header::AUTHORIZATION)
            || parts
                .uri
                .query()
                .is_some_and(|q| q.split('&').any(|p| p.starts_with("api_key=")))
            || CookieJar::from_headers(&parts.headers)
                .get(SESSION_COOKIE)
                .is_some();
        let public = state.dispatcher.config().api.open311.public;
        if !credentials {
            return if public {
                Ok(Reader::Public)
            } else {
                Err(Open311Error::new(
                    format,
                    StatusCode::UNAUTHORIZED,
                    "this city's Open311 reads need an api_key",
                ))
            };
        }
        let caller = Caller::from_request_parts(parts, state)
            .await
            .map_err(Open311Error::from(format))?;
        Ok(match caller.actor.role {
            // A key that may only post (the hotline's) reads what everyone may.
            Role::Ingest if public => Reader::Public,
            Role::Ingest => {
                return Err(Open311Error::new(
                    format,
                    StatusCode::FORBIDDEN,
                    "the ingest role may not read requests",
                ))
            }
            _ => Reader::Full(caller),
        })
    }
}

/// `services.json` / `.xml` and `requests.json` / `.xml`.
async fn list(
    state: State<AppState>,
    reader: Reader,
    Path(list): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Answer, Open311Error> {
    match Format::split(&list) {
        Some(("services", format)) => Ok(services(&state, format)),
        Some(("requests", format)) => requests(&state, reader, format, &query).await,
        _ => Err(Open311Error::new(
            Format::of_path(&list),
            StatusCode::NOT_FOUND,
            format!("no `{list}`; there are services.json, services.xml, requests.json and requests.xml"),
        )),
    }
}

fn kind_name(s: &AppState, kind: &str) -> String {
    s.dispatcher.config().kind_name(kind).unwrap_or(kind).to_owned()
}

fn services(s: &AppState, format: Format) -> Answer {
    let items = s
        .dispatcher
        .config()
        .known_kinds()
        .iter()
        .map(|kind| views::service(kind.as_str(), &kind_name(s, kind.as_str())))
        .collect();
    Answer {
        format,
        status: StatusCode::OK,
        root: "services",
        item: "service",
        items,
    }
}

/// `services/{code}.json`: a kind asks nothing beyond the standard's fields.
async fn service_definition(
    State(s): State<AppState>,
    Path(file): Path<String>,
) -> Result<Answer, Open311Error> {
    let (code, format) = Format::split(&file).unwrap_or((&file, Format::Json));
    if !s
        .dispatcher
        .config()
        .known_kinds()
        .iter()
        .any(|k| k.as_str() == code)
    {
        return Err(Open311Error::new(
            format,
            StatusCode::NOT_FOUND,
            format!("no service `{code}`"),
        ));
    }
    let definition = serde_json::json!({ "service_code": code, "attributes": [] });
    let serde_json::Value::Object(definition) = definition else {
        unreachable!("a JSON object literal")
    };
    Ok(Answer {
        format,
        status: StatusCode::OK,
        root: "service_definition",
        item: "service",
        items: vec![definition],
    })
}

/// The standard's search: `service_request_id` (a comma list; it overrides the rest),
/// `service_code` and `status` (comma lists), `start_date` and `end_date` (the last 90 days when
/// neither is given).
async fn requests(
    s: &AppState,
    reader: Reader,
    format: Format,
    query: &HashMap<String, String>,
) -> Result<Answer, Open311Error> {
    let bad = |m: String| Open311Error::new(format, StatusCode::BAD_REQUEST, m);
    let cases = if let Some(ids) = query.get("service_request_id") {
        let mut cases = Vec::new();
        for id in ids.split(',').map(str::trim).filter(|id| !id.is_empty()) {
            let number = id
                .parse()
                .map_err(|_| bad(format!("service_request_id: `{id}` is not a request number")))?;
            if let Some(case) = find(s, &reader, number, format).await? {
                cases.push(case);
            }
        }
        cases
    } else {
        let date = |name: &str| -> Result<Option<DateTime<Utc>>, Open311Error> {
            query
                .get(name)
                .map(|d| {
                    d.parse::<DateTime<Utc>>().map_err(|_| {
                        bad(format!(
                            "{name}: `{d}` is not a w3 date and time such as 2026-01-01T00:00:00Z"
                        ))
                    })
                })
                .transpose()
        };
        let (from, to) = match (date("start_date")?, date("end_date")?) {
            (None, None) => (Some(s.dispatcher.now() - Duration::days(90)), None),
            (from, to) => (from, to),
        };
        let among: Option<&'static [CaseState]> = match query.get("status").map(|v| v.as_str()) {
            None | Some("") | Some("open,closed") | Some("closed,open") => None,
            Some("open") => Some(&CaseState::OPEN),
            Some("closed") => Some(&CaseState::ENDED),
            Some(other) => return Err(bad(format!("status: `{other}`; give open, closed or both"))),
        };
        let own_grid = match &reader {
            Reader::Full(caller) if caller.actor.role == Role::Member => {
                caller.actor.grid(s.dispatcher.config())
            }
            _ => None,
        };
        let codes: Vec<Option<String>> = match query.get("service_code") {
            Some(codes) => codes.split(',').map(|c| Some(c.trim().to_owned())).collect(),
            None => vec![None],
        };
        let mut cases = Vec::new();
        for kind in codes {
            let filter = CaseFilter {
                kind,
                grid: own_grid.clone(),
                among,
                from,
                to,
                per_page: Some(MAX_PER_PAGE),
                ..CaseFilter::default()
            };
            cases.extend(
                s.dispatcher
                    .cases(&filter)
                    .await
                    .map_err(|e| Open311Error::from(format)(e.into()))?
                    .cases,
            );
        }
        cases.sort_by_key(|c| std::cmp::Reverse(c.number));
        cases
    };
    let items = views_of(s, &reader, &cases)
        .await
        .map_err(Open311Error::from(format))?;
    Ok(Answer::requests(format, StatusCode::OK, items))
}

/// `requests/{number}.json`: one request, as a list of one.
async fn one_request(
    State(s): State<AppState>,
    reader: Reader,
    Path(file): Path<String>,
) -> Result<Answer, Open311Error> {
    let (stem, format) = Format::split(&file).unwrap_or((&file, Format::Json));
    let not_found = || {
        Open311Error::new(
            format,
            StatusCode::NOT_FOUND,
            format!("no service request `{stem}`"),
        )
    };
    let number = stem.parse().map_err(|_| not_found())?;
    let case = find(&s, &reader, number, format).await?.ok_or_else(not_found)?;
    let items = views_of(&s, &reader, &[case])
        .await
        .map_err(Open311Error::from(format))?;
    Ok(Answer::requests(format, StatusCode::OK, items))
}

/// Case `number`, if `reader` may see it.
async fn find(
    s: &AppState,
    reader: &Reader,
    number: i64,
    format: Format,
) -> Result<Option<Case>, Open311Error> {
    let failed = |e: crate::DispatchError| Open311Error::from(format)(e.into());
    let Some(id) = s.dispatcher.case_id_of_number(number).await.map_err(failed)? else {
        return Ok(None);
    };
    let found = match reader {
        Reader::Public => s.dispatcher.case(&crate::Actor::system("open311"), &id).await,
        Reader::Full(caller) => s.dispatcher.case(&caller.actor, &id).await,
    };
    match found {
        Ok(case) => Ok(Some(case)),
        Err(crate::DispatchError::NotFound(_)) => Ok(None),
        Err(e) => Err(failed(e)),
    }
}

/// Each of `cases` as `reader` may see it.
async fn views_of(
    s: &AppState,
    reader: &Reader,
    cases: &[Case],
) -> Result<Vec<serde_json::Map<String, serde_json::Value>>, super::ApiError> {
    let grids = &s.dispatcher.grids;
    let agency = |case: &Case| {
        case.grid
            .as_deref()
            .and_then(|id| grids.grids().iter().find(|g| g.id.as_str() == id))
            .map_or_else(|| "command centre".to_owned(), |g| g.name.clone())
    };
    match reader {
        Reader::Public => {
            let decimals = s.dispatcher.config().api.open311.public_place_decimals;
            Ok(cases
                .iter()
                .map(|c| views::public(c, &kind_name(s, &c.kind), &agency(c), decimals))
                .collect())
        }
        Reader::Full(_) => {
            let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
            let reports: Vec<ReportRow> = s.dispatcher.reports_of(&ids).await?;
            Ok(cases
                .iter()
                .map(|c| {
                    let own: Vec<&ReportRow> = reports.iter().filter(|r| r.case_id == c.id).collect();
                    views::full(c, &kind_name(s, &c.kind), &agency(c), &own)
                })
                .collect())
        }
    }
}
