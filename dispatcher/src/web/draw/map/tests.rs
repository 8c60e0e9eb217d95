use std::collections::HashMap;

use gridwatch_core::{config::Grid, CameraId, CameraState, GeoPoint, GeoPolygon, GridId};

use super::*;
use crate::web::draw::scale::OPEN_CASE_CLASSES;
use crate::{cases::state::State, grid::GridMap};

fn rect(id: &str, name: &str, [w, s, e, n]: [f64; 4]) -> Grid {
    let json = format!(
        r#"{{"type":"Polygon","coordinates":[[[{w},{s}],[{e},{s}],[{e},{n}],[{w},{n}],[{w},{s}]]]}}"#
    );
    Grid {
        id: GridId::new(id).unwrap(),
        name: name.into(),
        area: GeoPolygon::from_geojson(&json.parse().unwrap()).unwrap(),
    }
}

fn city() -> GridMap {
    GridMap::new(vec![
        rect("G01", "Beimen", [119.28, 26.0675, 119.29, 26.075]),
        rect("G02", r#"Dong <"jie"> & co"#, [119.29, 26.0675, 119.30, 26.075]),
        rect("G03", "Xiqiao", [119.28, 26.06, 119.29, 26.0675]),
    ])
}

const LABELS: MapLabels<'static> = MapLabels {
    map: "City map",
    open_cases: "Open cases",
    cameras: "Cameras",
    online: "online",
    offline: "offline",
    stalled: "stalled",
    frozen: "frozen",
    dark: "dark or covered",
    moved: "moved",
    unknown: "unknown",
    cases: "Cases",
    waiting: "waiting for review",
    with_team: "with the team",
    handled: "handled",
    case: "Case",
};

fn draw(grids: &GridMap, cameras: &[CameraMarker], cases: &[CaseMarker], counts: &[(&str, u32)]) -> String {
    let open_cases: HashMap<GridId, u32> = counts
        .iter()
        .map(|(g, n)| (GridId::new(*g).unwrap(), *n))
        .collect();
    let map = CityMap {
        grids,
        open_cases: &open_cases,
        cameras,
        cases,
    };
    let links = MapLinks {
        grid: &|id| format!("/grids/{id}?tab=cases&view=map"),
        case: &|n| format!("/cases/{n}"),
        camera: &|id| format!("/cameras#{id}"),
    };
    city_map(&map, &links, &LABELS)
}

/// The `fill` of the `<path>` drawn for grid `id`.
fn grid_fill(svg: &str, id: &str) -> String {
    let link = svg.find(&format!("/grids/{id}?")).unwrap();
    let fill = &svg[link..][svg[link..].find(" fill=\"").unwrap() + 7..];
    fill[..fill.find('"').unwrap()].to_owned()
}

