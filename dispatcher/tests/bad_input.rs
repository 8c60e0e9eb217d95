//! Bad bodies a network peer can post, generated: events and case actions that are cut short,
//! random bytes, or well-formed but with a field of the wrong type or out of range. Each is
//! refused with a 4xx and a JSON error, never a 5xx, and stores nothing.
//!
//! `PROPTEST_CASES` sets how many bodies each property tries (64 unless set).

mod common;

use std::sync::Arc;

use common::*;
use gridwatch_core::PipelineEvent;
use gridwatch_dispatcher::{api, cases::Action, Dispatcher};
use proptest::{prelude::*, test_runner::TestRunner};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        // Failing inputs are kept as named tests, not in files beside the sources.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// One camera in grid G01.
const CAMERA: &str = r#"
[[cameras]]
id = "cam-1"
uri = "rtsp://10.0.0.5/sub"
location = { lon = 119.002, lat = 26.002 }
"#;

struct Api {
    base: String,
    http: reqwest::Client,
    _data: Backend,
}

impl Api {
    /// The town's dispatcher on a SQLite file of its own, served on a free port.
    async fn start() -> Self {
        let data = Backend::Sqlite(tempfile::tempdir().unwrap());
        let (dispatcher, _) = common::dispatcher(&data, &format!("{}{CAMERA}", tokens()), morning()).await;
        Self {
            base: serve(dispatcher).await,
            http: reqwest::Client::new(),
            _data: data,
        }
    }

    async fn get(&self, path: &str) -> Value {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth("command")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json().await.unwrap()
    }

    async fn post(&self, token: &str, path: &str, body: Vec<u8>) -> (StatusCode, String) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }

    /// Posts `body`, which must be refused: a 4xx whose body is `{"error": "…"}`.
    async fn refused(&self, token: &str, path: &str, body: Vec<u8>) -> Result<(), TestCaseError> {
        let shown = String::from_utf8_lossy(&body).into_owned();
        let (status, answer) = self.post(token, path, body).await;
        prop_assert!(status.is_client_error(), "{status} for {shown:?}: {answer}");
        let error: Value = serde_json::from_str(&answer)
            .map_err(|e| TestCaseError::fail(format!("{status} for {shown:?}: not JSON ({e}): {answer}")))?;
        let sentence = error["error"].as_str().unwrap_or_default();
        prop_assert!(!sentence.is_empty(), "{status} for {shown:?}: {answer}");
        Ok(())
    }
}

async fn serve(dispatcher: Dispatcher) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let router = api::router(Arc::new(dispatcher));
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A JSON value of a different type than `like`, or a number out of the range a number field
/// takes.
fn wrong_for(like: &Value) -> BoxedStrategy<Value> {
    let any_other = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        Just(json!([])),
        Just(json!({"nested": 1})),
    ];
    match like {
        Value::String(_) => prop_oneof![any_other, any::<i64>().prop_map(Value::from)].boxed(),
        Value::Number(_) => prop_oneof![
            any_other,
            "[a-z ]{0,8}".prop_map(Value::from),
            // Beyond every ranged field (latitude, confidence, image box) and no whole number
            // (track).
            prop::sample::select(vec![json!(1e300), json!(-1e300), json!(1.5e19)]),
        ]
        .boxed(),
        _ => prop_oneof![any_other, "[a-z ]{0,8}".prop_map(Value::from)].boxed(),
    }
}

/// Every required field of a value: the JSON pointers to its leaves that are not null.
fn leaves(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                leaves(v, format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                leaves(v, format!("{at}/{i}"), out);
            }
        }
        Value::Null => {}
        _ => out.push(at),
    }
}

/// Bodies that are malformed however they were made: `good` cut short, or with one field of the
/// wrong type (or out of range), or removed; or random bytes.
fn malformed(good: Value, wrong_fields: Vec<String>) -> impl Strategy<Value = Vec<u8>> {
    let text = good.to_string().into_bytes();
    let cut = {
        let text = text.clone();
        (0..text.len()).prop_map(move |n| text[..n].to_vec())
    };
    let retyped = {
        let good = good.clone();
        prop::sample::select(wrong_fields.clone()).prop_flat_map(move |pointer| {
            let (good, like) = (good.clone(), good.pointer(&pointer).unwrap().clone());
            wrong_for(&like).prop_map(move |value| {
                let mut body = good.clone();
                *body.pointer_mut(&pointer).unwrap() = value;
                body.to_string().into_bytes()
            })
        })
    };
    let removed = prop::sample::select(wrong_fields).prop_map(move |pointer| {
        let mut body = good.clone();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        body.pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .unwrap()
            .remove(key);
        body.to_string().into_bytes()
    });
    prop_oneof![
        2 => cut,
        4 => retyped,
        2 => removed,
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
}

fn an_event() -> PipelineEvent {
    PipelineEvent::Violation(violation(
        "street_vending",
        "cam-1",
        None,
        1,
        place(0.002, 0.002),
        0.9,
    ))
}

#[test]
fn malformed_events_are_refused_with_a_json_error_and_store_nothing() {
    let rt = runtime();
    let api = rt.block_on(Api::start());
    let good = serde_json::to_value(an_event()).unwrap();
    let mut fields = Vec::new();
    leaves(&good, String::new(), &mut fields);
    // Free-form or optional values that any string or number fills validly.
    fields.retain(|f| !f.starts_with("/evidence") && !f.starts_with("/model"));

    let mut runner = TestRunner::new(config());
    runner
        .run(&malformed(good, fields), |body| {
            rt.block_on(api.refused("ingest", "/api/v1/events", body))
        })
        .unwrap();
    let cases = rt.block_on(api.get("/api/v1/cases"));
    assert_eq!(cases["total"], 0, "{cases}");
}

#[test]
fn malformed_case_actions_are_refused_with_a_json_error_and_change_nothing() {
    let rt = runtime();
    let api = rt.block_on(Api::start());
    let (status, answer) = rt.block_on(api.post(
        "ingest",
        "/api/v1/events",
        serde_json::to_vec(&an_event()).unwrap(),
    ));
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let case = serde_json::from_str::<Value>(&answer).unwrap()["case"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/cases/{case}/actions");
    let audit_path = format!("/api/v1/cases/{case}/audit");
    let before = rt.block_on(api.get(&audit_path));

    let good = json!({
        "action": "return",
        "note": "n",
        "reason": "r",
        "to": "g01-officer",
        "photo": "p.jpg",
        "until": "2026-06-01T06:00:00Z",
    });
    let fields: Vec<String> = ["/action", "/note", "/reason", "/to", "/photo", "/until"]
        .map(String::from)
        .to_vec();
    let unknown_action = "[a-z_]{1,12}"
        .prop_filter("not an action", |a| {
            !Action::ALL.iter().any(|known| known.as_str() == a)
        })
        .prop_map(|a| json!({ "action": a }).to_string().into_bytes());
    // Every field but `reason` may be left out or null, so a body missing one, or with one
    // null, can be a valid request: only cut, retyped and random bodies count.
    let bodies = prop_oneof![
        malformed(good, fields).prop_filter("may be well-formed", |b| {
            match serde_json::from_slice::<Value>(b) {
                Ok(Value::Object(o)) => o.len() == 6 && o.values().all(|v| !v.is_null()),
                _ => true,
            }
        }),
        unknown_action,
    ];
    let mut runner = TestRunner::new(config());
    runner
        .run(&bodies, |body| rt.block_on(api.refused("command", &path, body)))
        .unwrap();
    let after = rt.block_on(api.get(&audit_path));
    assert_eq!(before, after, "the case's record changed");
}
