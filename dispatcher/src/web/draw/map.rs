//! The city map for the command centre, and a task's mini map for a grid member's phone: grids
//! shaded by their open cases, cameras by their health, cases by where they stand in the loop.
//!
//! The view fits the grids (a camera or case outside every grid may fall off the edge: the
//! unassigned queue lists those). A place that is not a number is left out, never drawn at 0,0.

use std::{collections::HashMap, fmt::Write};

use gridwatch_core::{config::Grid, CameraId, CameraState, GeoPoint, GridId};

use super::{
    markup::{escape, num},
    projection::{Bounds, Projection},
    scale::open_case_fill,
};
use crate::{cases::state::State, grid::GridMap};

/// The city map's width in drawing units; its height follows the grids' shape.
const MAP_WIDTH: f64 = 1000.0;
const MAP_MARGIN: f64 = 24.0;
const MINI_WIDTH: f64 = 300.0;
const MINI_HEIGHT: f64 = 200.0;

/// A camera as the map shows it.
#[derive(Debug, Clone)]
pub struct CameraMarker<'a> {
    pub id: &'a CameraId,
    pub name: &'a str,
    pub lon: f64,
    pub lat: f64,
    /// `None`: nothing heard from the camera yet.
    pub health: Option<CameraState>,
}

/// An open case as the map shows it.
#[derive(Debug, Clone)]
pub struct CaseMarker<'a> {
    pub number: i64,
    pub state: State,
    /// The kind, in the page's language.
    pub kind: &'a str,
    pub lon: f64,
    pub lat: f64,
}

/// What the city map shows.
pub struct CityMap<'a> {
    pub grids: &'a GridMap,
    /// Open cases per grid; a grid not listed has none.
    pub open_cases: &'a HashMap<GridId, u32>,
    pub cameras: &'a [CameraMarker<'a>],
    pub cases: &'a [CaseMarker<'a>],
}

/// Where the map's grids and cases link to (the pages own their routes).
pub struct MapLinks<'a> {
    pub grid: &'a dyn Fn(&GridId) -> String,
    pub case: &'a dyn Fn(i64) -> String,
    pub camera: &'a dyn Fn(&CameraId) -> String,
}

/// The words the map and its legend use, in the page's language.
#[derive(Debug, Clone)]
pub struct MapLabels<'a> {
    /// The map as a whole, for screen readers ("City map").
    pub map: &'a str,
    /// The grid shading's legend heading ("Open cases").
    pub open_cases: &'a str,
    pub cameras: &'a str,
    pub online: &'a str,
    pub offline: &'a str,
    pub stalled: &'a str,
    pub frozen: &'a str,
    pub dark: &'a str,
    pub moved: &'a str,
    pub unknown: &'a str,
    /// The case markers' legend heading ("Cases").
    pub cases: &'a str,
    /// Reported, filed, returned or reopened: the command centre's move.
    pub waiting: &'a str,
    /// Dispatched, accepted or sent back for rework: the grid team's move.
    pub with_team: &'a str,
    /// Reported handled or verified, not yet closed.
    pub handled: &'a str,
    /// Before a case's number ("Case" → "Case #12").
    pub case: &'a str,
}

/// Where a case stands, as the map colours it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseGroup {
    Waiting,
    WithTeam,
    Handled,
}

impl CaseGroup {
    /// The group of a case in `state`; `None` once it has ended (voided or closed): not drawn.
    pub fn of(state: State) -> Option<CaseGroup> {
        match state {
            State::Reported | State::Filed | State::Returned | State::Reopened => Some(CaseGroup::Waiting),
            State::Dispatched | State::Accepted | State::Rework => Some(CaseGroup::WithTeam),
            State::Handled | State::Verified => Some(CaseGroup::Handled),
            State::Voided | State::Closed => None,
        }
    }

