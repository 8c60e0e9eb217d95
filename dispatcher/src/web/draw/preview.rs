//! A page with every drawing, from the demo city, to look at in a browser:
//! `cargo test -p gridwatch-dispatcher --lib draw::preview -- --ignored`, then open
//! /tmp/draw-preview.html (or screenshot it with headless chromium).

use std::{collections::HashMap, path::Path};

use gridwatch_core::{config::Config, CameraState, GeoPoint};

use super::{charts, map, tables};
use crate::{cases::state::State, grid::GridMap};

#[test]
#[ignore = "writes /tmp/draw-preview.html for a person to look at"]
fn write_the_preview_page() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/demo.toml");
    let loaded = Config::load(&demo).unwrap_or_else(|e| panic!("{e}"));
    let grids = GridMap::new(loaded.grids.clone());
    let open_cases: HashMap<_, _> = grids
        .grids()
        .iter()
        .zip([0, 2, 7, 23])
        .map(|(g, n)| (g.id.clone(), n))
        .collect();
    let healths = [
        Some(CameraState::Online),
        Some(CameraState::Offline),
        Some(CameraState::Stalled),
    ];
    let cameras: Vec<map::CameraMarker> = loaded
        .config
        .cameras
        .iter()
        .zip(healths)
        .map(|(c, health)| map::CameraMarker {
            id: &c.id,
            name: c.name.as_deref().unwrap_or(c.id.as_str()),
            lon: c.location.lon(),
            lat: c.location.lat(),
            health,
        })
        .collect();
    let case = |number, state, lon, lat| map::CaseMarker {
        number,
        state,
        kind: "占道经营",
        lon,
        lat,
    };
    let cases = [
        case(101, State::Reported, 119.2862, 26.0716),
        case(102, State::Dispatched, 119.2931, 26.0689),
        case(103, State::Handled, 119.2835, 26.0641),
        case(104, State::Rework, 119.2975, 26.0640),
    ];
    let labels = map::MapLabels {
        map: "城市地图 City map",
        open_cases: "待办案件 Open cases",
        cameras: "摄像头 Cameras",
        online: "在线 online",
        offline: "离线 offline",
        stalled: "卡顿 stalled",
        frozen: "画面冻结 frozen",
        dark: "黑屏或遮挡 dark or covered",
        moved: "视角偏移 moved",
        unknown: "未知 unknown",
        cases: "案件 Cases",
        waiting: "待审核 waiting",
        with_team: "处置中 with the team",
        handled: "待核查 handled",
        case: "案件",
    };
    let city = map::CityMap {
        grids: &grids,
        open_cases: &open_cases,
        cameras: &cameras,
        cases: &cases,
    };
    let links = map::MapLinks {
        grid: &|id| format!("/grids/{id}"),
        case: &|n| format!("/cases/{n}"),
        camera: &|id| format!("/cameras#{id}"),
    };

    let kinds = ["占道经营", "非机动车乱停放", "露天烧烤"];
    let days: Vec<String> = (1..=30).map(|d| format!("05-{d:02}")).collect();
    let days: Vec<&str> = days.iter().map(String::as_str).collect();
    let per_day: Vec<Vec<u32>> = (0..30u32)
        .map(|d| vec![(d * 7) % 9, (d * 5) % 6, u32::from(d % 4 == 0) * 3])
        .collect();
    let chart_labels = charts::ChartLabels {
        title: "每日案件 Cases per day",
        no_data: "暂无数据 No data",
    };
    let by_grid: Vec<Vec<u32>> = vec![vec![12, 3, 0], vec![4, 9, 1], vec![0, 2, 7], vec![21, 5, 3]];
    let grid_rows: Vec<&str> = grids.grids().iter().map(|g| g.id.as_str()).collect();
    let by_hour: Vec<Vec<u32>> = (0..24u32)
        .map(|h| vec![(h * 3) % 7, (h + 2) % 5, h.saturating_sub(17)])
        .collect();
    let table = |caption, corner| tables::TableLabels {
        caption,
        corner,
        total: "合计 Total",
        no_data: "暂无数据",
    };

    let page = format!(
        r#"<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<style>body{{font-family:"Noto Sans CJK SC",sans-serif;margin:1rem;color:#1f2937}} .row{{display:flex;flex-wrap:wrap;gap:1.5rem}}
.row>*{{flex:1 1 320px;min-width:0}} .map{{flex:3 1 320px}} .legend{{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.2rem 1rem;margin:.2rem 0 .8rem}}
.legend-title{{margin:.3rem 0;font-weight:600}} a .grid:hover{{stroke-width:4}} table.heat th,table.heat td{{border:1px solid #e5e7eb}}</style>
<h1>指挥中心 Command centre</h1><div class="row"><div class="map">{}</div><div>{}<h3>任务 Task #101</h3><div style="max-width:300px">{}</div></div></div>
<h2>分析研判 Analysis</h2><div class="row"><div>{}</div><div>{}</div></div><div class="row"><div>{}</div><div>{}</div><div>{}</div></div>"#,
        map::city_map(&city, &links, &labels),
        map::map_legend(&labels),
        map::mini_map(
            &[&grids.grids()[0]],
            Some("G01"),
            GeoPoint::new(119.2862, 26.0716).unwrap()
        ),
        charts::cases_per_day(
            &charts::DailyCases {
                days: &days,
                kinds: &kinds,
                counts: &per_day
            },
            &chart_labels
        ),
        charts::spot_bars(
            &[
                ("解放路菜市场北口", 14),
                ("Market St east pavement", 9),
                ("南门小学", 4)
            ],
            &charts::ChartLabels {
                title: "重复发生点位 Recurrence by spot",
                ..chart_labels.clone()
            }
        ),
        tables::heat_table(
            &tables::Counts {
                rows: &grid_rows,
                columns: &kinds,
                counts: &by_grid
            },
            &table("网格 × 类型", "网格")
        ),
        tables::hours_by_kind(&by_hour, &kinds, &table("时段 × 类型", "时段")),
        charts::cases_per_day(
            &charts::DailyCases {
                days: &[],
                kinds: &kinds,
                counts: &[]
            },
            &chart_labels
        ),
    );
    std::fs::write("/tmp/draw-preview.html", page).unwrap();
}
