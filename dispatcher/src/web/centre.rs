//! The command centre's live case list: every case the visitor may see, newest first, filtered by
//! state, kind, grid, camera and the days it was reported, with a thumbnail of its evidence. The
//! page grows by "load more" (the URL says how many pages are shown, so going back to it shows
//! the same rows), and `centre.js` keeps it live from the case feed: each change fetches the
//! case's row from `/centre/rows/{id}`, rendered by the same template as the page's rows.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::Deserialize;

use super::{case_view::CaseView, i18n::kind_name, render, thumbnails, Frame, PageError, Visitor};
use crate::{
    api::AppState,
    cases::{Case, State as CaseState},
    queries::CaseFilter,
    Dispatcher,
};

/// Rows a page of the list adds.
const PER_PAGE: u32 = 50;
/// Pages one view may show at once; beyond that the filters are the better tool.
const MOST_PAGES: u32 = 10;
/// Tells the page's script whether a fetched row still matches the list's filters.
const MATCHES_HEADER: &str = "x-gridwatch-matches";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/centre", get(page))
        .route("/centre/rows/{id}", get(row))
}

/// The list's filters as the form sends them; empty fields mean "any". Dates are days in the
/// city's time zone, both included.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub grid: String,
    #[serde(default)]
    pub camera: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// Show pages 1 to this one (what the view has loaded so far).
    #[serde(default)]
    pub upto: Option<u32>,
    /// Show this page alone (the rows "load more" appends).
    #[serde(default)]
    pub page: Option<u32>,
}

impl Filters {
    /// The filters as the dispatcher takes them; a member's grid is theirs whatever they ask.
    fn case_filter(&self, d: &Dispatcher, visitor: &Visitor) -> Result<CaseFilter, PageError> {
        let some = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        let grid = match visitor.account.member {
            Some(_) => Some(visitor.actor().grid(d.config()).unwrap_or_default()),
            None => some(&self.grid),
        };
        let tz = d.config().city.timezone.0;
        let day = |field: &str, value: &str, after: bool| -> Result<Option<DateTime<Utc>>, PageError> {
            if value.is_empty() {
                return Ok(None);
            }
            let date = NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .ok()
                .and_then(|d| if after { d.succ_opt() } else { Some(d) })
                .ok_or_else(|| {
                    PageError::new(
                        visitor.lang,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        format!(
                            "{field}: `{value}` {}",
                            visitor
                                .lang
                                .pick("不是日期（年-月-日）", "is not a date (year-month-day)")
                        ),
                    )
                })?;
            Ok(tz
                .from_local_datetime(&date.and_time(chrono::NaiveTime::MIN))
                .earliest()
                .map(|t| t.with_timezone(&Utc)))
        };
        Ok(CaseFilter {
            state: some(&self.state),
            kind: some(&self.kind),
            grid,
            camera: some(&self.camera),
            from: day("from", &self.from, false)?,
            to: day("to", &self.to, true)?,
            ..CaseFilter::default()
        })
    }

    /// The filters as a query string, without paging.
    fn query(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("state", &self.state)
            .append_pair("kind", &self.kind)
            .append_pair("grid", &self.grid)
            .append_pair("camera", &self.camera)
            .append_pair("from", &self.from)
            .append_pair("to", &self.to)
            .finish()
    }
}

/// Whether `case` belongs in a list filtered by `filter`: the store's selection, for one case the
/// feed announced.
fn admits(filter: &CaseFilter, case: &Case) -> bool {
    let same = |wanted: &Option<String>, value: &str| wanted.as_deref().is_none_or(|w| w == value);
    let grid = match filter.grid.as_deref() {
        None => true,
        Some(crate::queries::UNASSIGNED) => case.grid.is_none(),
        Some(grid) => case.grid.as_deref() == Some(grid),
    };
    same(&filter.state, case.state.as_str())
        && same(&filter.kind, &case.kind)
        && same(&filter.camera, &case.camera)
        && grid
        && filter
            .from
            .is_none_or(|t| case.reported_at >= t.timestamp_millis())
        && filter.to.is_none_or(|t| case.reported_at < t.timestamp_millis())
}

