//! Shops graded by their record (三色等级), on SQLite and PostgreSQL: counted cases raise a shop
//! green → yellow → red and the grade sets the response (notice with the green grace, the shorter
//! yellow grace, or dispatch at once); clean periods repair it one colour at a time (信用修复);
//! voided cases never count; every change is in the audit chain with its reason and the chain
//! still verifies; the /shops page, its CSV and the API show the grades, each grid member only
//! their grid's shops, and the case page shows the colour of its shop.

mod common;

use std::path::Path;

use chrono::TimeDelta;
use common::{web::*, *};
use gridwatch_core::{
    config::{Config, Role},
    MemberId, PipelineEvent, SimulatedClock,
};
use gridwatch_dispatcher::{
    cases::{Action, Case, State},
    server,
    shops::{subject, Grade},
    ActionRequest, Dispatcher, Ingested,
};
use reqwest::StatusCode;

/// cam-1 in G01 watches Lucky Fruit's apron; Tea House in G02 is registered by its place only.
const SHOPS: &str = r#"
[[cameras]]
id = "cam-1"
name = "Market gate"
uri = "rtsp://10.0.0.5/sub"
location = { lon = 119.002, lat = 26.002 }
zones = [{ id = "shop-apron", role = "shopfront", points = [[0, 0], [100, 0], [100, 50]] }]

[[cameras]]
id = "cam-2"
uri = "rtsp://10.0.0.6/sub"
location = { lon = 119.012, lat = 26.002 }

[[dispatch.shops]]
id = "lucky-fruit"
name = "Lucky Fruit, 好运水果"
licence = "91350102MA2Y0000XX"
contact = "+86 591 8888 0000"
fronts = [{ camera = "cam-1", zone = "shop-apron" }]

[[dispatch.shops]]
id = "tea-house"
name = "Tea House"
licence = "91350102MA2Y1111YY"
contact = "+86 591 8888 1111"
place = { lon = 119.0125, lat = 26.0025 }
radius_m = 30

[dispatch.grading]
window = "90d"
yellow_at = 2
red_at = 4
repair_after = "30d"
yellow_grace = "3m"
"#;

const DAY_MINUTES: u64 = 24 * 60;

/// The town with [`SHOPS`] and `extra`, its store on `backend` (also named in the text, for
/// `audit verify`), its vending kind with a 10-minute notice grace when `graduated`.
fn town_text(backend: &Backend, graduated: bool, extra: &str) -> String {
    let mut town = TOWN.replace(
        "database = \"sqlite:unused.db\"",
        &format!("database = \"{}\"", backend.url()),
    );
    if graduated {
        town = town.replace(
            "handle_within = \"2h\"",
            "handle_within = \"2h\"\nnotice_grace = \"10m\"",
        );
    }
    format!("{town}\n{extra}{SHOPS}")
}

fn stored_case(outcome: Ingested) -> String {
    match outcome {
        Ingested::Stored { case: Some(case) } => case,
        other => panic!("expected a stored case, got {other:?}"),
    }
}

/// Street vending in Lucky Fruit's apron, `x` degrees east of G01's corner (0.001° apart do not
/// merge); track numbers keep events apart.
async fn goods_at_lucky_fruit(d: &Dispatcher, track: u64, x: f64) -> (Case, gridwatch_core::ViolationEvent) {
    let v = violation(
        "street_vending",
        "cam-1",
        Some("shop-apron"),
        track,
        place(x, 0.002),
        0.9,
    );
    let id = stored_case(d.ingest(&PipelineEvent::Violation(v.clone())).await.unwrap());
    (d.case(&command(), &id).await.unwrap(), v)
}

/// A case at Lucky Fruit under a notice that the shop complies with a minute later, so that the
/// next sighting in its apron opens a case of its own (an open case would take it in); then an
/// hour passes.
async fn complied_case_at_lucky_fruit(d: &Dispatcher, clock: &SimulatedClock, track: u64) -> Case {
    let (case, v) = goods_at_lucky_fruit(d, track, 0.002).await;
    assert_eq!(case.state, State::Filed, "a notice is given");
    later(clock, 1);
    d.ingest(&cleared(&v)).await.unwrap();
    assert_eq!(d.case(&command(), &case.id).await.unwrap().state, State::Closed);
    later(clock, 60);
    case
}

/// How long the notice on `case` gives the shop from now, in minutes.
fn grace_minutes(d: &Dispatcher, case: &Case) -> Option<i64> {
    case.notice_until
        .map(|until| (until - d.now().timestamp_millis()) / 60_000)
}

