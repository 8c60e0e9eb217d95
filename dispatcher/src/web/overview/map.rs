//! The city map (/map): the grids shaded by their open cases, the cameras by their health, the
//! open cases by where they stand; beside it the legend, the grids' open and overdue counts, and
//! the cameras that need attention.

use std::collections::HashMap;

use axum::{
    extract::State,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use gridwatch_core::{CameraState, GridId};

use super::{camera_state, health_words, kind_name, local_time, Overseer};
use crate::{
    api::AppState,
    queries::UNASSIGNED,
    web::{
        draw::map::{self, CameraMarker, CaseMarker, CityMap, MapLabels, MapLinks},
        i18n::Lang,
        render, Frame,
    },
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/map", get(page))
}

/// One grid's line in the table beside the map.
struct GridRow {
    id: String,
    name: String,
    open: i64,
    overdue: i64,
    /// The case list filtered to this grid.
    href: String,
}

/// A camera that is not online, for the list beside the map.
struct Attention {
    id: String,
    name: String,
    class: &'static str,
    word: &'static str,
    since: String,
}

#[derive(askama::Template)]
#[template(path = "map.html")]
struct MapPage {
    frame: Frame,
    map: String,
    legend: String,
    grids: Vec<GridRow>,
    open: i64,
    overdue: i64,
    attention: Vec<Attention>,
}

fn labels(lang: Lang) -> MapLabels<'static> {
    match lang {
        Lang::Zh => MapLabels {
            map: "城市网格地图",
            open_cases: "在办案件",
            cameras: "摄像头",
            online: "在线",
            offline: "离线",
            stalled: "卡顿",
            frozen: "画面冻结",
            dark: "黑屏或遮挡",
            moved: "视角偏移",
            unknown: "未上报",
            cases: "案件",
            waiting: "待指挥中心处理",
            with_team: "网格处置中",
            handled: "已处置待结案",
            case: "案件",
        },
        Lang::En => MapLabels {
            map: "City map of the grids",
            open_cases: "Open cases",
            cameras: "Cameras",
            online: "online",
            offline: "offline",
            stalled: "stalled",
            frozen: "frozen",
            dark: "dark or covered",
            moved: "moved",
            unknown: "not reported",
            cases: "Cases",
            waiting: "waiting for the command centre",
            with_team: "with the grid team",
            handled: "handled, not yet closed",
            case: "Case",
        },
    }
}

fn grid_href(grid: &str) -> String {
    format!(
        "/centre?{}",
        form_urlencoded::Serializer::new(String::new())
            .append_pair("grid", grid)
            .finish()
    )
}

async fn page(State(s): State<AppState>, Overseer(visitor): Overseer) -> Response {
    let d = &s.dispatcher;
    let lang = visitor.lang;
    let (loads, places, health) = match tokio::try_join!(d.grid_loads(), d.open_places(), d.camera_health()) {
        Ok(read) => read,
        Err(e) => return visitor.fail(e).into_response(),
    };
    let open_cases: HashMap<GridId, u32> = loads
        .iter()
        .filter_map(|l| {
            let id = GridId::new(l.grid.as_deref()?).ok()?;
            Some((id, u32::try_from(l.open).unwrap_or(u32::MAX)))
        })
        .collect();
    let config = d.config();
    let states: Vec<(
        Option<CameraState>,
        Option<&crate::store::cameras::CameraHealthRow>,
    )> = config
        .cameras
        .iter()
        .map(|c| {
            let row = health.iter().find(|h| h.camera == c.id.as_str());
            (row.and_then(|h| camera_state(&h.state)), row)
        })
        .collect();
    let cameras: Vec<CameraMarker> = config
        .cameras
        .iter()
        .zip(&states)
        .map(|(c, (state, _))| CameraMarker {
            id: &c.id,
            name: c.name.as_deref().unwrap_or(c.id.as_str()),
            lon: c.location.lon(),
            lat: c.location.lat(),
            health: *state,
        })
        .collect();
    let kind_names: Vec<String> = places.iter().map(|p| kind_name(config, lang, &p.kind)).collect();
    let cases: Vec<CaseMarker> = places
        .iter()
        .zip(&kind_names)
        .map(|(p, kind)| CaseMarker {
            number: p.number,
            state: p.state,
            kind,
            lon: p.lon,
            lat: p.lat,
        })
        .collect();
    let labels = labels(lang);
    let drawn = map::city_map(
        &CityMap {
            grids: d.grids(),
            open_cases: &open_cases,
            cameras: &cameras,
            cases: &cases,
        },
        &MapLinks {
            grid: &|id| grid_href(id.as_str()),
            case: &|n| format!("/cases/{n}"),
            camera: &|id| format!("/cameras#camera-{id}"),
        },
        &labels,
    );
    let load_of = |grid: Option<&str>| {
        loads
            .iter()
            .find(|l| l.grid.as_deref() == grid)
            .map_or((0, 0), |l| (l.open, l.overdue))
    };
    let mut grids: Vec<GridRow> = d
        .grids()
        .grids()
        .iter()
        .map(|g| {
            let (open, overdue) = load_of(Some(g.id.as_str()));
            GridRow {
                id: g.id.to_string(),
                name: g.name.clone(),
                open,
                overdue,
                href: grid_href(g.id.as_str()),
            }
        })
        .collect();
    // Cases outside every grid wait in the command centre's own queue.
    let (open, overdue) = load_of(None);
    if open > 0 {
        grids.push(GridRow {
            id: "—".to_owned(),
            name: lang.pick("网格外", "Outside every grid").to_owned(),
            open,
            overdue,
            href: grid_href(UNASSIGNED),
        });
    }
    let attention = config
        .cameras
        .iter()
        .zip(&states)
        .filter(|(_, (state, _))| *state != Some(CameraState::Online))
        .map(|(c, (state, row))| {
            let (class, word) = health_words(*state, lang);
            Attention {
                id: c.id.to_string(),
                name: c.name.clone().unwrap_or_else(|| c.id.to_string()),
                class,
                word,
                since: row
                    .and_then(|h| chrono::DateTime::from_timestamp_millis(h.since))
                    .map(|at| local_time(config, at))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let page = MapPage {
        frame: visitor.frame(lang.words().map, "/map"),
        legend: map::map_legend(&labels),
        map: drawn,
        open: loads.iter().map(|l| l.open).sum(),
        overdue: loads.iter().map(|l| l.overdue).sum(),
        grids,
        attention,
    };
    render(&page)
}