    pub(super) fn class(self) -> &'static str {
        match self {
            CaseGroup::Waiting => "waiting",
            CaseGroup::WithTeam => "with-team",
            CaseGroup::Handled => "handled",
        }
    }

    pub(super) fn fill(self) -> &'static str {
        match self {
            CaseGroup::Waiting => "#1d4ed8",
            CaseGroup::WithTeam => "#7e22ce",
            CaseGroup::Handled => "#0f766e",
        }
    }

    pub(super) fn label<'a>(self, labels: &MapLabels<'a>) -> &'a str {
        match self {
            CaseGroup::Waiting => labels.waiting,
            CaseGroup::WithTeam => labels.with_team,
            CaseGroup::Handled => labels.handled,
        }
    }
}

/// A camera's health as (CSS class, fallback fill, label).
pub(super) fn health<'a>(
    state: Option<CameraState>,
    labels: &MapLabels<'a>,
) -> (&'static str, &'static str, &'a str) {
    match state {
        Some(CameraState::Online) => ("online", "#15803d", labels.online),
        Some(CameraState::Offline) => ("offline", "#dc2626", labels.offline),
        Some(CameraState::Stalled) => ("stalled", "#d97706", labels.stalled),
        Some(CameraState::Frozen) => ("frozen", "#0e7490", labels.frozen),
        Some(CameraState::Dark) => ("dark", "#111827", labels.dark),
        Some(CameraState::Moved) => ("moved", "#c026d3", labels.moved),
        None => ("unknown", "#6b7280", labels.unknown),
    }
}

