//! Several `gridwatch worker` processes from one configuration share its cameras through leases
//! in a JetStream key-value bucket on a private nats-server: each camera is analysed by exactly
//! one worker, a worker killed with SIGKILL has its cameras taken over by the others, and a
//! worker stopped in order gives its leases back.

mod common;
#[path = "common/nats.rs"]
mod nats;

#[path = "common/workers.rs"]
mod workers;

use std::time::{Duration, Instant};

use common::{demo_copy, sample, wait_for};
use workers::{camera_ids, cameras_again, count, heirs_analyse, holders, shared_settings, Worker};

/// Short, so the test waits little for a lease to lapse; the default is 10 s.
const LEASE_SECS: u64 = 6;
/// What the issue of many machines asks: a dead worker's cameras analysed again within this.
const TAKE_OVER_BOUND: Duration = Duration::from_secs(30);
/// The demo's three cameras, and each again under another id: six cameras.
const COPIES: [&str; 2] = ["", "-b"];

#[test]
fn workers_share_the_cameras_take_over_a_killed_one_s_and_give_theirs_back_on_stopping() {
    let dir = tempfile::tempdir().unwrap();
    let port = nats::free_port();
    let _server = nats::Server::start(port, &dir.path().join("nats"));
    let url = format!("nats://127.0.0.1:{port}");
    let (config, _) = demo_copy(dir.path(), |demo| {
        cameras_again(demo, &COPIES) + &shared_settings(&url, &dir.path().join("spool.jsonl"), LEASE_SECS)
    });
    let config = config.to_str().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    // The first worker alone takes every camera, a few a round.
    let mut workers = vec![Worker::start("w1", config, 6)];
    wait_for(
        "w1 holds every camera",
        || holders(&runtime, &url),
        |h| count(h, "w1") == 6,
    );

    // Two more join: the cameras spread to two each, every one held once.
    workers.push(Worker::start("w2", config, 6));
    workers.push(Worker::start("w3", config, 6));
    let held = wait_for(
        "two cameras each",
        || holders(&runtime, &url),
        |h| h.len() == 6 && ["w1", "w2", "w3"].iter().all(|w| count(h, w) == 2),
    );
    assert_eq!(held.keys().cloned().collect::<Vec<_>>(), camera_ids(&COPIES));
    // Each worker analyses what it holds, and says how many it holds.
    for worker in &workers {
        wait_for(
            &format!("{} counts its leases", worker.name),
            || sample(&worker.exposition(), "gridwatch_worker_cameras_held"),
            |n| *n == Some(2.0),
        );
        let health = reqwest::blocking::get(worker.metrics.replace("/metrics", "/health"))
            .unwrap()
            .text()
            .unwrap();
        assert_eq!(health, "ok\n");
        for (camera, _) in held.iter().filter(|(_, w)| *w == worker.name) {
            wait_for(
                &format!("{} analyses {camera}", worker.name),
                || worker.analysed(camera),
                |n| *n > 0.0,
            );
        }
    }

    // SIGKILL w1: its cameras lapse and the others take them over and analyse them.
    let orphans: Vec<String> = held
        .iter()
        .filter(|(_, w)| *w == "w1")
        .map(|(c, _)| c.clone())
        .collect();
    let mut killed = workers.remove(0);
    killed.child.kill().unwrap();
    let died = Instant::now();
    killed.child.wait().unwrap();
    let held = wait_for(
        "w1's cameras taken over",
        || holders(&runtime, &url),
        |h| h.len() == 6 && !h.values().any(|w| w == "w1"),
    );
    assert!(["w2", "w3"].iter().all(|w| count(&held, w) == 3), "{held:?}");
    heirs_analyse(&workers, &held, &orphans);
    let took = died.elapsed();
    assert!(
        took <= TAKE_OVER_BOUND,
        "w1's cameras {orphans:?} were analysed again after {took:?}"
    );
    eprintln!("a killed worker's cameras analysed again after {took:?}");

    // Stopped in order, a worker gives its leases back at once: the last one takes them all.
    workers.remove(0).stop();
    let left = workers[0].name;
    wait_for(
        "the last worker holds every camera",
        || holders(&runtime, &url),
        |h| h.len() == 6 && count(h, left) == 6,
    );
    workers.remove(0).stop();
    assert!(holders(&runtime, &url).is_empty(), "every lease given back");
}

#[test]
fn a_worker_without_nats_or_with_a_bad_name_says_so_and_starts_nothing() {
    let (code, _, stderr) = common::gridwatch(&["worker", "--config", "examples/demo.toml"], &[]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("examples/demo.toml: a worker sends its events to NATS JetStream, and shares the cameras through it; the configuration has no [output.nats]"),
        "{stderr}"
    );
    let dir = tempfile::tempdir().unwrap();
    let (config, _) = demo_copy(dir.path(), |demo| {
        demo + "\n[output.nats]\nurl = \"nats://127.0.0.1:9\"\n"
    });
    let config = config.to_str().unwrap();
    let (code, _, stderr) = common::gridwatch(&["worker", "--config", config, "--id", "w 1"], &[]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("--id: `w 1` may only contain ASCII letters, digits, `-`, `_` and `.`"),
        "{stderr}"
    );
    let (code, _, stderr) = common::gridwatch(&["worker", "--config", config, "--max-cameras", "0"], &[]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("--max-cameras: a worker that may hold no camera does nothing"),
        "{stderr}"
    );
}