/// The grade changes of `shop` in the audit chain: (from, to, reason).
async fn grade_changes(d: &Dispatcher, shop: &str) -> Vec<(String, String, String)> {
    d.audit_log(Some(&subject(shop)))
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            assert_eq!(e.action, "grade");
            let detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap();
            (
                e.from_state.unwrap(),
                e.to_state,
                detail["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// `gridwatch audit verify` over the town's store.
async fn audit_verify(text: &str) -> Result<String, Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("grids.geojson"), GRIDS).unwrap();
    let path = dir.path().join("town.toml");
    std::fs::write(&path, text).unwrap();
    server::check(Config::load(Path::new(&path)).unwrap()).await
}

#[tokio::test]
async fn counted_cases_raise_a_shop_green_yellow_red_and_the_grade_sets_the_response() {
    for backend in backends().await {
        let db = backend.name();
        let (d, clock) = dispatcher_for(&backend, &town_text(&backend, true, ""), morning()).await;
        let shop = "lucky-fruit";
        // (grade before the case, the notice's grace in minutes, the grade after it counts)
        let expected = [
            (Grade::Green, Some(10), Grade::Green),
            (Grade::Green, Some(10), Grade::Yellow),
            (Grade::Yellow, Some(3), Grade::Yellow),
            (Grade::Yellow, Some(3), Grade::Red),
        ];
        for (i, (before, grace, after)) in expected.into_iter().enumerate() {
            assert_eq!(d.shop_grade(shop).await.unwrap(), before, "{db}: case {i}");
            let (case, v) = goods_at_lucky_fruit(&d, i as u64 + 1, 0.002).await;
            assert_eq!(
                (case.state, case.shop.as_deref(), grace_minutes(&d, &case)),
                (State::Filed, Some(shop), grace),
                "{db}: case {i} is told to the shop with its grade's grace"
            );
            assert_eq!(d.shop_grade(shop).await.unwrap(), after, "{db}: case {i}");
            // The shop complies: the case closes, and the next sighting is a case of its own.
            later(&clock, 1);
            d.ingest(&cleared(&v)).await.unwrap();
            assert_eq!(
                d.case(&command(), &case.id).await.unwrap().state,
                State::Closed,
                "{db}: case {i}"
            );
            later(&clock, 60);
        }

        let (case, _) = goods_at_lucky_fruit(&d, 9, 0.002).await;
        assert_eq!(
            (case.state, case.notice_until, case.shop.as_deref()),
            (State::Dispatched, None, Some(shop)),
            "{db}: a red shop gets no notice: someone is sent at once"
        );

        let changes = grade_changes(&d, shop).await;
        assert_eq!(changes.len(), 2, "{db}: {changes:?}");
        assert_eq!((&*changes[0].0, &*changes[0].1), ("green", "yellow"), "{db}");
        assert!(
            changes[0].2.starts_with("2 counted cases in the last 90d"),
            "{db}: {changes:?}"
        );
        assert_eq!((&*changes[1].0, &*changes[1].1), ("yellow", "red"), "{db}");
        assert!(changes[1].2.starts_with("4 counted cases"), "{db}: {changes:?}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn clean_periods_repair_a_red_shop_one_colour_at_a_time_and_the_audit_chain_holds() {
    for backend in backends().await {
        let db = backend.name();
        let text = town_text(&backend, true, "");
        let (d, clock) = dispatcher_for(&backend, &text, morning()).await;
        let shop = "lucky-fruit";
        for track in 1..=4 {
            complied_case_at_lucky_fruit(&d, &clock, track).await;
        }
        assert_eq!(d.shop_grade(shop).await.unwrap(), Grade::Red, "{db}");
        let last_case = d.now() - TimeDelta::minutes(61);

        later(&clock, 29 * DAY_MINUTES);
        d.escalate_overdue().await.unwrap();
        assert_eq!(
            d.shop_grade(shop).await.unwrap(),
            Grade::Red,
            "{db}: 29 clean days are not enough"
        );
        let standing = d.shop_standings(&command()).await.unwrap();
        assert_eq!(
            standing[0].repair_due,
            Some(last_case + TimeDelta::days(30)),
            "{db}: repair is due 30 days after the last case"
        );

        later(&clock, DAY_MINUTES);
        d.escalate_overdue().await.unwrap();
        assert_eq!(d.shop_grade(shop).await.unwrap(), Grade::Yellow, "{db}");
        later(&clock, 29 * DAY_MINUTES);
        d.escalate_overdue().await.unwrap();
        assert_eq!(
            d.shop_grade(shop).await.unwrap(),
            Grade::Yellow,
            "{db}: the next clean period runs from the change of grade"
        );
        later(&clock, DAY_MINUTES);
        d.escalate_overdue().await.unwrap();
        assert_eq!(d.shop_grade(shop).await.unwrap(), Grade::Green, "{db}");

        let changes = grade_changes(&d, shop).await;
        let steps: Vec<(&str, &str)> = changes.iter().map(|c| (&*c.0, &*c.1)).collect();
        assert_eq!(
            steps,
            [
                ("green", "yellow"),
                ("yellow", "red"),
                ("red", "yellow"),
                ("yellow", "green")
            ],
            "{db}"
        );
        assert!(
            changes[2]
                .2
                .starts_with("credit repair: no counted case for 30d since its last counted case"),
            "{db}: {changes:?}"
        );
        assert!(
            changes[3]
                .2
                .starts_with("credit repair: no counted case for 30d since its last change of grade"),
            "{db}: {changes:?}"
        );

        let summary = audit_verify(&text)
            .await
            .unwrap_or_else(|e| panic!("{db}: {e:?}"));
        assert!(summary.starts_with("audit chain: "), "{db}: {summary}");
        let store = gridwatch_dispatcher::Store::open(&backend.url()).await.unwrap();
        sqlx::query("UPDATE audit SET detail = '{\"reason\":\"never red\"}' WHERE action = 'grade' AND to_state = 'red'")
            .execute(store.pool())
            .await
            .unwrap();
        let problems = audit_verify(&text).await.unwrap_err();
        assert!(
            problems[0].ends_with("its hash does not match its contents"),
            "{db}: a changed grade reason is found: {problems:?}"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn voided_cases_do_not_count_filed_ones_do_and_a_place_alone_ties_a_case_to_its_shop() {
    for backend in backends().await {
        let db = backend.name();
        let (d, _clock) = dispatcher_for(&backend, &town_text(&backend, false, ""), morning()).await;
        // Parking cases wait for review. One at Lucky Fruit's front is voided, the next filed
        // (while the first is open, the second sighting would join it).
        let parked = |track| {
            let v = violation(
                "out_of_line_parking",
                "cam-1",
                Some("shop-apron"),
                track,
                place(0.002, 0.002),
                0.5,
            );
            PipelineEvent::Violation(v)
        };
        let counted = || async { d.shop_standings(&command()).await.unwrap()[0].counted };
        let false_alarm = stored_case(d.ingest(&parked(1)).await.unwrap());
        let case = d.case(&command(), &false_alarm).await.unwrap();
        assert_eq!(
            (case.state, case.shop.as_deref()),
            (State::Reported, Some("lucky-fruit")),
            "{db}: the shop is recorded before review"
        );
        let void = ActionRequest {
            action: Some(Action::Void),
            reason: Some("a delivery trolley".into()),
            ..ActionRequest::default()
        };
        d.act(&command(), &false_alarm, &void).await.unwrap();
        assert_eq!(counted().await, 0, "{db}: a voided case does not count");

        let real = stored_case(d.ingest(&parked(2)).await.unwrap());
        assert_ne!(real, false_alarm, "{db}");
        assert_eq!(counted().await, 0, "{db}: not before it is filed");
        let file = ActionRequest {
            action: Some(Action::File),
            ..ActionRequest::default()
        };
        d.act(&command(), &real, &file).await.unwrap();
        assert_eq!(counted().await, 1, "{db}: a reviewer's filing counts");
        let standing = d.shop_standings(&command()).await.unwrap();
        assert!(standing[0].since.is_some(), "{db}: the shop now has a record");

        // A case with a place near Tea House but no camera zone of it is at Tea House.
        let v = violation(
            "out_of_line_parking",
            "cam-2",
            None,
            3,
            place(0.0125, 0.0025),
            0.5,
        );
        let id = stored_case(d.ingest(&PipelineEvent::Violation(v)).await.unwrap());
        assert_eq!(
            d.case(&command(), &id).await.unwrap().shop.as_deref(),
            Some("tea-house"),
            "{db}"
        );
        let v = violation(
            "out_of_line_parking",
            "cam-2",
            None,
            4,
            place(0.0155, 0.0025),
            0.5,
        );
        let id = stored_case(d.ingest(&PipelineEvent::Violation(v)).await.unwrap());
        assert_eq!(
            d.case(&command(), &id).await.unwrap().shop,
            None,
            "{db}: too far from any shop"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn the_shops_page_csv_and_api_show_each_grade_to_those_whose_grid_it_is() {
    for backend in backends().await {
        let db = backend.name();
        let (d, clock) = dispatcher_for(&backend, &town_text(&backend, true, &tokens()), morning()).await;
        for (name, role) in [
            ("desk", Role::Command),
            ("reviewer", Role::Auditor),
            ("g01-officer", Role::Member),
            ("g02-officer", Role::Member),
        ] {
            let member = (role == Role::Member).then(|| MemberId::new(name).unwrap());
            d.set_account(name, role, member, PASSWORD).await.unwrap();
        }
        let mut numbers = Vec::new();
        for track in 1..=2 {
            numbers.push(complied_case_at_lucky_fruit(&d, &clock, track).await.number);
        }
        let base = serve_pages(d).await;

        let desk = Browser::sign_in(&base, "desk").await.speaking("en");
        let (status, html) = desk.page("/shops").await;
        assert_eq!(status, StatusCode::OK, "{db}");
        assert!(
            html.contains(r#"<a href="/shops" aria-current="page">Shops</a>"#),
            "{db}: in the navigation"
        );
        let lucky = &html[html.find(r#"id="shop-lucky-fruit""#).expect("Lucky Fruit's row")..];
        let lucky = &lucky[..lucky.find("</tr>").unwrap()];
        assert!(lucky.contains(r#"data-grade="yellow""#), "{db}: {lucky}");
        assert!(
            lucky.contains(
                r#"<span class="grade yellow"><span class="swatch" aria-hidden="true"></span>yellow</span>"#
            ),
            "{db}: a swatch and the word: {lucky}"
        );
        assert!(
            lucky.contains(r#"<td class="num" data-label="Cases in window">2</td>"#),
            "{db}: {lucky}"
        );
        assert!(lucky.contains("91350102MA2Y0000XX"), "{db}");
        assert!(
            lucky.contains("2 counted cases in the last 90d"),
            "{db}: the reason shown"
        );
        let tea = &html[html.find(r#"id="shop-tea-house""#).expect("Tea House's row")..];
        assert!(
            tea[..tea.find("</tr>").unwrap()].contains(r#"data-grade="green""#),
            "{db}"
        );

        let (_, zh) = Browser::sign_in(&base, "desk")
            .await
            .speaking("zh")
            .page("/shops")
            .await;
        assert!(
            zh.contains("商户等级") && zh.contains("黄色</span>") && zh.contains("绿色</span>"),
            "{db}"
        );

        let csv = desk.get("/shops.csv").await;
        assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8", "{db}");
        let csv = csv.text().await.unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0], "shop,name,licence,grid,grade,counted_in_window,since,repair_due,last_change_reason",
            "{db}"
        );
        assert!(
            lines[1].starts_with("lucky-fruit,\"Lucky Fruit, 好运水果\",91350102MA2Y0000XX,G01,yellow,2,2026-06-01T03:01:00+00:00,2026-07-01T03:01:00+00:00,"),
            "{db}: {}",
            lines[1]
        );
        assert!(
            lines[2].starts_with("tea-house,Tea House,91350102MA2Y1111YY,G02,green,0,,,"),
            "{db}: {}",
            lines[2]
        );

        let api = |token: &'static str| {
            let base = base.clone();
            async move {
                let response = http()
                    .get(format!("{base}/api/v1/shops"))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                (
                    status,
                    response.json::<serde_json::Value>().await.unwrap_or_default(),
                )
            }
        };
        let (status, body) = api("auditor").await;
        assert_eq!(status, StatusCode::OK, "{db}");
        assert_eq!(body["shops"][0]["grade"], "yellow", "{db}: {body}");
        assert_eq!(body["shops"][0]["counted"], 2, "{db}");
        assert_eq!(body["shops"][0]["changes"][0]["to"], "yellow", "{db}");
        assert_eq!(api("ingest").await.0, StatusCode::FORBIDDEN, "{db}");
        let (_, body) = api("g02-officer").await;
        let ids: Vec<&str> = body["shops"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["tea-house"], "{db}: a member sees only their grid's shops");

        let g02 = Browser::sign_in(&base, "g02-officer").await;
        let (status, html) = g02.page("/shops").await;
        assert_eq!(status, StatusCode::OK, "{db}");
        assert!(
            html.contains("shop-tea-house") && !html.contains("lucky-fruit"),
            "{db}: {html}"
        );
        let csv = g02.get("/shops.csv").await.text().await.unwrap();
        assert!(
            !csv.contains("lucky-fruit") && csv.contains("tea-house"),
            "{db}: {csv}"
        );
        let (_, html) = Browser::sign_in(&base, "g01-officer").await.page("/shops").await;
        assert!(
            html.contains("shop-lucky-fruit") && !html.contains("shop-tea-house"),
            "{db}"
        );

        let (status, html) = desk.page(&format!("/cases/{}", numbers[1])).await;
        assert_eq!(status, StatusCode::OK, "{db}");
        let shop = &html[html.find(r#"id="case-shop""#).expect("the case's shop")..];
        let shop = &shop[..shop.find("</dd>").unwrap()];
        assert!(
            shop.contains(r##"href="/shops#shop-lucky-fruit""##)
                && shop.contains("grade yellow")
                && shop.contains(">yellow</span>"),
            "{db}: {shop}"
        );
        backend.drop_database().await;
    }
}
