//! One machine, the whole loop: `gridwatch run` plays the demo cameras, confirms a violation on
//! the recorded footage, and its own dispatcher turns it into a case for the grid team; every
//! stage's metrics show on the dispatcher's `/metrics` and on the run's own metrics address, and
//! an interrupted run still writes out what it had queued.

mod common;

use std::time::{Duration, Instant};

use common::{counted_everywhere, demo_copy, sample};

#[test]
fn a_violation_on_camera_becomes_a_dispatched_case() {
    let dir = tempfile::tempdir().unwrap();
    // The parking rule's dwell shortened so that the recording's first e-bike on the pavement
    // (at rest from about 0:25) is confirmed within the test's minute.
    // A free port for the run's own metrics address.
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (config, text) = demo_copy(dir.path(), |demo| {
        demo.replace("127.0.0.1:8080", "127.0.0.1:0").replace(
            "its owner by it\ndwell = \"45s\"",
            "its owner by it\ndwell = \"15s\"",
        ) + &format!("\n[metrics]\nlisten = \"127.0.0.1:{metrics_port}\"\n")
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
    // Every camera has been decoded and analysed by now on a quick machine; a slow one gets the
    // rest of the run.
    let scrape = |url: &str| {
        let answer = client.get(url).send().unwrap_or_else(|e| panic!("{url}: {e}"));
        let content_type = answer.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        (content_type, answer.text().unwrap())
    };
    let (dispatcher_metrics, own_metrics) = loop {
        let dispatcher_metrics = scrape(&format!("{api}/metrics"));
        let own_metrics = scrape(&format!("http://127.0.0.1:{metrics_port}/metrics"));
        if counted_everywhere(&dispatcher_metrics.1) && counted_everywhere(&own_metrics.1) {
            break (dispatcher_metrics, own_metrics);
        }
        assert!(Instant::now() < deadline, "the run did not end");
        std::thread::sleep(Duration::from_millis(500));
    };
    // Interrupted, the run stops in order: what it had queued is still written.
    // SAFETY: kill only sends a signal to the child this test started.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let status = child.wait().unwrap();
    assert!(status.success(), "an interrupted run exits cleanly: {status}");
    let written = std::fs::read_to_string(&events).unwrap();
    assert!(
        written.contains("\"kind\":\"out_of_line_parking\""),
        "the dispatched violation is in {}:\n{written}",
        events.display()
    );
    assert_eq!(login_status, reqwest::StatusCode::OK, "{login_page}");
    assert!(login_page.contains("name=\"password\""), "{login_page}");
    assert_eq!(centre.status(), reqwest::StatusCode::SEE_OTHER);
    for (content_type, exposition) in [&dispatcher_metrics, &own_metrics] {
        assert!(
            content_type.starts_with("application/openmetrics-text"),
            "{content_type}"
        );
        assert!(exposition.ends_with("# EOF\n"), "{exposition}");
        // The confirmed violation went out, and was counted by its kind.
        assert!(
            sample(
                exposition,
                "gridwatch_pipeline_violations_total{kind=\"out_of_line_parking\"}"
            )
            .is_some_and(|n| n >= 1.0),
            "{exposition}"
        );
    }
    // The dispatcher's own series beside the pipeline's.
    assert!(
        sample(
            &dispatcher_metrics.1,
            "gridwatch_events_total{outcome=\"rejected\"}"
        ) == Some(0.0)
            && sample(&dispatcher_metrics.1, "gridwatch_cases{state=\"dispatched\"}").is_some(),
        "{}",
        dispatcher_metrics.1
    );
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
