//! The command centre's overview pages over real HTTP, on SQLite and PostgreSQL: the map (grids
//! with their open cases, cameras by health, case markers), the cameras (health and zones over a
//! frame) and the analysis (indicators and heat tables that count the cases posted, with period
//! and grid filters and a CSV), who may see them, and both languages.

mod common;

use common::{evidence::*, web::*, *};
use gridwatch_core::{config::Role, EvidenceKind, PipelineEvent, Sha256Hex};
use reqwest::{header, StatusCode};
use serde_json::json;

/// cam-1 in G01 with two zones, cam-2 in G02 without any.
const CAMERAS_WITH_ZONES: &str = r#"
[[cameras]]
id = "cam-1"
name = "Market corner"
uri = "rtsp://10.0.0.5/sub"
location = { lon = 119.002, lat = 26.002 }
zones = [
  { id = "pavement", role = "sidewalk", points = [[10, 170], [310, 170], [300, 100], [20, 100]] },
  { id = "bay-1", role = "parking_bay", points = [[100, 60], [200, 60], [200, 90], [100, 90]] },
]

[[cameras]]
id = "cam-2"
uri = "rtsp://10.0.0.6/sub"
location = { lon = 119.012, lat = 26.002 }
decode = { fps = 2 }
"#;

/// The accounts of every role that sees the overview, and a member who does not.
const OVERVIEW_ACCOUNTS: [(&str, Role); 4] = [
    ("desk", Role::Command),
    ("boss", Role::Admin),
    ("reviewer", Role::Auditor),
    ("g01-officer", Role::Member),
];

impl Town {
    /// Posts a pipeline event (a camera's health) as the camera gateway.
    async fn post(&self, event: &PipelineEvent) -> serde_json::Value {
        let response = http()
            .post(format!("{}/api/v1/events", self.base))
            .bearer_auth("ingest")
            .json(event)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        response.json().await.unwrap()
    }

    /// A case of `kind` from `camera` at `x` degrees east of the town's corner (cases 0.001°,
    /// about 100 m, apart do not merge); 0.9 confidence files and dispatches vending at once.
    async fn case(&self, kind: &str, camera: &str, x: f64, track: u64, confidence: f64) -> String {
        let v = violation(kind, camera, None, track, place(x, 0.002), confidence);
        report(&self.base, &v).await
    }

    /// A case from cam-1 with a 320×180 frame of it in the evidence folder; its frame's digest.
    async fn case_with_frame(&self, track: u64) -> (String, Sha256Hex) {
        let mut v = violation(
            "out_of_line_parking",
            "cam-1",
            None,
            track,
            place(0.0085, 0.002),
            0.5,
        );
        let path = format!("2026-06-01/cam-1/{}/frame.jpg", v.id);
        let frame = sealed(
            self.evidence.path(),
            &path,
            EvidenceKind::Frame,
            "image/jpeg",
            &jpeg(320, 180, 0),
        );
        let sha256 = frame.sha256.clone();
        v.evidence = vec![frame];
        (report(&self.base, &v).await, sha256)
    }

    /// 3 vending cases (filed and dispatched) and 1 parking case (waiting for review) in G01, 1
    /// vending case in G02.
    async fn with_cases(&self) {
        for (i, x) in [0.001, 0.003, 0.005].into_iter().enumerate() {
            self.case("street_vending", "cam-1", x, i as u64 + 1, 0.9).await;
        }
        self.case("out_of_line_parking", "cam-1", 0.007, 10, 0.5).await;
        self.case("street_vending", "cam-2", 0.015, 20, 0.9).await;
    }
}

/// The `<tr>` that starts with `start`, up to its end.
fn row<'a>(html: &'a str, start: &str) -> &'a str {
    let at = html
        .find(start)
        .unwrap_or_else(|| panic!("no row {start} in\n{html}"));
    let row = &html[at..];
    &row[..row.find("</tr>").unwrap()]
}

/// The `data-count` of each heat cell in `row`.
fn counts(row: &str) -> Vec<u32> {
    row.split("data-count=\"")
        .skip(1)
        .map(|c| c[..c.find('"').unwrap()].parse().unwrap())
        .collect()
}