/// The city map as an inline `<svg>`.
pub fn city_map(map: &CityMap, links: &MapLinks, labels: &MapLabels) -> String {
    let grids = map.grids.grids();
    let Some(bounds) = Bounds::of(grids.iter().flat_map(|g| g.area.rings().flatten())) else {
        return format!(
            r#"<svg class="city-map" viewBox="0 0 {MAP_WIDTH} 100" width="100%" role="img" aria-label="{}"></svg>"#,
            escape(labels.map)
        );
    };
    let height = (MAP_MARGIN * 2.0 + (MAP_WIDTH - MAP_MARGIN * 2.0) * bounds.aspect()).clamp(300.0, 1500.0);
    let projection = Projection::fit(&bounds, MAP_WIDTH, height, MAP_MARGIN);
    let mut svg = format!(
        r#"<svg class="city-map" viewBox="0 0 {MAP_WIDTH} {h}" width="100%" role="img" aria-label="{label}" font-family="sans-serif">"#,
        h = num(height),
        label = escape(labels.map),
    );
    for grid in grids {
        let count = map.open_cases.get(&grid.id).copied().unwrap_or(0);
        let title = format!("{} {} · {}: {count}", grid.id, grid.name, labels.open_cases);
        let _ = write!(
            svg,
            r##"<a class="grid-link" href="{href}"><title>{title}</title><path class="grid" data-open="{count}" d="{d}" fill="{fill}" fill-rule="evenodd" stroke="#57534e" stroke-width="1.5"/>"##,
            href = escape(&(links.grid)(&grid.id)),
            title = escape(&title),
            d = path(grid, &projection),
            fill = open_case_fill(count),
        );
        if let Some([x, y]) = label_at(grid, &projection) {
            let _ = write!(
                svg,
                r##"<text class="grid-label" x="{}" y="{}" font-size="34" font-weight="600" text-anchor="middle" dominant-baseline="middle" fill="#292524" stroke="#fff" stroke-width="4" paint-order="stroke">{}</text>"##,
                num(x),
                num(y),
                escape(grid.id.as_str())
            );
        }
        svg.push_str("</a>");
    }
    // Cameras first, so that the cases (often at a camera's own spot) stay on top, clickable.
    for camera in map.cameras {
        let Some([x, y]) = projection.point(camera.lon, camera.lat) else {
            continue;
        };
        let (class, fill, word) = health(camera.health, labels);
        let title = format!("{} ({}) · {word}", camera.name, camera.id);
        let _ = write!(
            svg,
            r##"<a class="cam-link" href="{href}"><g class="cam {class}"><title>{title}</title><rect x="{x}" y="{y}" width="26" height="26" rx="5" fill="{fill}" stroke="#fff" stroke-width="2"/><circle cx="{cx}" cy="{cy}" r="5" fill="#fff"/></g></a>"##,
            href = escape(&(links.camera)(camera.id)),
            title = escape(&title),
            x = num(x - 13.0),
            y = num(y - 13.0),
            cx = num(x),
            cy = num(y),
        );
    }
    for case in map.cases {
        let (Some(group), Some([x, y])) = (CaseGroup::of(case.state), projection.point(case.lon, case.lat))
        else {
            continue;
        };
        let title = format!(
            "{} #{} · {} · {}",
            labels.case,
            case.number,
            case.kind,
            group.label(labels)
        );
        let _ = write!(
            svg,
            r##"<a class="case {class}" href="{href}"><title>{title}</title><circle cx="{x}" cy="{y}" r="10" fill="{fill}" stroke="#fff" stroke-width="2.5"/></a>"##,
            class = group.class(),
            href = escape(&(links.case)(case.number)),
            title = escape(&title),
            x = num(x),
            y = num(y),
            fill = group.fill(),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Where a grid's id is written: a point inside its area, projected.
fn label_at(grid: &Grid, projection: &Projection) -> Option<[f64; 2]> {
    grid.area
        .label_point()
        .and_then(|p| projection.point(p.lon(), p.lat()))
}

/// A small map (300 × 200) for a task on a phone: the grids around, the case's own (`own`)
/// shaded, each labelled, and one pin at `point`. The view fits the pin and the own grid.
pub fn mini_map(grids: &[&Grid], own: Option<&str>, point: GeoPoint) -> String {
    let is_own = |g: &Grid| own == Some(g.id.as_str());
    let corners = grids
        .iter()
        .filter(|g| is_own(g))
        .flat_map(|g| g.area.rings().flatten());
    let bounds = Bounds::of(corners.chain([[point.lon(), point.lat()]]))
        .expect("the pin is a valid place, so there is at least one point");
    let projection = Projection::fit(&bounds, MINI_WIDTH, MINI_HEIGHT, 16.0);
    let mut svg = format!(
        r#"<svg class="mini-map" viewBox="0 0 {MINI_WIDTH} {MINI_HEIGHT}" width="100%" role="img" font-family="sans-serif">"#
    );
    for grid in grids {
        let fill = if is_own(grid) { "#fde68a" } else { "#f7f4ea" };
        let _ = write!(
            svg,
            r##"<path class="grid" d="{}" fill="{fill}" fill-rule="evenodd" stroke="#57534e" stroke-width="1.5"><title>{}</title></path>"##,
            path(grid, &projection),
            escape(&format!("{} {}", grid.id, grid.name))
        );
        if let Some([x, y]) = label_at(grid, &projection) {
            let _ = write!(
                svg,
                r##"<text class="grid-label" x="{}" y="{}" font-size="14" font-weight="600" text-anchor="middle" fill="#57534e">{}</text>"##,
                num(x),
                num(y + 22.0),
                escape(grid.id.as_str())
            );
        }
    }
    if let Some([x, y]) = projection.point(point.lon(), point.lat()) {
        // A teardrop pin whose tip is on the place.
        let _ = write!(
            svg,
            r##"<path class="pin" d="M{x} {y} l-9 -15 a10.5 10.5 0 1 1 18 0 z" fill="#dc2626" stroke="#fff" stroke-width="2"/><circle cx="{x}" cy="{cy}" r="3.5" fill="#fff"/>"##,
            x = num(x),
            y = num(y),
            cy = num(y - 21.0),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A grid's rings as one SVG path (holes cut out by the even-odd rule); points that are not
/// numbers are left out of their ring.
fn path(grid: &Grid, projection: &Projection) -> String {
    let mut d = String::new();
    for ring in grid.area.rings() {
        let points: Vec<[f64; 2]> = ring.filter_map(|[lon, lat]| projection.point(lon, lat)).collect();
        if points.len() < 3 {
            continue;
        }
        for (i, [x, y]) in points.iter().enumerate() {
            let _ = write!(d, "{}{} {}", if i == 0 { "M" } else { "L" }, num(*x), num(*y));
        }
        d.push('Z');
    }
    d
}

mod legend;
#[cfg(test)]
mod tests;

pub use legend::map_legend;
