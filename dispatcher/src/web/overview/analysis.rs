//! 分析研判 (/analysis): for a period of the city's days and optionally one grid, the indicators
//! per grid and kind (also as CSV, /analysis.csv), cases per day by kind, hot spots by grid and
//! kind and by hour of day and kind, and where violations recur.

use axum::{
    extract::{Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use chrono::{Days, NaiveDate};
use serde::Deserialize;

use super::{kind_name, Overseer};
use crate::{
    api::AppState,
    indicators::Indicators,
    overview::{local_period, Figures, Spot},
    web::{
        case_view::span_words,
        draw::{charts, tables},
        i18n::Lang,
        render, Frame, PageError, Visitor,
    },
};

/// The period shown when none is asked for, in days up to today.
const DEFAULT_DAYS: u64 = 30;
/// The longest period a page counts, in days.
const MAX_DAYS: i64 = 366;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/analysis", get(page))
        .route("/analysis.csv", get(csv))
}

/// The period and grid as the form sends them; empty fields mean the default.
#[derive(Debug, Default, Deserialize)]
struct Asked {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    grid: String,
}

/// A period and grid that make sense.
struct Period {
    from: NaiveDate,
    to: NaiveDate,
    grid: Option<String>,
}

impl Period {
    /// The query string that asks for this period again.
    fn query(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("from", &self.from.to_string())
            .append_pair("to", &self.to.to_string())
            .append_pair("grid", self.grid.as_deref().unwrap_or(""))
            .finish()
    }
}

/// Reads the asked period against today's date in the city; a bad date or grid is refused with a
/// message that says how to write it.
fn period(asked: &Asked, visitor: &Visitor, s: &AppState) -> Result<Period, PageError> {
    let d = &s.dispatcher;
    let lang = visitor.lang;
    let today = d.now().with_timezone(&d.config().city.timezone.0).date_naive();
    let bad = |message: String| PageError::new(lang, StatusCode::BAD_REQUEST, message);
    let date = |field: &str, text: &str, default: NaiveDate| {
        if text.is_empty() {
            return Ok(default);
        }
        NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            bad(format!(
                "{field}: `{text}` {}",
                lang.pick(
                    "不是日期，请写作 2026-06-01",
                    "is not a date; write it like 2026-06-01"
                )
            ))
        })
    };
    let to = date("to", &asked.to, today)?;
    let from = date(
        "from",
        &asked.from,
        to.checked_sub_days(Days::new(DEFAULT_DAYS - 1)).unwrap_or(to),
    )?;
    if from > to {
        return Err(bad(lang
            .pick("开始日期晚于结束日期。", "The period starts after it ends.")
            .to_owned()));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(bad(format!(
            "{} {MAX_DAYS}",
            lang.pick("时段最长天数：", "A period may span at most this many days:")
        )));
    }
    let grid = (!asked.grid.is_empty()).then(|| asked.grid.clone());
    if let Some(grid) = &grid {
        if !d.grids().grids().iter().any(|g| g.id.as_str() == grid) {
            return Err(PageError::new(
                lang,
                StatusCode::NOT_FOUND,
                format!("grid `{grid}`: {}", lang.pick("没有这个网格", "no such grid")),
            ));
        }
    }
    Ok(Period { from, to, grid })
}

/// One row of the indicators table, in words.
struct Row {
    grid: String,
    kind: String,
    total: bool,
    /// A row of cases from one source.
    by_source: bool,
    reported: usize,
    rates: [String; 7],
    medians: [String; 3],
}

/// A grid choice of the filter.
struct GridChoice {
    id: String,
    label: String,
    selected: bool,
}

#[derive(askama::Template)]
#[template(path = "analysis.html")]
struct AnalysisPage {
    frame: Frame,
    from: String,
    to: String,
    grids: Vec<GridChoice>,
    /// The period in words, and its query string for the CSV link.
    period: String,
    query: String,
    rows: Vec<Row>,
    per_day: String,
    by_grid: String,
    by_hour: String,
    spots: String,
    reported: usize,
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{:.0}%", r * 100.0))
}

fn span(lang: Lang, seconds: Option<f64>) -> String {
    seconds.map_or_else(|| "—".to_owned(), |s| span_words(lang, (s * 1000.0) as i64))
}

