//! Several `gridwatch worker` processes from one configuration share its cameras through leases
//! in a JetStream key-value bucket on a private nats-server: each camera is analysed by exactly
//! one worker, a worker killed with SIGKILL has its cameras taken over by the others, and a
//! worker stopped in order gives its leases back.

mod common;
#[path = "common/nats.rs"]
mod nats;

use std::{
    collections::BTreeMap,
    process::Child,
    time::{Duration, Instant},
};

use async_nats::jetstream;
use common::{demo_copy, sample, start, DEMO_CAMERAS};
use futures_util::StreamExt;

/// Short, so the test waits little for a lease to lapse; the default is 10 s.
const LEASE_SECS: u64 = 6;
/// What the issue of many machines asks: a dead worker's cameras analysed again within this.
const TAKE_OVER_BOUND: Duration = Duration::from_secs(30);

/// The demo's three cameras, and each again under another id: six cameras.
fn six_cameras(demo: String) -> String {
    let from = demo.find("[[cameras]]").unwrap();
    let to = demo.find("[[rules]]").unwrap();
    let mut again = demo[from..to].to_owned();
    for camera in DEMO_CAMERAS {
        again = again.replace(&format!("id = \"{camera}\""), &format!("id = \"{camera}-b\""));
    }
    format!("{}{again}{}", &demo[..to], &demo[to..])
}

fn cameras() -> Vec<String> {
    DEMO_CAMERAS
        .iter()
        .flat_map(|c| [c.to_string(), format!("{c}-b")])
        .collect()
}

struct Worker {
    name: &'static str,
    child: Child,
    metrics: String,
}

impl Worker {
    fn start(name: &'static str, config: &str) -> Self {
        let port = nats::free_port();
        let address = format!("127.0.0.1:{port}");
        let args = [
            "worker",
            "--config",
            config,
            "--id",
            name,
            "--metrics",
            &address,
            "--seconds",
            "600",
        ];
        let (child, said) = start(&args, "gridwatch: worker ");
        assert!(said.starts_with(&format!("{name} shares 6 cameras")), "{said}");
        Worker {
            name,
            child,
            metrics: format!("http://{address}/metrics"),
        }
    }

    fn exposition(&self) -> String {
        reqwest::blocking::get(&self.metrics)
            .and_then(|r| r.text())
            .unwrap_or_default()
    }

    fn analysed(&self, camera: &str) -> f64 {
        let series = format!("gridwatch_pipeline_frames_analysed_total{{camera=\"{camera}\"}}");
        sample(&self.exposition(), &series).unwrap_or(0.0)
    }
}

/// Who holds each camera's lease, read from the bucket as an operator would.
fn holders(runtime: &tokio::runtime::Runtime, url: &str) -> BTreeMap<String, String> {
    runtime.block_on(async {
        let client = async_nats::connect(url).await.unwrap();
        let Ok(store) = jetstream::new(client).get_key_value("gridwatch-leases").await else {
            return BTreeMap::new();
        };
        let mut keys = store.keys().await.unwrap();
        let mut held = BTreeMap::new();
        while let Some(key) = keys.next().await {
            let key = key.unwrap();
            if let Some(camera) = key.strip_prefix("cameras.") {
                if let Some(worker) = store.get(&key).await.unwrap() {
                    held.insert(camera.to_owned(), String::from_utf8(worker.to_vec()).unwrap());
                }
            }
        }
        held
    })
}

fn count(held: &BTreeMap<String, String>, worker: &str) -> usize {
    held.values().filter(|w| *w == worker).count()
}

/// Polls `what` until `done`; the deadline only stops a test that would hang.
fn wait_for<T: std::fmt::Debug>(what: &str, mut look: impl FnMut() -> T, done: impl Fn(&T) -> bool) -> T {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let seen = look();
        if done(&seen) {
            return seen;
        }
        assert!(Instant::now() < deadline, "{what}: still {seen:?}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn workers_share_the_cameras_take_over_a_killed_one_s_and_give_theirs_back_on_stopping() {
    let dir = tempfile::tempdir().unwrap();
    let port = nats::free_port();
    let _server = nats::Server::start(port, &dir.path().join("nats"));
    let url = format!("nats://127.0.0.1:{port}");
    let (config, _) = demo_copy(dir.path(), |demo| {
        six_cameras(demo)
            + &format!(
                "\n[output.nats]\nurl = \"{url}\"\nspool = \"{}\"\n\n[workers]\nlease = \"{LEASE_SECS}s\"\n",
                dir.path().join("spool.jsonl").display()
            )
    });
    let config = config.to_str().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    // The first worker alone takes every camera, a few a round.
    let mut workers = vec![Worker::start("w1", config)];
    wait_for(
        "w1 holds every camera",
        || holders(&runtime, &url),
        |h| count(h, "w1") == 6,
    );

    // Two more join: the cameras spread to two each, every one held once.
    workers.push(Worker::start("w2", config));
    workers.push(Worker::start("w3", config));
    let held = wait_for(
        "two cameras each",
        || holders(&runtime, &url),
        |h| h.len() == 6 && ["w1", "w2", "w3"].iter().all(|w| count(h, w) == 2),
    );
    assert_eq!(held.keys().cloned().collect::<Vec<_>>(), {
        let mut all = cameras();
        all.sort();
        all
    });
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
    for camera in &orphans {
        let heir = workers.iter().find(|w| w.name == held[camera]).unwrap();
        wait_for(
            &format!("{} analyses {camera}", heir.name),
            || heir.analysed(camera),
            |n| *n > 0.0,
        );
    }
    let took = died.elapsed();
    assert!(
        took <= TAKE_OVER_BOUND,
        "w1's cameras {orphans:?} were analysed again after {took:?}"
    );
    eprintln!("a killed worker's cameras analysed again after {took:?}");

    // Stopped in order, a worker gives its leases back at once: the last one takes them all.
    let mut stopping = workers.remove(0);
    // SAFETY: kill only sends a signal to the child this test started.
    assert_eq!(unsafe { libc::kill(stopping.child.id() as i32, libc::SIGINT) }, 0);
    assert!(stopping.child.wait().unwrap().success());
    let left = workers[0].name;
    wait_for(
        "the last worker holds every camera",
        || holders(&runtime, &url),
        |h| h.len() == 6 && count(h, left) == 6,
    );
    let last = &mut workers[0];
    assert_eq!(unsafe { libc::kill(last.child.id() as i32, libc::SIGINT) }, 0);
    assert!(last.child.wait().unwrap().success());
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
