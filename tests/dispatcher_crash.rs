//! The dispatcher killed with SIGKILL while 1,000 events are being posted, or consumed from
//! JetStream: after a restart every event is stored exactly once, nothing acknowledged was lost,
//! and the cases and audit chain are consistent.

mod common;
#[path = "common/nats.rs"]
mod nats;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::{demo_copy, gridwatch, publish, sightings, start_dispatcher, violations};
use reqwest::{blocking::Client, StatusCode};

const EVENTS: usize = 1000;
const TOKEN: &str = "demo-ingest";

/// Events over the demo town's four grids: some close enough to merge into one case.
fn events() -> Vec<String> {
    violations(EVENTS)
        .iter()
        .map(|v| serde_json::to_string(v).unwrap())
        .collect()
}

fn post(client: &Client, url: &str, body: &str) -> Option<StatusCode> {
    client
        .post(format!("{url}/api/v1/events"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .ok()
        .map(|r| r.status())
}

#[test]
fn a_killed_dispatcher_loses_nothing_it_acknowledged_and_stores_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (config, _) = demo_copy(dir.path(), |demo| demo.replace("127.0.0.1:8080", "127.0.0.1:0"));
    let events = events();
    let client = Client::new();

    let (mut child, url) = start_dispatcher(&config);
    // Kill the dispatcher (SIGKILL) once a third of the events are acknowledged, while the
    // sender keeps posting.
    let acked = AtomicUsize::new(0);
    let mut acknowledged = Vec::new();
    std::thread::scope(|s| {
        s.spawn(|| {
            while acked.load(Ordering::Acquire) < EVENTS / 3 {
                std::thread::yield_now();
            }
            child.kill().unwrap();
            child.wait().unwrap();
        });
        for (i, event) in events.iter().enumerate() {
            match post(&client, &url, event) {
                Some(StatusCode::CREATED) => acknowledged.push(i),
                Some(other) => panic!("event {i}: {other}"),
                None => break, // the dispatcher is gone
            }
            acked.store(acknowledged.len(), Ordering::Release);
        }
    });
    assert!(
        acknowledged.len() < EVENTS,
        "the dispatcher died before the sender finished"
    );

    let (mut child, url) = start_dispatcher(&config);
    // Every acknowledged event survived: posting it again is a duplicate.
    for &i in &acknowledged {
        assert_eq!(
            post(&client, &url, &events[i]),
            Some(StatusCode::OK),
            "acknowledged event {i} was lost"
        );
    }
    // A sender that cannot know what got through sends everything again.
    for (i, event) in events.iter().enumerate() {
        let status = post(&client, &url, event);
        assert!(
            matches!(status, Some(StatusCode::OK | StatusCode::CREATED)),
            "event {i}: {status:?}"
        );
    }
    let page: serde_json::Value = client
        .get(format!("{url}/api/v1/cases?per_page=200"))
        .bearer_auth("demo-command")
        .send()
        .unwrap()
        .json()
        .unwrap();
    let metrics = client
        .get(format!("{url}/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();

    // Each event stored once: the cases' sightings add up to exactly the events sent.
    let total = page["total"].as_i64().unwrap();
    assert!(total > 0 && total <= 200, "{total} cases");
    let occurrences: i64 = page["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["occurrences"].as_i64().unwrap())
        .sum();
    assert_eq!(occurrences, EVENTS as i64, "{metrics}");
    let (code, stdout, stderr) = gridwatch(&["audit", "verify", "--config", config.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.starts_with("audit chain: "), "{stdout}");
}

#[test]
fn a_killed_jetstream_consumer_stores_every_event_once_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let port = nats::free_port();
    let _server = nats::Server::start(port, &dir.path().join("nats"));
    let url = format!("nats://127.0.0.1:{port}");
    publish(&url, &dir.path().join("spool.jsonl"), violations(EVENTS));
    let (config, _) = demo_copy(dir.path(), |demo| {
        format!(
            "{}\n[output.nats]\nurl = \"{url}\"\n",
            demo.replace("127.0.0.1:8080", "127.0.0.1:0")
        )
    });
    let client = Client::new();
    let wait_for = |api: &str, at_least: i64| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        loop {
            let seen = sightings(&client, api);
            if seen >= at_least {
                return seen;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "only {seen} of {at_least} events consumed"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    };

    let (mut child, api) = start_dispatcher(&config);
    let before = wait_for(&api, EVENTS as i64 / 3);
    child.kill().unwrap(); // SIGKILL, mid-stream
    child.wait().unwrap();
    assert!(before < EVENTS as i64, "consumption had finished before the kill");

    let (mut child, api) = start_dispatcher(&config);
    assert_eq!(wait_for(&api, EVENTS as i64), EVENTS as i64);
    // Redelivered messages whose events were already stored changed nothing.
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(sightings(&client, &api), EVENTS as i64);
    child.kill().unwrap();
    child.wait().unwrap();
    let (code, stdout, stderr) = gridwatch(&["audit", "verify", "--config", config.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
}
