//! Cases from people: 12345 hotline tickets through Open311 and grid members' patrol reports,
//! in the same loop as the cameras' findings; Open311 reads public with the public fields only.

mod common;

use common::{
    backends, cleared,
    evidence::jpeg,
    morning, place, violation,
    web::{case_in, http, report, town_on, town_with, Browser, ACCOUNTS, CAMERAS},
};
use reqwest::{multipart, StatusCode};
use serde_json::Value;

/// A hotline ticket, as the 12345 system posts it: a URL-encoded form.
fn ticket<'a>(key: &'a str, code: &'a str, lat: &'a str, long: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("api_key", key),
        ("service_code", code),
        ("lat", lat),
        ("long", long),
        (
            "description",
            "a fruit cart blocks the pavement by the school gate",
        ),
        ("first_name", "Li"),
        ("phone", "+86 138 0000 0000"),
        ("address_string", "12 Market Street"),
    ]
}

async fn post_ticket(base: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = http()
        .post(format!("{base}/open311/v2/requests.json"))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

async fn get_json(base: &str, path: &str) -> (StatusCode, Value) {
    let response = http().get(format!("{base}{path}")).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

async fn case_json(base: &str, id: &str) -> Value {
    let response = http()
        .get(format!("{base}/api/v1/cases/{id}"))
        .bearer_auth("command")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn case_of_number(base: &str, number: &str) -> Value {
    let (status, found) = get_json(
        base,
        &format!("/open311/v2/requests/{number}.json?api_key=command"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    case_json(base, found[0]["case_id"].as_str().unwrap()).await
}

#[tokio::test]
async fn open311_reads_are_public_with_the_public_fields_only() {
    for backend in backends().await {
        let town = town_on(&backend).await;
        let base = &town.base;
        case_in(base, "cam-1", 0.0012345, 1).await;

        let (status, services) = get_json(base, "/open311/v2/services.json").await;
        assert_eq!(status, StatusCode::OK, "{services}");
        let codes: Vec<&str> = services
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["service_code"].as_str().unwrap())
            .collect();
        assert!(codes.contains(&"street_vending"), "{codes:?}");

        let (status, requests) = get_json(base, "/open311/v2/requests.json").await;
        assert_eq!(status, StatusCode::OK, "{requests}");
        let public = &requests[0];
        assert_eq!(public["service_code"], "street_vending");
        assert_eq!(public["status"], "open");
        assert_eq!(public["lat"], 26.002, "rounded to three places: {public}");
        assert_eq!(public["long"], 119.001, "rounded to three places: {public}");
        let text = public.to_string();
        for private in ["cam-1", "case_id", "assignee", "evidence", "g01-"] {
            assert!(!text.contains(private), "`{private}` must not be public: {text}");
        }

        let number = public["service_request_id"].as_str().unwrap();
        let (status, one) = get_json(base, &format!("/open311/v2/requests/{number}.json")).await;
        assert_eq!(
            (status, &one[0]["service_request_id"]),
            (StatusCode::OK, &public["service_request_id"])
        );

        // A key reads the full view: the exact place and the camera.
        let (_, full) = get_json(base, "/open311/v2/requests.json?api_key=command").await;
        assert_eq!(full[0]["lat"], 26.002);
        assert_eq!(full[0]["long"], 119.0012345);
        assert!(
            full[0]["description"].as_str().unwrap().contains("cam-1"),
            "{full}"
        );

        // The same lists in XML, as the standard has them.
        let xml = http()
            .get(format!("{base}/open311/v2/requests.xml"))
            .send()
            .await
            .unwrap();
        assert_eq!(xml.headers()["content-type"], "text/xml; charset=utf-8");
        let xml = xml.text().await.unwrap();
        assert!(xml.contains("<service_requests><request>"), "{xml}");
        assert!(
            xml.contains(&format!("<service_request_id>{number}</service_request_id>")),
            "{xml}"
        );
        let services = http()
            .get(format!("{base}/open311/v2/services.xml"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            services.contains("<services><service>")
                && services.contains("<service_code>street_vending</service_code>")
        );

        // An unknown key is refused, in the standard's error shape.
        let (status, refused) = get_json(base, "/open311/v2/requests.json?api_key=nonsense").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(refused[0]["code"], 401, "{refused}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn open311_reads_can_be_closed_to_the_public() {
    for backend in backends().await {
        let closed = format!("{CAMERAS}\n[api.open311]\npublic = false\n");
        let town = town_with(&backend, &closed, &ACCOUNTS).await;
        let (status, refused) = get_json(&town.base, "/open311/v2/requests.json").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{refused}");
        assert!(
            refused[0]["description"].as_str().unwrap().contains("api_key"),
            "{refused}"
        );
        let (status, _) = get_json(&town.base, "/open311/v2/services.json?api_key=auditor").await;
        assert_eq!(status, StatusCode::OK);
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_hotline_ticket_enters_the_loop_and_is_followed_by_its_number() {
    for backend in backends().await {
        let town = town_on(&backend).await;
        let base = &town.base;
        let (status, answer) =
            post_ticket(base, &ticket("ingest", "street_vending", "26.003", "119.004")).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        let number = answer[0]["service_request_id"].as_str().unwrap().to_owned();

        let case = case_of_number(base, &number).await;
        assert_eq!(case["source"], "hotline");
        assert_eq!(case["grid"], "G01", "placed in the grid at its place");
        assert_eq!(case["state"], "reported", "a citizen's word waits for review");

        // Public: its status, not the reporter.
        let (_, public) = get_json(base, &format!("/open311/v2/requests/{number}.json")).await;
        assert_eq!(public[0]["status"], "open");
        assert_eq!(public[0]["status_notes"], "received; waiting for review");
        assert!(
            !public.to_string().contains("138"),
            "the reporter's phone is never public: {public}"
        );
        assert!(
            !public.to_string().contains("school gate"),
            "nor their words: {public}"
        );

        // The operator files it; the grid's team is sent; the public sees it move.
        let id = case["id"].as_str().unwrap();
        for action in ["file", "dispatch"] {
            let response = http()
                .post(format!("{base}/api/v1/cases/{id}/actions"))
                .bearer_auth("command")
                .json(&serde_json::json!({ "action": action, "to": "g01-officer" }))
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::OK,
                "{action}: {}",
                response.text().await.unwrap()
            );
        }
        let (_, public) = get_json(base, &format!("/open311/v2/requests/{number}.json")).await;
        assert_eq!(public[0]["status_notes"], "sent to the grid team");

        // The full view carries what the reporter said.
        let (_, full) = get_json(
            base,
            &format!("/open311/v2/requests/{number}.json?api_key=command"),
        )
        .await;
        assert!(
            full[0]["description"].as_str().unwrap().contains("school gate"),
            "{full}"
        );
        assert_eq!(full[0]["address"], "12 Market Street");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn open311_posts_that_cannot_be_taken_are_refused_in_the_standards_shape() {
    for backend in backends().await {
        let town = town_on(&backend).await;
        let base = &town.base;
        let refused = |form: Vec<(&'static str, &'static str)>| {
            let base = base.clone();
            async move { post_ticket(&base, &form).await }
        };
        let (status, said) = refused(ticket("ingest", "fly_tipping", "26.003", "119.004")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            said[0]["description"].as_str().unwrap().contains("fly_tipping"),
            "{said}"
        );
        assert_eq!(said[0]["code"], 400);

        let mut no_place = ticket("ingest", "street_vending", "", "");
        no_place.retain(|(k, _)| *k != "lat" && *k != "long");
        let (status, said) = refused(no_place).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            said[0]["description"]
                .as_str()
                .unwrap()
                .contains("address_string alone"),
            "{said}"
        );

        let (status, said) = refused(ticket("ingest", "street_vending", "north", "119.004")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            said[0]["description"].as_str().unwrap().starts_with("lat:"),
            "{said}"
        );

        let (status, _) = refused(ticket("ingest", "street_vending", "95", "119.004")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "a latitude beyond the pole");

        let mut no_key = ticket("", "street_vending", "26.003", "119.004");
        no_key.retain(|(k, _)| *k != "api_key");
        assert_eq!(refused(no_key).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(
            refused(ticket("auditor", "street_vending", "26.003", "119.004"))
                .await
                .0,
            StatusCode::FORBIDDEN
        );

        let malformed = http()
            .post(format!("{base}/open311/v2/requests.json"))
            .header("content-type", "application/json")
            .body("{\"service_code\": ")
            .send()
            .await
            .unwrap();
        assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);

        // Media: a picture is kept with the case; too big or not a picture is refused whole.
        let with_media = |media: Vec<u8>, name: &'static str| {
            let mut form = multipart::Form::new();
            for (k, v) in ticket("ingest", "street_vending", "26.003", "119.004") {
                form = form.text(k, v);
            }
            form.part("media", multipart::Part::bytes(media).file_name(name))
        };
        let send = |form: multipart::Form| {
            let base = base.clone();
            async move {
                let response = http()
                    .post(format!("{base}/open311/v2/requests.xml"))
                    .multipart(form)
                    .send()
                    .await
                    .unwrap();
                (response.status(), response.text().await.unwrap())
            }
        };
        let (status, said) = send(with_media(vec![0xff; 11 * 1024 * 1024], "huge.jpg")).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{said}");
        assert!(
            said.contains("<errors><error>") && said.contains("<code>413</code>"),
            "{said}"
        );
        let (status, said) = send(with_media(b"#!/bin/sh\nrm -rf /".to_vec(), "photo.jpg")).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{said}");
        let (status, said) = send(with_media(jpeg(64, 48, 7), "cart.jpg")).await;
        assert_eq!(status, StatusCode::CREATED, "{said}");
        let number = said
            .split("<service_request_id>")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_owned();
        let case = case_of_number(base, &number).await;
        let evidence = http()
            .get(format!(
                "{base}/api/v1/cases/{}/evidence",
                case["id"].as_str().unwrap()
            ))
            .bearer_auth("command")
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();
        assert_eq!(
            evidence.as_array().unwrap().len(),
            1,
            "the ticket's picture: {evidence}"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_report_at_a_camera_case_joins_it_and_the_camera_verifies_a_reported_case() {
    for backend in backends().await {
        let town = town_on(&backend).await;
        let base = &town.base;
        // A camera case, then a ticket about the same cart 10 m away: one case, seen twice.
        let camera_case = case_in(base, "cam-1", 0.004, 1).await;
        let (status, answer) =
            post_ticket(base, &ticket("ingest", "street_vending", "26.002", "119.0041")).await;
        assert_eq!(status, StatusCode::CREATED);
        assert!(
            answer[0]["service_notice"]
                .as_str()
                .unwrap()
                .contains("already open"),
            "{answer}"
        );
        let joined = case_json(base, &camera_case).await;
        assert_eq!(joined["occurrences"], 2);
        assert_eq!(joined["source"], "camera", "the case keeps who found it first");

        // A ticket first, then the camera sees it: the camera's sighting joins the ticket's case,
        // and when the work is done the camera's word verifies it.
        let (_, answer) = post_ticket(base, &ticket("ingest", "street_vending", "26.006", "119.006")).await;
        let reported = case_of_number(base, answer[0]["service_request_id"].as_str().unwrap()).await;
        let id = reported["id"].as_str().unwrap().to_owned();
        let v = violation("street_vending", "cam-1", None, 2, place(0.006, 0.006), 0.9);
        assert_eq!(report(base, &v).await, id, "the camera joins the reported case");
        let act = |action: &'static str, who: &'static str| {
            let (base, id) = (base.clone(), id.clone());
            async move {
                let response = http()
                    .post(format!("{base}/api/v1/cases/{id}/actions"))
                    .bearer_auth(who)
                    .json(&serde_json::json!({ "action": action, "to": "g01-officer", "note": "cart moved on", "photo": "x" }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    response.status(),
                    StatusCode::OK,
                    "{action}: {}",
                    response.text().await.unwrap()
                );
            }
        };
        act("file", "command").await;
        act("dispatch", "command").await;
        act("accept", "g01-officer").await;
        act("handle", "g01-officer").await;
        let response = http()
            .post(format!("{base}/api/v1/events"))
            .bearer_auth("ingest")
            .json(&cleared(&v))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        let verified = case_json(base, &id).await;
        assert_eq!(verified["state"], "verified", "{verified}");
        assert_eq!(verified["source"], "hotline");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_patrol_report_from_the_task_page_goes_to_the_grid_team_with_its_photo() {
    for backend in backends().await {
        let town = town_on(&backend).await;
        let officer = Browser::sign_in(&town.base, "g01-officer").await.speaking("en");
        let (status, page) = officer.page("/tasks").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("action=\"/tasks/report\"") && page.contains("Report what I see"),
            "{page}"
        );

        let form = |lat: &str, photo: Vec<u8>| {
            multipart::Form::new()
                .text("csrf", officer.csrf.clone())
                .text("kind", "street_vending")
                .text("lat", lat.to_owned())
                .text("lon", "119.007")
                .text("note", "grill smoke and a cart on the corner")
                .part("photo", multipart::Part::bytes(photo).file_name("corner.jpg"))
        };
        // No place: the form comes back with what was typed and why.
        let response = officer
            .post("/tasks/report")
            .multipart(form("", jpeg(32, 32, 1)))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = response.text().await.unwrap();
        assert!(
            page.contains("Say where") && page.contains("grill smoke and a cart"),
            "{page}"
        );

        // A photo over the size a photo may have: refused by name, what was typed kept.
        let big = vec![0xFF; gridwatch_dispatcher::evidence::photos::MAX_PHOTO_BYTES + 1];
        let response = officer
            .post("/tasks/report")
            .multipart(form("26.007", big))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let page = response.text().await.unwrap();
        assert!(
            page.contains("corner.jpg") && page.contains("grill smoke and a cart") && page.contains("26.007"),
            "{page}"
        );

        let response = officer
            .post("/tasks/report")
            .multipart(form("26.007", jpeg(32, 32, 1)))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "{}",
            response.text().await.unwrap()
        );
        let to = response.headers()["location"].to_str().unwrap().to_owned();
        assert!(to.starts_with("/tasks?reported="), "{to}");
        let (_, page) = officer.page(&to).await;
        assert!(page.contains("Reported as case #"), "{page}");

        let number = to.trim_start_matches("/tasks?reported=");
        let case = case_of_number(&town.base, number).await;
        assert_eq!(case["source"], "patrol");
        // Street vending sends confident findings at once: a member's own eyes are as sure as it gets.
        assert_eq!(case["state"], "dispatched", "{case}");
        assert_eq!(case["grid"], "G01");

        // The case page says where it came from, and no camera's confidence.
        let desk = Browser::sign_in(&town.base, "desk").await.speaking("en");
        let (_, page) = desk.page(&format!("/cases/{number}")).await;
        assert!(
            page.contains("Patrol report") && page.contains("grill smoke and a cart"),
            "{page}"
        );
        assert!(!page.contains("Confidence"), "{page}");

        // Without the form's token nothing is reported.
        let forged = multipart::Form::new()
            .text("kind", "street_vending")
            .text("lat", "26.007")
            .text("lon", "119.007")
            .text("note", "x");
        let response = officer
            .post("/tasks/report")
            .multipart(forged)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn indicators_say_what_the_cameras_add() {
    for backend in backends().await {
        let town = town_on(&backend).await;
        let base = &town.base;
        case_in(base, "cam-1", 0.001, 1).await;
        case_in(base, "cam-2", 0.015, 2).await;
        post_ticket(base, &ticket("ingest", "street_vending", "26.008", "119.008")).await;
        let from = morning() - chrono::TimeDelta::days(1);
        let to = morning() + chrono::TimeDelta::days(1);
        let rows: Value = http()
            .get(format!("{base}/api/v1/indicators"))
            .query(&[("from", from.to_rfc3339()), ("to", to.to_rfc3339())])
            .bearer_auth("command")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let of = |source: &str| {
            rows.as_array()
                .unwrap()
                .iter()
                .find(|r| r["source"] == source)
                .map(|r| r["reported"].as_u64().unwrap())
        };
        assert_eq!(
            (of("camera"), of("hotline"), of("patrol")),
            (Some(2), Some(1), Some(0)),
            "{rows}"
        );
        let total = rows.as_array().unwrap().last().unwrap();
        assert_eq!(total["reported"], 3);
        backend.drop_database().await;
    }
}