async fn page(
    State(s): State<AppState>,
    Overseer(visitor): Overseer,
    Query(asked): Query<Asked>,
) -> Response {
    let period = match period(&asked, &visitor, &s) {
        Ok(period) => period,
        Err(e) => return e.into_response(),
    };
    let d = &s.dispatcher;
    let lang = visitor.lang;
    let config = d.config();
    let tz = config.city.timezone.0;
    let (start, end) = local_period(tz, period.from, period.to);
    let grid = period.grid.as_deref();
    let (indicators, figures) = match tokio::try_join!(
        d.indicators(start, end, grid),
        d.figures(period.from, period.to, grid)
    ) {
        Ok(read) => read,
        Err(e) => return visitor.fail(e).into_response(),
    };
    let everywhere = lang.pick("全部", "All");
    let no_grid = lang.pick("网格外", "no grid");
    let rows = indicators
        .iter()
        .map(|i| {
            let total = i.kind.is_none() && i.source.is_none();
            Row {
                grid: match (&i.grid, i.kind.is_none()) {
                    (Some(g), _) => g.clone(),
                    (None, true) => everywhere.to_owned(),
                    (None, false) => no_grid.to_owned(),
                },
                kind: match (&i.kind, i.source) {
                    (Some(k), _) => kind_name(config, lang, k),
                    (None, Some(source)) => lang.source(source).to_owned(),
                    (None, None) => lang.pick("合计", "Total").to_owned(),
                },
                total,
                by_source: i.source.is_some(),
                reported: i.reported,
                rates: [
                    i.filing_rate,
                    i.dispatch_rate,
                    i.closing_rate,
                    i.on_time_rate,
                    i.rework_rate,
                    i.extension_rate,
                    i.recurrence_rate,
                ]
                .map(percent),
                medians: [i.median_to_dispatch_s, i.median_to_accept_s, i.median_to_close_s]
                    .map(|m| span(lang, m)),
            }
        })
        .collect();
    let page = AnalysisPage {
        frame: visitor.frame(lang.words().analysis, "/analysis"),
        from: period.from.to_string(),
        to: period.to.to_string(),
        grids: d
            .grids()
            .grids()
            .iter()
            .map(|g| GridChoice {
                id: g.id.to_string(),
                label: format!("{} {}", g.id, g.name),
                selected: grid == Some(g.id.as_str()),
            })
            .collect(),
        period: format!("{} — {}", period.from, period.to),
        query: period.query(),
        rows,
        reported: indicators.last().map_or(0, |t| t.reported),
        per_day: per_day(&figures, config, lang),
        by_grid: by_grid(&figures, config, lang, d.grids()),
        by_hour: by_hour(&figures, config, lang),
        spots: spots(&figures, config, lang),
    };
    render(&page)
}

fn kind_names(figures: &Figures, config: &gridwatch_core::config::Config, lang: Lang) -> Vec<String> {
    figures.kinds.iter().map(|k| kind_name(config, lang, k)).collect()
}

fn no_data(lang: Lang) -> &'static str {
    lang.pick("该时段没有案件。", "No cases in this period.")
}

fn per_day(figures: &Figures, config: &gridwatch_core::config::Config, lang: Lang) -> String {
    let days: Vec<String> = figures
        .days
        .iter()
        .map(|d| d.format("%m-%d").to_string())
        .collect();
    let days: Vec<&str> = days.iter().map(String::as_str).collect();
    let kinds = kind_names(figures, config, lang);
    let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
    charts::cases_per_day(
        &charts::DailyCases {
            days: &days,
            kinds: &kinds,
            counts: &figures.per_day,
        },
        &charts::ChartLabels {
            title: lang.pick("每日案件（按类型）", "Cases per day, by kind"),
            no_data: no_data(lang),
        },
    )
}

fn table_labels<'a>(lang: Lang, caption: &'a str, corner: &'a str) -> tables::TableLabels<'a> {
    tables::TableLabels {
        caption,
        corner,
        total: lang.pick("合计", "Total"),
        no_data: no_data(lang),
    }
}

