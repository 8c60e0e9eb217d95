//! Events through a real NATS server with JetStream: stored once however often they are sent,
//! and kept in a spool while the server is down, then delivered in order when it is back.

use std::path::Path;

use chrono::{DateTime, Utc};
use gridwatch_core::{CameraHealth, CameraId, CameraState, PipelineEvent};
use gridwatch_pipeline::sink::{Delivery, JetStream, RETRY_EVERY};

#[path = "../../tests/common/nats.rs"]
mod nats;
use nats::{free_port, Server};

/// A sink for the server on `port`, spooling under `dir`.
fn sink(port: u16, dir: &Path) -> JetStream {
    JetStream::new(
        &format!("nats://127.0.0.1:{port}"),
        "GRIDWATCH",
        "gridwatch",
        &dir.join("spool.jsonl"),
    )
    .unwrap()
}

fn health(camera: &str, state: CameraState, at: &str) -> PipelineEvent {
    let at: DateTime<Utc> = at.parse().unwrap();
    PipelineEvent::CameraHealth(CameraHealth {
        camera: CameraId::new(camera).unwrap(),
        state,
        at,
        detail: None,
    })
}

#[test]
fn a_resent_event_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _server = Server::start(port, &dir.path().join("store"));
    let mut sink = sink(port, dir.path());
    let event = health("east-gate", CameraState::Offline, "2026-06-01T02:00:00Z");
    let first = sink.send(&event).unwrap();
    let again = sink.send(&event).unwrap();
    assert_eq!(
        first,
        Delivery::Stored {
            sequence: 1,
            duplicate: false
        }
    );
    assert_eq!(
        again,
        Delivery::Stored {
            sequence: 1,
            duplicate: true
        },
        "redelivery is recognised by its id"
    );
    let next = sink
        .send(&health("east-gate", CameraState::Online, "2026-06-01T02:00:09Z"))
        .unwrap();
    assert_eq!(
        next,
        Delivery::Stored {
            sequence: 2,
            duplicate: false
        }
    );
}

#[test]
fn events_wait_in_the_spool_while_the_server_is_down() {
    let dir = tempfile::tempdir().unwrap();
    let (port, store) = (free_port(), dir.path().join("store"));
    let mut sink = sink(port, dir.path());
    let events: Vec<PipelineEvent> = (0..3)
        .map(|i| {
            health(
                "east-gate",
                CameraState::Stalled,
                &format!("2026-06-01T02:00:0{i}Z"),
            )
        })
        .collect();
    for event in &events {
        assert_eq!(
            sink.send(event).unwrap(),
            Delivery::Spooled,
            "nothing listens yet"
        );
    }
    assert_eq!(sink.spooled().unwrap(), events);

    let _server = Server::start(port, &store);
    // Once the server is due to be tried again, the spool goes first, in order.
    std::thread::sleep(RETRY_EVERY);
    assert_eq!(sink.retry().unwrap(), 3);
    let last = sink
        .send(&health("east-gate", CameraState::Online, "2026-06-01T02:01:00Z"))
        .unwrap();
    assert_eq!(
        last,
        Delivery::Stored {
            sequence: 4,
            duplicate: false
        },
        "after the spooled three"
    );
    assert!(sink.spooled().unwrap().is_empty());
}