#[test]
fn the_north_west_corner_of_the_city_is_at_the_top_left_margin() {
    let svg = draw(&city(), &[], &[], &[]);
    let (w, s, e, n) = (119.28, 26.06, 119.30, 26.075);
    let k = ((s + n) / 2.0_f64).to_radians().cos();
    let height = 2.0 * MAP_MARGIN + (MAP_WIDTH - 2.0 * MAP_MARGIN) * (n - s) / ((e - w) * k);
    assert!(
        svg.starts_with(&format!(
            r#"<svg class="city-map" viewBox="0 0 1000 {}""#,
            num(height)
        )),
        "{svg}"
    );
    // G01's first ring point is its south-west corner, 119.28 E 26.0675 N: on the left margin,
    // half-way down the city.
    let y = MAP_MARGIN + (height - 2.0 * MAP_MARGIN) / 2.0;
    assert!(svg.contains(&format!(r#"d="M24 {}L"#, num(y))), "{svg}");
    // G03's first point is the city's south-west corner, on the bottom margin.
    assert!(
        svg.contains(&format!(r#"d="M24 {}L"#, num(height - MAP_MARGIN))),
        "{svg}"
    );
}

#[test]
fn every_grid_camera_and_case_is_drawn_once_with_its_link_and_title() {
    let (a, b) = (
        CameraId::new("market-st").unwrap(),
        CameraId::new("east-gate").unwrap(),
    );
    let cameras = [
        CameraMarker {
            id: &a,
            name: "Market Street",
            lon: 119.285,
            lat: 26.07,
            health: Some(CameraState::Offline),
        },
        CameraMarker {
            id: &b,
            name: "East gate",
            lon: 119.295,
            lat: 26.07,
            health: None,
        },
    ];
    let case = |number, state| CaseMarker {
        number,
        state,
        kind: "street vending",
        lon: 119.286,
        lat: 26.071,
    };
    let cases = [
        case(7, State::Reported),
        case(8, State::Accepted),
        case(9, State::Verified),
        case(10, State::Closed),
    ];
    let svg = draw(&city(), &cameras, &cases, &[("G01", 2)]);

    for id in ["G01", "G02", "G03"] {
        assert_eq!(
            svg.matches(&format!(r#"href="/grids/{id}?tab=cases&amp;view=map""#))
                .count(),
            1,
            "{id}"
        );
        assert_eq!(svg.matches(&format!(">{id}</text>")).count(), 1, "{id} label");
    }
    assert!(svg.contains("<title>G01 Beimen · Open cases: 2</title>"));
    assert!(svg.contains("<title>G03 Xiqiao · Open cases: 0</title>"));
    assert_eq!(
        svg.matches(r#"<g class="cam offline"><title>Market Street (market-st) · offline</title>"#)
            .count(),
        1
    );
    assert_eq!(
        svg.matches(r#"<g class="cam unknown"><title>East gate (east-gate) · unknown</title>"#)
            .count(),
        1
    );
    for (n, class, word) in [
        (7, "waiting", "waiting for review"),
        (8, "with-team", "with the team"),
        (9, "handled", "handled"),
    ] {
        let marker = format!(
            r#"<a class="case {class}" href="/cases/{n}"><title>Case #{n} · street vending · {word}</title>"#
        );
        assert_eq!(svg.matches(&marker).count(), 1, "{marker}\n{svg}");
    }
    assert!(!svg.contains("/cases/10"), "a closed case is not on the map");
    assert!(svg.contains(r#"<a class="cam-link" href="/cameras#market-st"><g class="cam offline">"#));
    assert!(
        svg.rfind("<g class=\"cam ").unwrap() < svg.find("<a class=\"case ").unwrap(),
        "cases are drawn over the cameras, so they stay clickable"
    );
    assert_eq!(svg.matches("<g class=\"cam ").count(), 2);
    assert_eq!(svg.matches("<a class=\"case ").count(), 3);
}

#[test]
fn names_from_configuration_are_escaped() {
    let id = CameraId::new("c1").unwrap();
    let cameras = [CameraMarker {
        id: &id,
        name: r#"<script>"x"&"#,
        lon: 119.29,
        lat: 26.07,
        health: None,
    }];
    let svg = draw(&city(), &cameras, &[], &[]);
    assert!(svg.contains("G02 Dong &lt;&quot;jie&quot;&gt; &amp; co"), "{svg}");
    assert!(svg.contains("&lt;script&gt;&quot;x&quot;&amp; (c1)"), "{svg}");
    assert!(!svg.contains("<script") && !svg.contains(r#""jie""#));
    let legend = map_legend(&MapLabels {
        open_cases: "<b>",
        ..LABELS
    });
    assert!(legend.contains("&lt;b&gt;") && !legend.contains("<b>"));
}

#[test]
fn a_grid_with_more_open_cases_is_drawn_deeper() {
    let svg = draw(&city(), &[], &[], &[("G01", 12), ("G02", 1)]);
    let rank = |fill: String| OPEN_CASE_CLASSES.iter().position(|(_, f)| *f == fill).unwrap();
    let (g01, g02, g03) = (
        rank(grid_fill(&svg, "G01")),
        rank(grid_fill(&svg, "G02")),
        rank(grid_fill(&svg, "G03")),
    );
    assert!(g01 > g02 && g02 > g03, "{g01} {g02} {g03}");
    let legend = map_legend(&LABELS);
    for range in [">0</li>", ">1–2</li>", ">3–5</li>", ">20+</li>"] {
        assert!(legend.contains(range), "{range} in {legend}");
    }
}

#[test]
fn places_that_are_not_numbers_are_left_out() {
    let id = CameraId::new("c1").unwrap();
    let cameras = [CameraMarker {
        id: &id,
        name: "lost",
        lon: f64::NAN,
        lat: 26.07,
        health: None,
    }];
    let cases = [
        CaseMarker {
            number: 1,
            state: State::Filed,
            kind: "k",
            lon: 119.285,
            lat: f64::INFINITY,
        },
        CaseMarker {
            number: 2,
            state: State::Filed,
            kind: "k",
            lon: 119.285,
            lat: 26.07,
        },
    ];
    let svg = draw(&city(), &cameras, &cases, &[]);
    assert!(!svg.contains("lost") && !svg.contains("/cases/1\""), "{svg}");
    assert!(svg.contains("/cases/2\""));
    assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");

    let empty = draw(&GridMap::new(vec![]), &cameras, &cases, &[]);
    assert!(empty.starts_with("<svg") && empty.ends_with("</svg>"), "{empty}");
}

#[test]
fn the_mini_map_shows_the_grid_and_a_pin_on_the_place() {
    let grids = city();
    let g01 = &grids.grids()[0];
    let g02 = &grids.grids()[1];
    let svg = mini_map(
        &[g01, g02],
        Some("G01"),
        GeoPoint::new(119.285, 26.07125).unwrap(),
    );
    assert!(svg.contains(r#"viewBox="0 0 300 200""#));
    assert_eq!(svg.matches(r#"class="grid""#).count(), 2);
    assert!(svg.contains("<title>G01 Beimen</title>"));
    // The case's own grid is shaded, its neighbour not.
    assert_eq!(svg.matches("#fde68a").count(), 1);
    // The pin's tip is the grid's centre, the middle of the drawing.
    assert!(svg.contains(r#"class="pin" d="M150 100 "#), "{svg}");
}