fn by_grid(
    figures: &Figures,
    config: &gridwatch_core::config::Config,
    lang: Lang,
    grids: &crate::grid::GridMap,
) -> String {
    let rows: Vec<String> = figures
        .by_grid
        .iter()
        .map(|(grid, _)| match grid {
            Some(id) => grids
                .grids()
                .iter()
                .find(|g| g.id.as_str() == id)
                .map_or_else(|| id.clone(), |g| format!("{} {}", g.id, g.name)),
            None => lang.pick("网格外", "Outside every grid").to_owned(),
        })
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let counts: Vec<Vec<u32>> = figures.by_grid.iter().map(|(_, c)| c.clone()).collect();
    let kinds = kind_names(figures, config, lang);
    let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
    tables::heat_table(
        &tables::Counts {
            rows: &rows,
            columns: &kinds,
            counts: &counts,
        },
        &table_labels(
            lang,
            lang.pick("高发区域：网格 × 类型", "Hot spots: grid × kind"),
            lang.pick("网格", "Grid"),
        ),
    )
}

fn by_hour(figures: &Figures, config: &gridwatch_core::config::Config, lang: Lang) -> String {
    let kinds = kind_names(figures, config, lang);
    let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
    let caption = format!(
        "{} ({})",
        lang.pick("高发时段：时段 × 类型", "Hot hours: hour of day × kind"),
        config.city.timezone.0.name()
    );
    tables::hours_by_kind(
        &figures.by_hour,
        &kinds,
        &table_labels(lang, &caption, lang.pick("时段", "Hour")),
    )
}

fn spots(figures: &Figures, config: &gridwatch_core::config::Config, lang: Lang) -> String {
    let camera_name = |id: &str| {
        config
            .cameras
            .iter()
            .find(|c| c.id.as_str() == id)
            .and_then(|c| c.name.clone())
            .unwrap_or_else(|| id.to_owned())
    };
    let labels: Vec<(String, u32)> = figures
        .spots
        .iter()
        .map(|(spot, n)| {
            let label = match spot {
                Spot::Zone { camera, zone } => format!("{} · {zone}", camera_name(camera)),
                Spot::Place { camera, lat, lon } => format!("{} · {lat}, {lon}", camera_name(camera)),
            };
            (label, *n)
        })
        .collect();
    let spots: Vec<(&str, u32)> = labels.iter().map(|(l, n)| (l.as_str(), *n)).collect();
    charts::spot_bars(
        &spots,
        &charts::ChartLabels {
            title: lang.pick("反复发生点位（次数）", "Recurrence by spot (times)"),
            no_data: lang.pick("该时段没有反复发生的案件。", "No case recurred in this period."),
        },
    )
}

/// The indicators table as CSV, machine-readable: ids, rates as fractions, times in seconds.
async fn csv(State(s): State<AppState>, Overseer(visitor): Overseer, Query(asked): Query<Asked>) -> Response {
    let period = match period(&asked, &visitor, &s) {
        Ok(period) => period,
        Err(e) => return e.into_response(),
    };
    let d = &s.dispatcher;
    let (start, end) = local_period(d.config().city.timezone.0, period.from, period.to);
    let indicators = match d.indicators(start, end, period.grid.as_deref()).await {
        Ok(indicators) => indicators,
        Err(e) => return visitor.fail(e).into_response(),
    };
    let name = format!(
        "indicators-{}-{}{}.csv",
        period.from,
        period.to,
        period
            .grid
            .as_deref()
            .map(|g| format!("-{g}"))
            .unwrap_or_default()
    );
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        indicators_csv(&indicators),
    )
        .into_response()
}

const CSV_HEADER: &str =
    "grid,kind,reported,filing_rate,dispatch_rate,closing_rate,on_time_rate,rework_rate,\
extension_rate,recurrence_rate,median_to_dispatch_s,median_to_accept_s,median_to_close_s,source\n";

fn indicators_csv(rows: &[Indicators]) -> String {
    // Ids are `[A-Za-z0-9_-]` and the rest are numbers, so no field needs quoting; the rows by
    // source and the total have empty kind, and only the rows by source a source.
    let number = |v: Option<f64>| v.map(|v| format!("{v:.4}")).unwrap_or_default();
    let mut out = CSV_HEADER.to_owned();
    for i in rows {
        let fields = [
            i.grid.clone().unwrap_or_default(),
            i.kind.clone().unwrap_or_default(),
            i.reported.to_string(),
            number(i.filing_rate),
            number(i.dispatch_rate),
            number(i.closing_rate),
            number(i.on_time_rate),
            number(i.rework_rate),
            number(i.extension_rate),
            number(i.recurrence_rate),
            number(i.median_to_dispatch_s),
            number(i.median_to_accept_s),
            number(i.median_to_close_s),
            i.source.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        ];
        out += &fields.join(",");
        out.push('\n');
    }
    out
}
