//! The HTTP API over a real socket, on SQLite and PostgreSQL: who may see and do what, and how bad
//! requests are refused without storing anything.

mod common;

use std::sync::Arc;

use common::*;
use gridwatch_core::PipelineEvent;
use gridwatch_dispatcher::{api, Dispatcher};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Serves `dispatcher` on a free port; returns its base URL.
async fn serve(dispatcher: Dispatcher) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let router = api::router(Arc::new(dispatcher));
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}")
}

struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, token: &str, path: &str, body: impl Into<reqwest::Body>) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn act(&self, token: &str, case: &str, action: &str) -> (StatusCode, Value) {
        let body = json!({ "action": action }).to_string();
        self.post(token, &format!("/api/v1/cases/{case}/actions"), body)
            .await
    }

    async fn post_event(&self, token: &str, event: &PipelineEvent) -> (StatusCode, Value) {
        self.post(token, "/api/v1/events", serde_json::to_string(event).unwrap())
            .await
    }
}

/// One camera in grid G01.
const CAMERA: &str = r#"
[[cameras]]
id = "cam-1"
uri = "rtsp://10.0.0.5/sub"
location = { lon = 119.002, lat = 26.002 }
"#;

async fn client(backend: &Backend) -> Client {
    let (d, _) = dispatcher(backend, &format!("{}{CAMERA}", tokens()), morning()).await;
    Client {
        base: serve(d).await,
        http: reqwest::Client::new(),
    }
}