/// The list's own words.
pub struct CentreWords {
    pub any_state: &'static str,
    pub any_kind: &'static str,
    pub any_grid: &'static str,
    pub any_camera: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub filter: &'static str,
    pub clear: &'static str,
    pub evidence: &'static str,
    pub kind: &'static str,
    pub grid: &'static str,
    pub camera: &'static str,
    pub state: &'static str,
    pub age: &'static str,
    pub deadline: &'static str,
    pub none_match: &'static str,
    pub shown_of: &'static str,
    pub load_more: &'static str,
    pub left_view: &'static str,
    pub not_live: &'static str,
    pub connecting: &'static str,
    pub connected: &'static str,
    pub reconnecting: &'static str,
    /// Followed by the count of new cases.
    pub new_cases: &'static str,
    pub sound_off: &'static str,
    pub sound_on: &'static str,
}

pub const ZH: CentreWords = CentreWords {
    any_state: "全部状态",
    any_kind: "全部类型",
    any_grid: "全部网格",
    any_camera: "全部摄像头",
    from: "上报自",
    to: "上报至",
    filter: "筛选",
    clear: "清除筛选",
    evidence: "取证",
    kind: "类型",
    grid: "网格",
    camera: "摄像头",
    state: "状态",
    age: "已上报",
    deadline: "时限",
    none_match: "没有符合条件的案件。",
    shown_of: "已显示 / 共",
    load_more: "加载更多",
    left_view: "已不符合筛选条件",
    not_live: "未实时更新（请刷新页面）",
    connecting: "正在连接实时推送…",
    connected: "实时更新中",
    reconnecting: "连接中断，正在重连…",
    new_cases: "新案件",
    sound_off: "提示音：关",
    sound_on: "提示音：开",
};

pub const EN: CentreWords = CentreWords {
    any_state: "Any state",
    any_kind: "Any kind",
    any_grid: "Any grid",
    any_camera: "Any camera",
    from: "Reported from",
    to: "Reported to",
    filter: "Filter",
    clear: "Clear filters",
    evidence: "Evidence",
    kind: "Kind",
    grid: "Grid",
    camera: "Camera",
    state: "State",
    age: "Reported",
    deadline: "Deadline",
    none_match: "No case matches.",
    shown_of: "shown of",
    load_more: "Load more",
    left_view: "no longer matches the filters",
    not_live: "Not live (reload to update)",
    connecting: "Connecting to the live feed…",
    connected: "Live",
    reconnecting: "Connection lost, reconnecting…",
    new_cases: "new",
    sound_off: "Sound: off",
    sound_on: "Sound: on",
};

/// A choice in a filter's menu.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
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

/// One row of the list.
pub struct Row {
    pub c: CaseView,
    /// The evidence picture to show small: annotated if there is one.
    pub thumb: Option<String>,
    /// Whether the case still matches the list's filters (a live update may say it does not).
    pub matches: bool,
    /// The page this row begins, when it begins one after the first (an anchor for "load more").
    pub begins_page: Option<u32>,
}

/// The rows of `cases`, the first of which is the first of page `first`.
async fn rows(d: &Dispatcher, visitor: &Visitor, cases: &[Case], first: u32) -> Vec<Row> {
    let now = d.now();
    let pictures = thumbnails::of_cases(d, cases).await;
    cases
        .iter()
        .zip(pictures)
        .enumerate()
        .map(|(i, (case, pictures))| Row {
            c: CaseView::new(case, visitor.lang, d.config(), now),
            thumb: pictures.into_iter().next().map(|p| p.url),
            matches: true,
            begins_page: Some(first + i as u32 / PER_PAGE)
                .filter(|&page| (i as u32).is_multiple_of(PER_PAGE) && page > 1),
        })
        .collect()
}

#[derive(askama::Template)]
#[template(path = "centre.html")]
struct CentrePage {
    frame: Frame,
    t: &'static CentreWords,
    rows: Vec<Row>,
    states: Vec<Choice>,
    kinds: Vec<Choice>,
    grids: Vec<Choice>,
    cameras: Vec<Choice>,
    filters: Filters,
    total: i64,
    /// How many rows the view shows, counting the pages before these.
    shown: i64,
    /// The URL of the next page's rows, when there are more.
    more: Option<String>,
    /// The filters as a query string, for the script's row requests.
    query: String,
}

