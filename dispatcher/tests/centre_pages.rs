//! The command centre's pages: the live case list (its rows, filters and the row fragment the feed
//! fetches) and the review queue's forms (file, void with a reason, batches, CSRF, roles). On
//! SQLite and PostgreSQL, over real HTTP.

mod common;

use common::{web::*, *};
use reqwest::{header, StatusCode};

/// The case as the API has it.
async fn case_of(browser: &Browser, id: &str) -> serde_json::Value {
    browser
        .get(&format!("/api/v1/cases/{id}"))
        .await
        .json()
        .await
        .unwrap()
}

async fn state_of(browser: &Browser, id: &str) -> String {
    case_of(browser, id).await["state"].as_str().unwrap().to_owned()
}

/// Case `id`'s row in a list page (empty when it has none).
fn row_of<'a>(html: &'a str, id: &str) -> &'a str {
    let Some(start) = html.find(&format!("id=\"case-{id}\"")) else {
        return "";
    };
    let end = html[start..].find("</tr>").map_or(html.len(), |e| start + e);
    &html[start..end]
}

/// Whether `html` lists case `id` as a row.
fn lists(html: &str, id: &str) -> bool {
    html.contains(&format!("id=\"case-{id}\""))
}

#[tokio::test]
async fn the_list_shows_a_posted_case_with_its_state_in_chinese_and_english() {
    for backend in backends().await {
        let db = backend.name();
        let town = town_on(&backend).await;
        let base = town.base.as_str();
        let id = case_in(base, "cam-1", 0.002, 1).await;
        let desk = Browser::sign_in(base, "desk").await;
        let (status, html) = desk.page("/centre").await;
        assert_eq!(status, StatusCode::OK, "{db}");
        assert!(lists(&html, &id), "{db}: {html}");
        assert!(
            row_of(&html, &id).contains(">待审核<") && html.contains("/static/centre.js"),
            "{db}: {html}"
        );
        let (_, english) = desk.speaking("en").page("/centre").await;
        assert!(
            lists(&english, &id) && row_of(&english, &id).contains(">Awaiting review<"),
            "{db}: {english}"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_member_sees_only_their_grid_and_gets_404_for_another_grids_row() {
    for backend in backends().await {
        let db = backend.name();
        let town = town_on(&backend).await;
        let base = town.base.as_str();
        let ours = case_in(base, "cam-1", 0.002, 1).await;
        let theirs = case_in(base, "cam-2", 0.012, 2).await;
        let member = Browser::sign_in(base, "g01-officer").await;
        // Asking for the other grid changes nothing: a member's list is their grid's.
        let (status, html) = member.page("/centre?grid=G02").await;
        assert_eq!(status, StatusCode::OK, "{db}");
        assert!(lists(&html, &ours) && !lists(&html, &theirs), "{db}: {html}");
        let (status, row) = member.page(&format!("/centre/rows/{ours}")).await;
        assert_eq!(status, StatusCode::OK, "{db}");
        assert!(row.contains(&format!("id=\"case-{ours}\"")), "{db}: {row}");
        let (status, row) = member.page(&format!("/centre/rows/{theirs}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{db}: {row}");
        assert!(!row.contains(&theirs) || !row.contains("<tr"), "{db}: {row}");
        // The command centre sees both.
        let desk = Browser::sign_in(base, "desk").await;
        let (_, html) = desk.page("/centre").await;
        assert!(lists(&html, &ours) && lists(&html, &theirs), "{db}: {html}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn the_camera_and_day_filters_narrow_the_list_and_the_api() {
    for backend in backends().await {
        let db = backend.name();
        let town = town_on(&backend).await;
        let base = town.base.as_str();
        // 1 June: one case on each camera; 3 June: one more on cam-1.
        let first = case_in(base, "cam-1", 0.002, 1).await;
        let other_camera = case_in(base, "cam-2", 0.012, 2).await;
        later(&town.clock, 2 * 24 * 60);
        let later_case = case_in(base, "cam-1", 0.004, 3).await;
        let desk = Browser::sign_in(base, "desk").await;

        let all = [&first, &other_camera, &later_case];
        // Days are the city's (Asia/Shanghai), both ends included.
        for (query, expected) in [
            ("camera=cam-1", vec![&first, &later_case]),
            ("from=2026-06-02", vec![&later_case]),
            ("from=2026-06-01&to=2026-06-01", vec![&first, &other_camera]),
            ("camera=cam-1&to=2026-06-01", vec![&first]),
        ] {
            let (_, html) = desk.page(&format!("/centre?{query}")).await;
            let listed: Vec<_> = all.into_iter().filter(|id| lists(&html, id)).collect();
            assert_eq!(listed, expected, "{db}: {query}: {html}");
        }
        let (status, _) = desk.page("/centre?from=yesterday").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{db}");

        // The API takes the same filters, with times.
        let (_, json) = desk
            .page("/api/v1/cases?camera=cam-1&from=2026-06-02T00:00:00Z")
            .await;
        let page: serde_json::Value = serde_json::from_str(&json).unwrap();
        let ids: Vec<&str> = page["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [later_case.as_str()], "{db}: {json}");
        let (_, json) = desk.page("/api/v1/cases?to=2026-06-01T02:00:00Z").await;
        let page: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            page["total"], 0,
            "{db}: reported at 02:00 is not before it: {json}"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn the_review_form_files_and_voids_with_a_reason_and_the_audit_names_the_account() {
    for backend in backends().await {
        let db = backend.name();
        let town = town_on(&backend).await;
        let base = town.base.as_str();
        let to_file = case_in(base, "cam-1", 0.002, 1).await;
        let to_void = case_in(base, "cam-1", 0.004, 2).await;
        let desk = Browser::sign_in(base, "desk").await.speaking("en");

        // The queue shows both, oldest first, with a form for each decision.
        let (status, html) = desk.page("/centre/review").await;
        assert_eq!(status, StatusCode::OK, "{db}");
        let (a, b) = (
            html.find(&format!("id=\"r-{to_file}\""))
                .expect("the first case's card"),
            html.find(&format!("id=\"r-{to_void}\""))
                .expect("the second case's card"),
        );
        assert!(a < b, "{db}: oldest first");
        assert!(
            html.contains("name=\"reason\"") && html.contains("False detection"),
            "{db}: {html}"
        );
        assert!(html.contains("/api/v1/exports/false-positives"), "{db}");

        let filed = desk
            .submit("/centre/review", &[("action", "file"), ("id", &to_file)])
            .await;
        assert_eq!(filed.status(), StatusCode::OK, "{db}");
        let html = filed.text().await.unwrap();
        assert!(html.contains("1 filed"), "{db}: {html}");
        assert!(
            !html.contains(&format!("id=\"r-{to_file}\"")),
            "{db}: it left the queue"
        );
        assert_eq!(state_of(&desk, &to_file).await, "filed", "{db}");

        // A void needs a reason; "other" needs words.
        for fields in [
            vec![("action", "void"), ("id", to_void.as_str())],
            vec![("action", "void"), ("id", &to_void), ("reason", "because")],
            vec![("action", "void"), ("id", &to_void), ("reason", "other")],
        ] {
            let refused = desk.submit("/centre/review", &fields).await;
            assert_eq!(
                refused.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{db}: {fields:?}"
            );
            assert!(refused.text().await.unwrap().contains("<html"), "{db}: a page");
            assert_eq!(state_of(&desk, &to_void).await, "reported", "{db}");
        }
        let voided = desk
            .submit(
                "/centre/review",
                &[
                    ("action", "void"),
                    ("id", &to_void),
                    ("reason", "permitted"),
                    ("note", "licensed night market"),
                ],
            )
            .await;
        assert_eq!(voided.status(), StatusCode::OK, "{db}");
        assert!(voided.text().await.unwrap().contains("1 voided"), "{db}");
        let case = case_of(&desk, &to_void).await;
        assert_eq!(case["state"], "voided", "{db}");
        assert_eq!(
            case["void_reason"], "permitted: licensed night market",
            "{db}: {case}"
        );

        for id in [&to_file, &to_void] {
            let audit: Vec<serde_json::Value> = desk
                .get(&format!("/api/v1/cases/{id}/audit"))
                .await
                .json()
                .await
                .unwrap();
            let last = audit.last().unwrap();
            assert_eq!(last["actor"], "desk", "{db}: {last}");
        }

        // Deciding a case that is no longer waiting is refused with its number and state.
        let again = desk
            .submit("/centre/review", &[("action", "file"), ("id", &to_void)])
            .await;
        let html = again.text().await.unwrap();
        assert!(
            html.contains("0 filed") && html.contains("could not be filed: it is now Voided"),
            "{db}: {html}"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_review_post_without_or_with_a_wrong_csrf_is_403_and_changes_nothing() {
    for backend in backends().await {
        let db = backend.name();
        let town = town_on(&backend).await;
        let base = town.base.as_str();
        let id = case_in(base, "cam-1", 0.002, 1).await;
        let desk = Browser::sign_in(base, "desk").await;
        let wrong = desk
            .submit(
                "/centre/review",
                &[("action", "file"), ("id", &id), ("csrf", "not-the-token")],
            )
            .await;
        assert_eq!(wrong.status(), StatusCode::FORBIDDEN, "{db}");
        let missing = desk
            .post("/centre/review")
            .form(&[("action", "file"), ("id", &id)])
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::FORBIDDEN, "{db}");
        assert_eq!(state_of(&desk, &id).await, "reported", "{db}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn an_auditor_reads_the_queue_but_cannot_decide_and_a_member_has_no_queue() {
    for backend in backends().await {
        let db = backend.name();
        let town = town_on(&backend).await;
        let base = town.base.as_str();
        let id = case_in(base, "cam-1", 0.002, 1).await;
        let auditor = Browser::sign_in(base, "reviewer").await;
        let (status, html) = auditor.page("/centre/review").await;
        assert_eq!(status, StatusCode::OK, "{db}");
        assert!(
            html.contains(&format!("id=\"r-{id}\"")) && !html.contains("name=\"action\""),
            "{db}: read only: {html}"
        );
        let refused = auditor
            .submit("/centre/review", &[("action", "file"), ("id", &id)])
            .await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{db}");

        let member = Browser::sign_in(base, "g01-officer").await;
        let page = member.get("/centre/review").await;
        assert_eq!(page.status(), StatusCode::SEE_OTHER, "{db}");
        assert_eq!(page.headers()[header::LOCATION], "/tasks", "{db}");
        let refused = member
            .submit("/centre/review", &[("action", "file"), ("id", &id)])
            .await;
        assert_eq!(refused.status(), StatusCode::NOT_FOUND, "{db}");

        let desk = Browser::sign_in(base, "desk").await;
        assert_eq!(state_of(&desk, &id).await, "reported", "{db}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_batch_files_exactly_the_ids_sent_and_answers_the_script_in_json() {
    for backend in backends().await {
        let db = backend.name();
        let town = town_on(&backend).await;
        let base = town.base.as_str();
        let mut ids = Vec::new();
        for i in 0..3u64 {
            ids.push(case_in(base, "cam-1", 0.001 + 0.002 * i as f64, i + 1).await);
        }
        let desk = Browser::sign_in(base, "desk").await.speaking("en");
        let response = desk
            .post("/centre/review")
            .header(header::ACCEPT, "application/json")
            .form(&[
                ("csrf", desk.csrf.as_str()),
                ("action", "file"),
                ("id", &ids[0]),
                ("id", &ids[2]),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{db}");
        let outcome: serde_json::Value = response.json().await.unwrap();
        let mut done: Vec<&str> = outcome["done"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        done.sort();
        let mut sent = vec![ids[0].as_str(), ids[2].as_str()];
        sent.sort();
        assert_eq!(done, sent, "{db}: {outcome}");
        assert_eq!(outcome["message"], "2 filed", "{db}");
        for (id, state) in [(&ids[0], "filed"), (&ids[1], "reported"), (&ids[2], "filed")] {
            assert_eq!(state_of(&desk, id).await, state, "{db}: {id}");
        }
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn the_row_of_a_filed_case_shows_its_new_state_and_whether_it_still_matches() {
    for backend in backends().await {
        let db = backend.name();
        let town = town_on(&backend).await;
        let base = town.base.as_str();
        let id = case_in(base, "cam-1", 0.002, 1).await;
        let desk = Browser::sign_in(base, "desk").await.speaking("en");
        let row = desk.get(&format!("/centre/rows/{id}?state=reported")).await;
        assert_eq!(row.status(), StatusCode::OK, "{db}");
        assert_eq!(row.headers()["x-gridwatch-matches"], "yes", "{db}");
        assert!(row.text().await.unwrap().contains("Awaiting review"), "{db}");

        desk.submit("/centre/review", &[("action", "file"), ("id", &id)])
            .await;
        let row = desk.get(&format!("/centre/rows/{id}?state=reported")).await;
        assert_eq!(row.headers()["x-gridwatch-matches"], "no", "{db}");
        let html = row.text().await.unwrap();
        assert!(
            html.contains(">Filed<") && html.contains("no longer matches the filters"),
            "{db}: {html}"
        );
        let row = desk.get(&format!("/centre/rows/{id}")).await;
        assert_eq!(row.headers()["x-gridwatch-matches"], "yes", "{db}");
        assert!(!row.text().await.unwrap().contains("Awaiting review"), "{db}");
        backend.drop_database().await;
    }
}