#[tokio::test]
async fn each_role_sees_and_does_only_its_part() {
    for backend in backends().await {
        let db = backend.name();
        let c = client(&backend).await;
        let v = violation("street_vending", "cam-1", None, 1, place(0.002, 0.002), 0.9);
        let (status, body) = c.post_event("ingest", &PipelineEvent::Violation(v)).await;
        assert_eq!(status, StatusCode::CREATED, "{db}: {body}");
        let case = body["case"].as_str().unwrap().to_owned();

        // No token, a wrong token: 401.
        let anonymous = c
            .http
            .get(format!("{}/api/v1/cases", c.base))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "{db}");
        assert_eq!(
            c.get("guess", "/api/v1/cases").await.0,
            StatusCode::UNAUTHORIZED,
            "{db}"
        );
        // Ingest posts, never reads.
        assert_eq!(
            c.get("ingest", "/api/v1/cases").await.0,
            StatusCode::FORBIDDEN,
            "{db}"
        );
        assert_eq!(
            c.get("ingest", &format!("/api/v1/cases/{case}")).await.0,
            StatusCode::FORBIDDEN,
            "{db}"
        );
        // The auditor reads everything, changes nothing.
        assert_eq!(
            c.get("auditor", &format!("/api/v1/cases/{case}")).await.0,
            StatusCode::OK,
            "{db}"
        );
        let (status, body) = c
            .post(
                "auditor",
                &format!("/api/v1/cases/{case}/actions"),
                r#"{"action":"close"}"#,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{db}: {body}");
        assert_eq!(
            c.post_event(
                "auditor",
                &PipelineEvent::Violation(violation(
                    "street_vending",
                    "cam-1",
                    None,
                    2,
                    place(0.005, 0.005),
                    0.9
                ))
            )
            .await
            .0,
            StatusCode::FORBIDDEN,
            "{db}"
        );
        // Another grid's member cannot tell the case exists.
        assert_eq!(
            c.get("g02-officer", &format!("/api/v1/cases/{case}")).await.0,
            StatusCode::NOT_FOUND,
            "{db}"
        );
        let (status, _) = c
            .post(
                "g02-officer",
                &format!("/api/v1/cases/{case}/actions"),
                r#"{"action":"accept"}"#,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{db}");
        assert_eq!(c.get("g02-officer", "/api/v1/cases").await.1["total"], 0, "{db}");
        assert_eq!(
            c.get("g02-officer", "/api/v1/cases?grid=G01").await.1["total"],
            0,
            "{db}"
        );
        // Its own member sees it, has it as a task and can act on it.
        assert_eq!(c.get("g01-officer", "/api/v1/cases").await.1["total"], 1, "{db}");
        assert_eq!(
            c.get("g01-officer", "/api/v1/tasks/mine")
                .await
                .1
                .as_array()
                .unwrap()
                .len(),
            1,
            "{db}"
        );
        let (status, body) = c
            .post(
                "g01-officer",
                &format!("/api/v1/cases/{case}/actions"),
                r#"{"action":"accept"}"#,
            )
            .await;
        assert_eq!(
            (status, body["state"].as_str()),
            (StatusCode::OK, Some("accepted")),
            "{db}: {body}"
        );
        // A transition the state does not allow: 409 with the reason.
        let (status, body) = c
            .post(
                "command",
                &format!("/api/v1/cases/{case}/actions"),
                r#"{"action":"close"}"#,
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{db}");
        assert_eq!(
            body["error"], "cannot close a case that is accepted; close applies to verified cases",
            "{db}"
        );
        let (_, audit) = c.get("auditor", &format!("/api/v1/cases/{case}/audit")).await;
        assert_eq!(audit.as_array().unwrap().len(), 4, "{db}: {audit}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn bad_requests_are_refused_with_the_field_at_fault_and_store_nothing() {
    for backend in backends().await {
        let db = backend.name();
        let c = client(&backend).await;
        let good = serde_json::to_value(PipelineEvent::Violation(violation(
            "street_vending",
            "cam-1",
            None,
            1,
            place(0.002, 0.002),
            0.9,
        )))
        .unwrap();
        let with = |pointer: &str, value: Value| {
            let mut event = good.clone();
            *event.pointer_mut(pointer).unwrap() = value;
            event.to_string()
        };
        let cases = [
            (
                "{\"type\": \"violation\", ",
                StatusCode::BAD_REQUEST,
                "the body is not valid JSON",
            ),
            (
                &with("/kind", json!("loud_music")) as &str,
                StatusCode::UNPROCESSABLE_ENTITY,
                "kind: unknown violation kind `loud_music`",
            ),
            (
                &with("/location/lat", json!(123.0)),
                StatusCode::UNPROCESSABLE_ENTITY,
                "location: latitude 123 is outside",
            ),
            (
                &with("/confidence", json!("high")),
                StatusCode::UNPROCESSABLE_ENTITY,
                "confidence: invalid type",
            ),
            (
                &with("/confidence", json!(7.0)),
                StatusCode::UNPROCESSABLE_ENTITY,
                "confidence: 7 is not between 0 and 1",
            ),
            (
                &with("/image_box/x1", json!(-1.0)),
                StatusCode::UNPROCESSABLE_ENTITY,
                "image_box: (-1, 10)–(50, 80) is not a box in a picture",
            ),
            (
                &with("/type", json!("rumour")),
                StatusCode::UNPROCESSABLE_ENTITY,
                "type: unknown event type `rumour`",
            ),
        ];
        for (body, status, message) in cases {
            let (got, answer) = c.post("ingest", "/api/v1/events", body.to_owned()).await;
            assert_eq!(got, status, "{db}: {body} → {answer}");
            let error = answer["error"].as_str().unwrap_or_default();
            assert!(
                error.starts_with(message),
                "{db}: `{error}` should start with `{message}`"
            );
        }
        let oversize = format!(
            "{{\"type\":\"violation\",\"pad\":\"{}\"}}",
            "x".repeat(api::MAX_BODY)
        );
        assert_eq!(
            c.post("ingest", "/api/v1/events", oversize).await.0,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{db}"
        );
        let (status, body) = c
            .post("command", "/api/v1/cases/nope/actions", "{\"action\": \"fly\"}")
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{db}: {body}");
        assert_eq!(
            c.get("command", "/api/v1/cases").await.1["total"],
            0,
            "{db}: nothing stored"
        );
        let (_, metrics) = (
            StatusCode::OK,
            c.http
                .get(format!("{}/metrics", c.base))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        );
        assert!(
            metrics.contains("gridwatch_events_total{outcome=\"rejected\"} 7"),
            "{db}: {metrics}"
        );
        assert!(
            metrics.contains("gridwatch_events_total{outcome=\"stored\"} 0"),
            "{db}: {metrics}"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn duplicates_open311_feed_and_the_openapi_document() {
    let backend = backends().await.remove(0);
    let c = client(&backend).await;
    let mut feed = c
        .http
        .get(format!("{}/api/v1/feed", c.base))
        .bearer_auth("command")
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), StatusCode::OK);
    let v = PipelineEvent::Violation(violation(
        "street_vending",
        "cam-1",
        None,
        1,
        place(0.002, 0.002),
        0.9,
    ));
    assert_eq!(c.post_event("ingest", &v).await.0, StatusCode::CREATED);
    let (status, body) = c.post_event("ingest", &v).await;
    assert_eq!(
        (status, body["outcome"].as_str()),
        (StatusCode::OK, Some("duplicate"))
    );

    // The feed told of the report, the filing and the dispatch.
    let mut seen = String::new();
    while seen.matches("event: case").count() < 3 {
        let chunk = feed.chunk().await.unwrap().unwrap();
        seen += std::str::from_utf8(&chunk).unwrap();
    }
    assert!(seen.contains("\"action\":\"dispatch\""), "{seen}");

    let (status, rows) = c
        .get("g01-officer", "/api/v1/indicators?from=2026-05-01T00:00:00Z")
        .await;
    assert_eq!(
        (status, rows[0]["grid"].as_str(), rows[0]["reported"].as_i64()),
        (StatusCode::OK, Some("G01"), Some(1)),
        "{rows}"
    );
    let health = r#"{"type":"camera_health","camera":"cam-1","state":"offline","at":"2026-06-01T02:00:05Z","detail":"rtspsrc: could not connect"}"#;
    assert_eq!(
        c.post("ingest", "/api/v1/events", health).await.0,
        StatusCode::CREATED
    );
    let (_, cameras) = c.get("g01-officer", "/api/v1/cameras").await;
    let camera = &cameras["cameras"][0];
    assert_eq!(
        (&camera["grid"], &camera["health"]["state"]),
        (&json!("G01"), &json!("offline")),
        "{cameras}"
    );
    // Outside every grid: the command centre's queue, not a team's.
    let nowhere = PipelineEvent::Violation(violation(
        "street_vending",
        "cam-9",
        None,
        9,
        place(0.05, 0.05),
        0.9,
    ));
    assert_eq!(c.post_event("ingest", &nowhere).await.0, StatusCode::CREATED);
    let (_, queue) = c.get("command", "/api/v1/cases?grid=none").await;
    assert_eq!(
        (queue["total"].as_i64(), &queue["cases"][0]["state"]),
        (Some(1), &json!("filed")),
        "{queue}"
    );
    let (_, services) = c.get("auditor", "/open311/v2/services.json").await;
    assert!(
        services
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["service_code"] == "street_vending"),
        "{services}"
    );
    let response = c
        .http
        .get(format!(
            "{}/open311/v2/requests.json?status=open&api_key=auditor",
            c.base
        ))
        .send()
        .await
        .unwrap();
    let requests: Value = response.json().await.unwrap();
    let agency = |id: &str| {
        let request = requests
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["service_request_id"] == id)
            .unwrap();
        request["agency_responsible"].as_str().unwrap().to_owned()
    };
    assert_eq!(
        (agency("1"), agency("2")),
        ("G01".to_owned(), "command centre".to_owned()),
        "{requests}"
    );
    let (status, one) = c.get("auditor", "/open311/v2/requests/1.json").await;
    assert_eq!((status, &one[0]["status"]), (StatusCode::OK, &json!("open")));

    let doc: Value = c
        .http
        .get(format!("{}/api/v1/openapi.json", c.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/events",
        "/api/v1/cases",
        "/api/v1/cases/{id}",
        "/api/v1/cases/{id}/actions",
        "/api/v1/cases/{id}/audit",
        "/api/v1/cases/{id}/package",
        "/api/v1/tasks/mine",
        "/api/v1/grids",
        "/api/v1/indicators",
        "/api/v1/cameras",
        "/api/v1/deliveries",
        "/api/v1/exports/false-positives",
        "/api/v1/feed",
        "/open311/v2/services.json",
        "/open311/v2/requests.json",
        "/open311/v2/requests/{id}",
        "/metrics",
        "/healthz",
        "/readyz",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "the OpenAPI document lacks {path}"
        );
    }
    assert_eq!(
        c.http
            .get(format!("{}/readyz", c.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn fair_dispatch_says_why_it_cannot() {
    for backend in backends().await {
        let db = backend.name();
        // At 03:00 only G01's night assistant works; G02 has nobody on duty.
        let night: chrono::DateTime<chrono::Utc> = "2026-06-01T19:00:00Z".parse().unwrap();
        let (d, _) = dispatcher(&backend, &format!("{}{CAMERA}", tokens()), night).await;
        let c = Client {
            base: serve(d).await,
            http: reqwest::Client::new(),
        };
        let mut track = 0;
        let mut report = |at| {
            track += 1;
            let event = violation("out_of_line_parking", "cam-1", None, track, at, 0.9);
            let c = &c;
            async move {
                let (_, body) = c.post_event("ingest", &PipelineEvent::Violation(event)).await;
                body["case"].as_str().unwrap().to_owned()
            }
        };
        let reported = report(place(0.015, 0.002)).await;
        let (in_g02, nowhere) = (report(place(0.016, 0.003)).await, report(place(0.05, 0.05)).await);
        for case in [&in_g02, &nowhere] {
            assert_eq!(c.act("command", case, "file").await.0, StatusCode::OK, "{db}");
        }
        let refusals = [
            // The state's answer comes first, whoever is on duty.
            (&reported, StatusCode::CONFLICT, "cannot dispatch a case that is reported; dispatch applies to filed or returned or reopened cases"),
            (&in_g02, StatusCode::UNPROCESSABLE_ENTITY, "to: nobody in grid G02 is on duty now; name a member"),
            (&nowhere, StatusCode::UNPROCESSABLE_ENTITY, "to: the case lies outside every grid; name a member to send it to"),
        ];
        for (case, status, error) in refusals {
            let (got, body) = c.act("command", case, "dispatch").await;
            assert_eq!((got, body["error"].as_str()), (status, Some(error)), "{db}");
        }
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn open311_status_filters_every_case_not_only_the_newest_page() {
    for backend in backends().await {
        let db = backend.name();
        let c = client(&backend).await;
        // The oldest case is voided; two hundred newer ones stay open, each at its own spot.
        for track in 0..=200u64 {
            let at = place(0.0006 * (track % 15) as f64, 0.0006 * (track / 15) as f64);
            let event = violation("out_of_line_parking", "cam-1", None, track + 1, at, 0.5);
            let (status, body) = c.post_event("ingest", &PipelineEvent::Violation(event)).await;
            assert_eq!(status, StatusCode::CREATED, "{db}: {body}");
            if track == 0 {
                let case = body["case"].as_str().unwrap();
                let void = json!({ "action": "void", "reason": "a parked car's shadow" }).to_string();
                let (status, body) = c
                    .post("command", &format!("/api/v1/cases/{case}/actions"), void)
                    .await;
                assert_eq!(status, StatusCode::OK, "{db}: {body}");
            }
        }
        let (status, closed) = c.get("auditor", "/open311/v2/requests.json?status=closed").await;
        assert_eq!(status, StatusCode::OK, "{db}: {closed}");
        let numbers: Vec<&str> = closed
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["service_request_id"].as_str())
            .collect();
        assert_eq!(numbers, ["1"], "{db}: {closed}");
        let (_, open) = c.get("auditor", "/open311/v2/requests.json?status=open").await;
        assert_eq!(open.as_array().unwrap().len(), 200, "{db}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_store_outage_answers_503_with_a_plain_sentence() {
    for backend in backends().await {
        let db = backend.name();
        let (d, _) = dispatcher(&backend, &format!("{}{CAMERA}", tokens()), morning()).await;
        let pool = d.store().pool().clone();
        let c = Client {
            base: serve(d).await,
            http: reqwest::Client::new(),
        };
        let v = violation("street_vending", "cam-1", None, 1, place(0.002, 0.002), 0.9);
        let (_, body) = c.post_event("ingest", &PipelineEvent::Violation(v.clone())).await;
        let case = body["case"].as_str().unwrap().to_owned();
        pool.close().await;

        let again = violation("street_vending", "cam-1", None, 2, place(0.004, 0.004), 0.9);
        let answers = [
            c.get("command", "/api/v1/cases").await,
            c.get("command", &format!("/api/v1/cases/{case}")).await,
            c.post_event("ingest", &PipelineEvent::Violation(again)).await,
            c.get("auditor", "/open311/v2/requests.json").await,
        ];
        for (status, body) in answers {
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{db}: {body}");
            // Open311 answers errors in its own shape: `[{"code", "description"}]`.
            let said = body.get("error").unwrap_or(&body[0]["description"]);
            assert_eq!(
                said, "the case store cannot be reached; try again shortly",
                "{db}: nothing of the database's own text reaches the caller"
            );
        }
        let ready = c.http.get(format!("{}/readyz", c.base)).send().await.unwrap();
        assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE, "{db}");
        let text = ready.text().await.unwrap();
        assert!(!text.contains("pool"), "{db}: {text}");
        backend.drop_database().await;
    }
}