async fn page(State(s): State<AppState>, visitor: Visitor, Query(filters): Query<Filters>) -> Response {
    let d = &s.dispatcher;
    let lang = visitor.lang;
    let filter = match filters.case_filter(d, &visitor) {
        Ok(filter) => filter,
        Err(e) => return e.into_response(),
    };
    // Every page up to the one asked for, so that a reload or a return shows the same rows; or
    // one page, for the script to append.
    let (first, last, per_page) = match filters.page {
        Some(page) => {
            let page = page.clamp(1, MOST_PAGES);
            (page, page, PER_PAGE)
        }
        None => {
            let upto = filters.upto.unwrap_or(1).clamp(1, MOST_PAGES);
            (1, upto, PER_PAGE * upto)
        }
    };
    let listed = match d
        .cases(&CaseFilter {
            page: Some(first),
            per_page: Some(per_page),
            ..filter
        })
        .await
    {
        Ok(listed) => listed,
        Err(e) => return visitor.fail(e).into_response(),
    };
    let member = visitor.account.member.is_some();
    let own_grid = visitor.actor().grid(d.config());
    let config = d.config();
    let grids = d
        .grids()
        .grids()
        .iter()
        .filter(|g| !member || Some(g.id.to_string()) == own_grid)
        .map(|g| (g.id.to_string(), format!("{} {}", g.id, g.name)));
    let cameras = config.cameras.iter().map(|c| {
        let id = c.id.to_string();
        let label = c
            .name
            .as_ref()
            .map_or_else(|| id.clone(), |n| format!("{id} {n}"));
        (id, label)
    });
    let query = filters.query();
    let shown = (first - 1) as i64 * PER_PAGE as i64 + listed.cases.len() as i64;
    let more = (shown < listed.total && last < MOST_PAGES)
        .then(|| format!("/centre?{query}&upto={}#p{}", last + 1, last + 1));
    let page = CentrePage {
        frame: visitor.frame(lang.words().cases, "/centre"),
        t: lang.pick(&ZH, &EN),
        rows: rows(d, &visitor, &listed.cases, first).await,
        states: choices(
            CaseState::ALL
                .iter()
                .map(|s| (s.as_str().to_owned(), lang.state(*s).to_owned())),
            &filters.state,
        ),
        kinds: choices(
            config
                .known_kinds()
                .iter()
                .map(|k| (k.to_string(), kind_name(config, lang, k.as_str()))),
            &filters.kind,
        ),
        grids: choices(grids, &filters.grid),
        cameras: choices(cameras, &filters.camera),
        total: listed.total,
        shown,
        more,
        query,
        filters,
    };
    render(&page)
}

#[derive(askama::Template)]
#[template(path = "centre_row.html")]
struct RowFragment {
    t: &'static CentreWords,
    r: Row,
}

/// One case's row, as the list shows it, for the live update; whether it still matches the
/// list's filters (sent in the query) is in the row and in a header.
async fn row(
    State(s): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(filters): Query<Filters>,
) -> Response {
    let d = &s.dispatcher;
    let case = match d.case(&visitor.actor(), &id).await {
        Ok(case) => case,
        Err(e) => return visitor.fail(e).into_response(),
    };
    let filter = match filters.case_filter(d, &visitor) {
        Ok(filter) => filter,
        Err(e) => return e.into_response(),
    };
    let matches = admits(&filter, &case);
    let Some(mut r) = rows(d, &visitor, std::slice::from_ref(&case), 1).await.pop() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    r.matches = matches;
    let fragment = RowFragment {
        t: visitor.lang.pick(&ZH, &EN),
        r,
    };
    let mut response = render(&fragment);
    response.headers_mut().insert(
        MATCHES_HEADER,
        axum::http::HeaderValue::from_static(if matches { "yes" } else { "no" }),
    );
    response
}
