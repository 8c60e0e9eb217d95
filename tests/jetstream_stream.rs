//! The JetStream stream events travel in is declared the same by the pipeline, which publishes to
//! it, and by the dispatcher, which consumes it: whichever starts first creates it, and what it is
//! must not depend on which that was.

#[path = "common/nats.rs"]
mod nats;

use async_nats::jetstream;
use gridwatch_core::{config::NatsOutput, CameraHealth, CameraId, CameraState, PipelineEvent};
use gridwatch_pipeline::sink::JetStream;

fn output(port: u16, dir: &std::path::Path) -> NatsOutput {
    NatsOutput {
        url: format!("nats://127.0.0.1:{port}"),
        stream: "GRIDWATCH".into(),
        prefix: "gridwatch".into(),
        spool: dir.join("spool.jsonl"),
    }
}

fn publish_one(nats: &NatsOutput) {
    let mut sink = JetStream::new(&nats.url, &nats.stream, &nats.prefix, &nats.spool).unwrap();
    let event = PipelineEvent::CameraHealth(CameraHealth {
        camera: CameraId::new("east-gate").unwrap(),
        state: CameraState::Online,
        at: "2026-06-01T02:00:00Z".parse().unwrap(),
        detail: None,
    });
    assert!(matches!(
        sink.send(&event).unwrap(),
        gridwatch_pipeline::sink::Delivery::Stored { .. }
    ));
}

#[test]
fn the_event_stream_is_the_same_whoever_creates_it() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for dispatcher_first in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let port = nats::free_port();
        let _server = nats::Server::start(port, &dir.path().join("nats"));
        let nats = output(port, dir.path());
        let js = runtime.block_on(async { jetstream::new(async_nats::connect(&nats.url).await.unwrap()) });
        let open = || {
            runtime
                .block_on(gridwatch_dispatcher::intake::jetstream::open_stream(&js, &nats))
                .unwrap()
        };
        if dispatcher_first {
            open();
            publish_one(&nats);
        } else {
            publish_one(&nats);
            open();
        }
        let config = runtime.block_on(async {
            js.get_stream(&nats.stream)
                .await
                .unwrap()
                .info()
                .await
                .unwrap()
                .config
                .clone()
        });
        let wanted = nats.event_stream();
        let first = if dispatcher_first {
            "dispatcher"
        } else {
            "pipeline"
        };
        assert_eq!(
            (config.subjects, config.duplicate_window),
            (wanted.subjects, wanted.duplicate_window),
            "the {first} created the stream"
        );
    }
}
