//! One machine, the whole loop: `gridwatch run` plays the demo cameras, confirms a violation on
//! the recorded footage, and its own dispatcher turns it into a case for the grid team.

mod common;

use std::time::{Duration, Instant};

use common::demo_copy;

#[test]
fn a_violation_on_camera_becomes_a_dispatched_case() {
    let dir = tempfile::tempdir().unwrap();
    // The parking rule's dwell shortened so that the recording's first e-bike on the pavement
    // (at rest from about 0:25) is confirmed within the test's minute.
    let (config, text) = demo_copy(dir.path(), |demo| {
        demo.replace("127.0.0.1:8080", "127.0.0.1:0").replace(
            "its owner by it\ndwell = \"45s\"",
            "its owner by it\ndwell = \"15s\"",
        )
    });
    assert!(
        text.contains("dwell = \"15s\""),
        "the parking rule's dwell was not found to shorten"
    );
    let events = dir.path().join("events.jsonl");
    let (mut child, api) = common::start(
        &[
            "run",
            "--config",
            config.to_str().unwrap(),
            "--events",
            events.to_str().unwrap(),
            "--seconds",
            "120",
        ],
        "gridwatch: cases and API on ",
    );

    // Bounded by the run itself: a slow machine gets all of its 120 s, and once the run has
    // ended its API no longer answers. The deadline only stops a run that never ends.
    let client = reqwest::blocking::Client::new();
    let deadline = Instant::now() + Duration::from_secs(600);
    let case = loop {
        let page: serde_json::Value = client
            .get(format!("{api}/api/v1/cases?kind=out_of_line_parking"))
            .bearer_auth("demo-command")
            .send()
            .unwrap_or_else(|e| panic!("no case within the run ({e})"))
            .json()
            .unwrap();
        if let Some(case) = page["cases"].as_array().and_then(|c| c.first()).cloned() {
            break case;
        }
        assert!(Instant::now() < deadline, "the run did not end");
        std::thread::sleep(Duration::from_millis(500));
    };
    // The one machine serves the web pages beside the API: the sign-in page, and a page that
    // asks a visitor without a session to sign in first.
    let no_redirects = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = no_redirects.get(format!("{api}/login")).send().unwrap();
    let login_status = login.status();
    let login_page = login.text().unwrap();
    let centre = no_redirects.get(format!("{api}/centre")).send().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(login_status, reqwest::StatusCode::OK, "{login_page}");
    assert!(login_page.contains("name=\"password\""), "{login_page}");
    assert_eq!(centre.status(), reqwest::StatusCode::SEE_OTHER);
    assert_eq!(case["camera"], "metro-exit", "{case}");
    assert_eq!(case["grid"], "G02", "{case}");
    // Confident enough for the demo's policy, and someone on the G02 roster has it.
    assert_eq!(case["state"], "dispatched", "{case}");
    assert!(case["assignee"].as_str().unwrap().starts_with("g02-"), "{case}");
    // The camera's last analysed frame is kept for the cameras page, as a JPEG.
    let last = dir.path().join("var/evidence/cameras/metro-exit.jpg");
    let jpeg = std::fs::read(&last).unwrap_or_else(|e| panic!("{}: {e}", last.display()));
    assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF], "{}", last.display());
}
