//! Camera leases on a real NATS server: a camera's confirmed violations go with it to the next
//! worker, and a worker that cannot reach the server keeps the cameras it holds.

use std::{
    sync::{atomic::AtomicBool, Arc},
    time::Duration,
};

use chrono::Utc;
use crossbeam_channel::{Receiver, RecvTimeoutError};
use gridwatch_core::{config::Workers, CameraId, ImageBox, RuleId, WorkerId};
use gridwatch_pipeline::{
    lease::{Holder, Leases},
    rules::Carried,
    topology::{Assignment, Handover},
};
use prometheus_client::metrics::gauge::Gauge;

#[path = "../../tests/common/nats.rs"]
mod nats;
use nats::{free_port, Server};

struct Running {
    leases: Leases,
    stop: Arc<AtomicBool>,
    assignments: Receiver<Assignment>,
    handover: Handover,
    held: Gauge,
}

fn worker(name: &str, port: u16, cameras: &[&str]) -> Running {
    let (assign, assignments) = crossbeam_channel::unbounded();
    let stop = Arc::new(AtomicBool::new(false));
    let handover = Handover::default();
    let held = Gauge::default();
    let holder = Holder {
        id: WorkerId::new(name).unwrap(),
        url: format!("nats://127.0.0.1:{port}"),
        settings: Workers {
            lease: gridwatch_core::config::time::Span(Duration::from_secs(3)),
            ..Workers::default()
        },
        capacity: cameras.len(),
        cameras: cameras.iter().map(|c| CameraId::new(*c).unwrap()).collect(),
        handover: handover.clone(),
    };
    let leases = Leases::start(holder, assign, stop.clone(), held.clone()).unwrap();
    Running {
        leases,
        stop,
        assignments,
        handover,
        held,
    }
}

impl Running {
    /// The next assignment; the bound only stops a test that would hang.
    fn next(&self) -> Assignment {
        match self.assignments.recv_timeout(Duration::from_secs(120)) {
            Ok(a) => a,
            Err(RecvTimeoutError::Timeout) => panic!("no assignment came"),
            Err(RecvTimeoutError::Disconnected) => panic!("the lease keeper ended"),
        }
    }

    fn stop(self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.leases.join();
    }
}

fn a_violation() -> Carried {
    let seen = Utc::now();
    Carried {
        rule: RuleId::new("vending").unwrap(),
        track: 7,
        spot: ImageBox {
            x1: 10.0,
            y1: 20.0,
            x2: 90.0,
            y2: 120.0,
        },
        zone: None,
        onset: seen - chrono::Duration::seconds(60),
        last_seen: seen,
        score: 0.8,
        cooling_until: None,
        reported: None,
    }
}

#[test]
fn a_camera_s_confirmed_violations_go_with_it_to_the_next_worker() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _server = Server::start(port, dir.path());
    let cam = CameraId::new("market-st").unwrap();

    let first = worker("first", port, &["market-st"]);
    let Assignment::Start(started, carried) = first.next() else {
        panic!("a camera is started first")
    };
    assert_eq!((&started, carried.len()), (&cam, 0), "nothing carried yet");
    // The gauge is set when the round that took the camera ends, just after the camera starts.
    let counted = std::time::Instant::now() + Duration::from_secs(60);
    while first.held.get() != 1 {
        assert!(
            std::time::Instant::now() < counted,
            "the held gauge stays at {}",
            first.held.get()
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // The run confirms a violation; the worker stops in order and hands the camera over.
    let violation = a_violation();
    first
        .handover
        .lock()
        .unwrap()
        .insert(cam.clone(), vec![violation.clone()]);
    let second = worker("second", port, &["market-st"]);
    first.stop();
    let Assignment::Start(started, carried) = second.next() else {
        panic!("the second worker starts the camera")
    };
    assert_eq!(started, cam);
    assert_eq!(carried, vec![violation]);
    second.stop();
}

#[test]
fn a_worker_cut_off_from_the_server_keeps_its_cameras_and_takes_none() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = Server::start(port, dir.path());
    let alone = worker("alone", port, &["a", "b"]);
    let mut started = Vec::new();
    for _ in 0..2 {
        match alone.next() {
            Assignment::Start(c, _) => started.push(c.to_string()),
            other => panic!("{other:?}"),
        }
    }
    started.sort();
    assert_eq!(started, ["a", "b"]);
    drop(server);
    // Several rounds (a second each) without the server: nothing is stopped.
    match alone.assignments.recv_timeout(Duration::from_secs(5)) {
        Err(RecvTimeoutError::Timeout) => {}
        other => panic!("the cameras held go on: {other:?}"),
    }
    assert_eq!(alone.held.get(), 2);
    alone.stop();
}