/// The texts of a table row's `<td>`s.
fn cells(row: &str) -> Vec<String> {
    row.split("<td")
        .skip(1)
        .map(|c| {
            let c = &c[c.find('>').unwrap() + 1..];
            c[..c.find("</td>").unwrap()].to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_map_shows_every_grid_with_its_open_cases_every_camera_by_health_and_links_each_case() {
    for backend in backends().await {
        let db = backend.name();
        let town = town_with(&backend, CAMERAS_WITH_ZONES, &OVERVIEW_ACCOUNTS).await;
        town.with_cases().await;
        town.post(
            &serde_json::from_value(json!({
                "type": "camera_health", "camera": "cam-2", "state": "offline",
                "at": "2026-06-01T01:55:00Z", "detail": "Could not open resource for reading."
            }))
            .unwrap(),
        )
        .await;
        let desk = Browser::sign_in(&town.base, "desk").await.speaking("en");
        let (status, html) = desk.page("/map").await;
        assert_eq!(status, StatusCode::OK, "{db}");

        // The grids' table: open and overdue, each linking to the case list of its grid.
        let g01 = row(&html, r#"<tr data-grid="G01">"#);
        assert!(g01.contains(r#"href="/centre?grid=G01""#), "{db}: {g01}");
        assert_eq!(cells(g01)[1], "4", "{db}: {g01}");
        assert_eq!(cells(row(&html, r#"<tr data-grid="G02">"#))[1], "1", "{db}");
        // The drawing: each grid's title says its count and links to its cases.
        assert!(html.contains("G01 · Open cases: 4</title>"), "{db}");
        assert!(html.contains("G02 · Open cases: 1</title>"), "{db}");
        assert_eq!(
            html.matches(r#"<a class="grid-link" href="/centre?grid="#)
                .count(),
            2,
            "{db}"
        );

        // Cameras by health: cam-2 offline (and listed for attention), cam-1 never reported.
        assert!(
            html.contains(r#"<g class="cam offline"><title>cam-2 (cam-2) · offline</title>"#),
            "{db}"
        );
        assert!(
            html.contains(r#"<g class="cam unknown"><title>Market corner (cam-1) · not reported</title>"#),
            "{db}"
        );
        assert!(
            html.contains(r#"href="/cameras#camera-cam-2">cam-2</a> <span class="health offline">"#),
            "{db}"
        );

        // Every open case is a marker linking to its page.
        for n in 1..=5 {
            assert_eq!(
                html.matches(&format!(r#"href="/cases/{n}""#)).count(),
                1,
                "{db}: case {n}"
            );
        }
        assert!(
            html.contains(r#"<a class="case waiting" href="/cases/4">"#),
            "{db}"
        );
        assert!(
            html.contains(r#"<a class="case with-team" href="/cases/1">"#),
            "{db}"
        );
        assert!(
            !html.contains(" style="),
            "{db}: the pages' CSP refuses inline styles"
        );

        let (_, zh) = Browser::sign_in(&town.base, "reviewer").await.page("/map").await;
        assert!(
            zh.contains("各网格在办案件") && zh.contains("G01 · 在办案件: 4</title>"),
            "{db}"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn the_cameras_page_shows_health_and_draws_the_zones_over_the_latest_frame() {
    for backend in backends().await {
        let db = backend.name();
        let town = town_with(&backend, CAMERAS_WITH_ZONES, &OVERVIEW_ACCOUNTS).await;
        let (case, sha256) = town.case_with_frame(1).await;
        town.post(
            &serde_json::from_value(json!({
                "type": "camera_health", "camera": "cam-2", "state": "stalled",
                "at": "2026-06-01T01:30:00Z", "detail": "no frame for 45 s"
            }))
            .unwrap(),
        )
        .await;
        let desk = Browser::sign_in(&town.base, "boss").await.speaking("en");
        let (status, html) = desk.page("/cameras").await;
        assert_eq!(status, StatusCode::OK, "{db}");
        assert!(
            !html.contains(" style="),
            "{db}: the pages' CSP refuses inline styles"
        );

        let cam1 =
            &html[html.find(r#"id="camera-cam-1""#).unwrap()..html.find(r#"id="camera-cam-2""#).unwrap()];
        assert!(
            cam1.contains(r#"<span class="health unknown">not reported</span>"#),
            "{db}: {cam1}"
        );
        assert!(
            cam1.contains("G01") && cam1.contains("keyframes only"),
            "{db}: {cam1}"
        );
        // The frame, from its case's evidence, and the zones in its pixels.
        let src = format!("/api/v1/cases/{case}/evidence/{sha256}");
        assert!(
            cam1.contains(&format!(r#"<img src="{src}" width="320" height="180""#)),
            "{db}: {cam1}"
        );
        assert!(
            cam1.contains(r#"<svg class="zones" viewBox="0 0 320 180""#),
            "{db}: {cam1}"
        );
        assert!(
            cam1.contains(r#"points="10,170 310,170 300,100 20,100""#),
            "{db}: {cam1}"
        );
        assert!(
            cam1.contains(">pavement · sidewalk</text>") && cam1.contains(">bay-1 · parking_bay</text>"),
            "{db}"
        );
        assert!(
            cam1.contains(r#"href="/cases/1""#),
            "{db}: the frame names its case"
        );
        let image = desk.get(&src).await;
        assert_eq!(
            image.status(),
            StatusCode::OK,
            "{db}: the browser may load the frame"
        );
        assert_eq!(image.headers()[header::CONTENT_TYPE], "image/jpeg", "{db}");

        let cam2 = &html[html.find(r#"id="camera-cam-2""#).unwrap()..];
        assert!(
            cam2.contains(r#"<span class="health stalled">stalled</span>"#),
            "{db}: {cam2}"
        );
        assert!(
            cam2.contains("since 2026-06-01 09:30") && cam2.contains("no frame for 45 s"),
            "{db}: {cam2}"
        );
        assert!(cam2.contains("2 frames/s"), "{db}");
        // No frame yet: a blank, and a note that says so.
        assert!(
            cam2.contains(r#"<svg class="zones blank" viewBox="0 0 640 360""#),
            "{db}: {cam2}"
        );
        assert!(cam2.contains("No evidence frame from this camera yet"), "{db}");

        let (_, zh) = Browser::sign_in(&town.base, "desk").await.page("/cameras").await;
        assert!(
            zh.contains("卡顿") && zh.contains("尚无该摄像头的证据画面"),
            "{db}"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_frozen_dark_or_moved_camera_is_worded_on_the_pages_counted_for_maintenance_and_in_metrics() {
    for backend in backends().await {
        let db = backend.name();
        let town = town_with(&backend, CAMERAS_WITH_ZONES, &OVERVIEW_ACCOUNTS).await;
        let health = |camera: &str, state: &str, detail: &str| {
            serde_json::from_value::<PipelineEvent>(json!({
                "type": "camera_health", "camera": camera, "state": state,
                "at": "2026-06-01T01:30:00Z", "detail": detail
            }))
            .unwrap()
        };
        let moved = "the view has moved about 84 px from the reference the zones were drawn on; rules paused until the view is restored";
        town.post(&health("cam-1", "moved", moved)).await;
        let desk = Browser::sign_in(&town.base, "desk").await.speaking("en");
        let chinese = Browser::sign_in(&town.base, "boss").await;
        for (state, en, zh, detail) in [
            (
                "frozen",
                "frozen",
                "画面冻结",
                "the picture has not changed for 2 min 10 s",
            ),
            (
                "dark",
                "dark or covered",
                "黑屏或遮挡",
                "the picture has been dark and nearly uniform for 30 s",
            ),
        ] {
            town.post(&health("cam-2", state, detail)).await;
            let (status, html) = desk.page("/cameras").await;
            assert_eq!(status, StatusCode::OK, "{db}");
            let cam2 = &html[html.find(r#"id="camera-cam-2""#).unwrap()..];
            assert!(
                cam2.contains(&format!(r#"<span class="health {state}">{en}</span>"#))
                    && cam2.contains(detail),
                "{db}: {cam2}"
            );
            assert!(
                html.contains(
                    r#"<span class="maintenance">need maintenance (frozen, dark or moved) 2</span>"#
                ),
                "{db}: the heading counts the cameras to see to"
            );
            let (_, zh_html) = chinese.page("/cameras").await;
            assert!(
                zh_html.contains(&format!(r#"<span class="health {state}">{zh}</span>"#))
                    && zh_html.contains("需要维护（冻结、黑屏或偏移） 2"),
                "{db}: {state} in Chinese"
            );
            let (_, map) = desk.page("/map").await;
            assert!(
                map.contains(&format!(
                    r#"<g class="cam {state}"><title>cam-2 (cam-2) · {en}</title>"#
                )) && map.contains(&format!(r#"<li class="cam {state}">"#)),
                "{db}: {state} on the map and in its legend"
            );
            let metrics = desk.get("/metrics").await.text().await.unwrap();
            for (counted, n) in [(state, 1), ("moved", 1), ("online", 0), ("offline", 0)] {
                assert!(
                    metrics.contains(&format!("gridwatch_cameras{{state=\"{counted}\"}} {n}\n")),
                    "{db}: {counted} in {metrics}"
                );
            }
        }
        let (_, html) = desk.page("/cameras").await;
        let cam1 =
            &html[html.find(r#"id="camera-cam-1""#).unwrap()..html.find(r#"id="camera-cam-2""#).unwrap()];
        assert!(
            cam1.contains(r#"<span class="health moved">moved</span>"#)
                && cam1.contains("rules paused until the view is restored"),
            "{db}: {cam1}"
        );
        let (_, zh_map) = chinese.page("/map").await;
        assert!(zh_map.contains("视角偏移"), "{db}");

        // Seen to: back online, and nothing left to count.
        town.post(&health("cam-1", "online", "")).await;
        town.post(&health("cam-2", "online", "")).await;
        let (_, html) = desk.page("/cameras").await;
        assert!(!html.contains("need maintenance"), "{db}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn the_cameras_page_prefers_the_last_analysed_frame_which_only_overseers_may_load() {
    for backend in backends().await {
        let db = backend.name();
        let town = town_with(&backend, CAMERAS_WITH_ZONES, &OVERVIEW_ACCOUNTS).await;
        // An evidence frame too: the last analysed one is newer and wins.
        town.case_with_frame(1).await;
        let bytes = jpeg(400, 225, 0);
        let folder = town.evidence.path().join("cameras");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("cam-1.jpg"), &bytes).unwrap();

        let desk = Browser::sign_in(&town.base, "desk").await.speaking("en");
        let (status, html) = desk.page("/cameras").await;
        assert_eq!(status, StatusCode::OK, "{db}");
        let cam1 =
            &html[html.find(r#"id="camera-cam-1""#).unwrap()..html.find(r#"id="camera-cam-2""#).unwrap()];
        assert!(
            cam1.contains(r#"<img src="/cameras/cam-1/frame.jpg" width="400" height="225""#),
            "{db}: {cam1}"
        );
        assert!(
            cam1.contains(r#"<svg class="zones" viewBox="0 0 400 225""#),
            "{db}: {cam1}"
        );
        assert!(cam1.contains("Last analysed frame, as of 20"), "{db}: {cam1}");
        assert!(!cam1.contains(r#"href="/cases/1""#), "{db}: {cam1}");
        // cam-2 has neither: a blank, as before.
        assert!(
            html.contains(r#"<svg class="zones blank" viewBox="0 0 640 360""#),
            "{db}"
        );

        for overseer in ["desk", "boss", "reviewer"] {
            let image = Browser::sign_in(&town.base, overseer)
                .await
                .get("/cameras/cam-1/frame.jpg")
                .await;
            assert_eq!(image.status(), StatusCode::OK, "{db}: {overseer}");
            assert_eq!(image.headers()[header::CONTENT_TYPE], "image/jpeg", "{db}");
            assert_eq!(image.headers()[header::CACHE_CONTROL], "no-cache", "{db}");
            assert_eq!(image.bytes().await.unwrap(), bytes, "{db}: {overseer}");
        }
        let officer = Browser::sign_in(&town.base, "g01-officer").await;
        let refused = officer.get("/cameras/cam-1/frame.jpg").await;
        assert_eq!(refused.status(), StatusCode::NOT_FOUND, "{db}: a member");
        // A configured camera without a file, an unknown camera, and ids that would lead
        // elsewhere if they reached the file system (the last one to cam-1's own file).
        for path in [
            "/cameras/cam-2/frame.jpg",
            "/cameras/cam-9/frame.jpg",
            "/cameras/..%2F..%2Fsecret/frame.jpg",
            "/cameras/..%2Fcameras%2Fcam-1/frame.jpg",
        ] {
            assert_eq!(
                desk.get(path).await.status(),
                StatusCode::NOT_FOUND,
                "{db}: {path}"
            );
        }

        let (_, zh) = Browser::sign_in(&town.base, "desk").await.page("/cameras").await;
        assert!(zh.contains("最近分析的画面，截至"), "{db}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn the_analysis_counts_the_cases_posted_by_grid_kind_and_hour_with_the_indicators() {
    for backend in backends().await {
        let db = backend.name();
        let town = town_with(&backend, CAMERAS_WITH_ZONES, &OVERVIEW_ACCOUNTS).await;
        town.with_cases().await;
        let desk = Browser::sign_in(&town.base, "reviewer").await.speaking("en");
        let (status, html) = desk.page("/analysis").await;
        assert_eq!(status, StatusCode::OK, "{db}");
        assert!(
            !html.contains(" style="),
            "{db}: the pages' CSP refuses inline styles"
        );
        // The default period: the 30 days up to today in the city.
        assert!(
            html.contains(r#"name="from" value="2026-05-03""#)
                && html.contains(r#"name="to" value="2026-06-01""#),
            "{db}"
        );

        // Columns are the kinds in order: parking, barbecue, vending.
        assert_eq!(
            counts(row(&html, r#"<tr><th scope="row">G01"#)),
            [1, 0, 3],
            "{db}"
        );
        assert_eq!(
            counts(row(&html, r#"<tr><th scope="row">G02"#)),
            [0, 0, 1],
            "{db}"
        );
        // Reported at 10:00 in Shanghai (02:00 UTC).
        assert_eq!(
            counts(row(&html, r#"<tr><th scope="row">10:00"#)),
            [1, 0, 4],
            "{db}"
        );
        assert_eq!(
            counts(row(&html, r#"<tr><th scope="row">02:00"#)),
            [0, 0, 0],
            "{db}"
        );

        // Indicators: the vending cases were filed and dispatched; the parking case waits.
        let vending = cells(row(&html, "<td>G01</td><td>Street vending</td>"));
        assert_eq!(
            vending[2..5],
            ["3", "100%", "100%"],
            "{db}: reported, 立案率, 派遣率"
        );
        let parking = cells(row(&html, "<td>G01</td><td>Parking out of line</td>"));
        assert_eq!(parking[2..5], ["1", "0%", "—"], "{db}");
        let total = cells(row(&html, r#"<tr class="total">"#));
        assert_eq!(total[..4], ["All", "Total", "5", "80%"], "{db}");

        // A grid filter keeps only that grid.
        let (_, g02) = desk.page("/analysis?grid=G02").await;
        assert!(
            !g02.contains(r#"<th scope="row">G01"#) && !g02.contains("<td>G01</td>"),
            "{db}"
        );
        assert_eq!(
            counts(row(&g02, r#"<tr><th scope="row">10:00"#)),
            [0, 0, 1],
            "{db}"
        );
        // A period before the cases has none.
        let (_, may) = desk.page("/analysis?from=2026-05-01&to=2026-05-31&grid=").await;
        assert!(may.contains("2026-05-01 — 2026-05-31 · reported 0"), "{db}");
        assert_eq!(
            counts(row(&may, r#"<tr><th scope="row">10:00"#)),
            [0, 0, 0],
            "{db}"
        );
        assert!(may.contains("No cases in this period."), "{db}");
        // Bad filters are refused, saying what to write.
        let (status, bad) = desk.page("/analysis?from=June").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{db}");
        assert!(bad.contains("write it like 2026-06-01"), "{db}");
        assert_eq!(
            desk.page("/analysis?from=2026-06-02&to=2026-06-01").await.0,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(desk.page("/analysis?grid=G99").await.0, StatusCode::NOT_FOUND);

        // The indicators as CSV.
        let csv = desk.get("/analysis.csv?from=2026-06-01&to=2026-06-01").await;
        assert_eq!(csv.status(), StatusCode::OK, "{db}");
        assert_eq!(csv.headers()[header::CONTENT_TYPE], "text/csv; charset=utf-8");
        assert!(csv.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("indicators-2026-06-01-2026-06-01.csv"));
        let csv = csv.text().await.unwrap();
        assert!(
            csv.starts_with("grid,kind,reported,filing_rate,dispatch_rate"),
            "{csv}"
        );
        assert!(
            csv.contains("\nG01,street_vending,3,1.0000,1.0000,"),
            "{db}: {csv}"
        );
        assert!(csv.contains("\n,,5,0.8000,1.0000,"), "{db}: {csv}");

        let (_, zh) = Browser::sign_in(&town.base, "desk").await.page("/analysis").await;
        assert!(
            zh.contains("派遣率") && zh.contains("按期结案率") && zh.contains("露天烧烤"),
            "{db}"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_grid_member_is_sent_to_their_tasks() {
    for backend in backends().await {
        let db = backend.name();
        let town = town_with(&backend, CAMERAS_WITH_ZONES, &OVERVIEW_ACCOUNTS).await;
        let officer = Browser::sign_in(&town.base, "g01-officer").await;
        for path in ["/map", "/cameras", "/analysis", "/analysis.csv"] {
            let response = officer.get(path).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER, "{db}: {path}");
            assert_eq!(response.headers()[header::LOCATION], "/tasks", "{db}: {path}");
        }
        // Without a session: sign in first.
        let response = http().get(format!("{}/map", town.base)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{db}");
        assert!(response.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login"));
        backend.drop_database().await;
    }
}
