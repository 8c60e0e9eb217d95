//! Live analysis with NATS JetStream down and up: sinks and evidence run off the analysis thread,
//! so an unreachable server only fills the spool. Two cameras play the committed vending footage
//! through the real demo model until each reports its vendor; every event reaches every sink in
//! the same order, and each violation's evidence is on disk and sealed before the run returns.
//!
//! Each test prints the analysis rate it saw (frames analysed per second, both cameras);
//! `cargo test -p gridwatch-pipeline --test nats_outage -- --nocapture --test-threads=1`
//! compares them. The tests assert on counts, never on time.

mod footage;

use std::{
    path::Path,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    thread,
    time::{Duration, Instant},
};

use gridwatch_core::{
    config::{time::Span, Camera, Config, DecodePolicy},
    CameraId, PipelineEvent,
};
use gridwatch_pipeline::{
    detect::{runtime, Detector, DetectorOptions, ModelCard},
    evidence::{verify, Manifest},
    replay::Scenario,
    sink::{JetStream, JsonLines, Sink, Sinks},
    topology::{self, Ran},
};

#[path = "../../tests/common/nats.rs"]
mod nats;

const CAMERAS: [&str; 2] = ["east", "west"];

/// The demo configuration with the two cameras on the looped vending footage, five frames a
/// second each, its rule made to fire after 10 s.
fn config(dir: &Path) -> Config {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/demo.toml");
    let mut config = Config::load(&demo).unwrap_or_else(|e| panic!("{e}")).config;
    config.storage.evidence_dir = dir.join("evidence");
    let street = Scenario::load(&footage::fixtures().join("vending-day"))
        .unwrap()
        .camera;
    config.cameras = CAMERAS
        .iter()
        .map(|id| Camera {
            id: CameraId::new(*id).unwrap(),
            looped: true,
            decode: DecodePolicy::Fps(5.0),
            ..street.clone()
        })
        .collect();
    config.rules.retain(|r| r.id.as_str() == "vending-on-pavement");
    config.rules[0].dwell = Span(Duration::from_secs(10));
    config.rules[0].exempt.clear();
    config
}

/// What a run left: every event in the order the sinks got it, the run's account, and how many
/// frames it analysed per second.
struct Outcome {
    events: Vec<PipelineEvent>,
    ran: Ran,
    rate: f64,
}

/// Runs the cameras live until each has reported a violation, with `nats` beside a JSON Lines
/// file and a collector.
fn run_until_each_camera_reports(config: &Config, nats: JetStream, events_file: &Path) -> Outcome {
    let card =
        ModelCard::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/gridwatch-demo.model.toml"))
            .unwrap();
    let detector = Detector::load(runtime::init().unwrap(), card, DetectorOptions::default()).unwrap();
    let (events_tx, events) = crossbeam_channel::unbounded();
    let collect = move |event: &PipelineEvent| {
        let _ = events_tx.send(event.clone());
        Ok(())
    };
    let sinks: Vec<(String, Box<dyn Sink>)> = vec![
        ("collector".into(), Box::new(collect)),
        (
            "events file".into(),
            Box::new(JsonLines::open(events_file).unwrap()),
        ),
        ("nats".into(), Box::new(nats)),
    ];
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let runner = {
        let (config, stop) = (config.clone(), stop.clone());
        thread::spawn(move || {
            topology::run(
                &config,
                vec![detector],
                Sinks::start(sinks),
                &stop,
                None,
                &Default::default(),
            )
        })
    };
    // Generous: the footage plays at its own pace, and a loaded machine is slow, not wrong.
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut seen: Vec<PipelineEvent> = Vec::new();
    let reported = |seen: &[PipelineEvent], camera: &str| {
        seen.iter()
            .any(|e| matches!(e, PipelineEvent::Violation(v) if v.camera.as_str() == camera))
    };
    while !CAMERAS.iter().all(|c| reported(&seen, c)) {
        match events.recv_deadline(deadline) {
            Ok(event) => seen.push(event),
            Err(_) => panic!("not every camera reported a violation in time: {seen:#?}"),
        }
    }
    stop.store(true, Ordering::Relaxed);
    let ran = runner.join().unwrap().unwrap();
    let seconds = started.elapsed().as_secs_f64();
    // The run has returned: everything queued has been written.
    seen.extend(events.try_iter());
    let frames: u64 = ran.analysed.values().sum();
    Outcome {
        events: seen,
        rate: frames as f64 / seconds,
        ran,
    }
}

/// The lines of a JSON Lines file.
fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Events as JSON Lines sinks write them (compared as text: parsing floats back may round).
fn as_lines(events: &[PipelineEvent]) -> Vec<String> {
    events.iter().map(|e| serde_json::to_string(e).unwrap()).collect()
}

/// Checks what every run must show: both cameras analysed on, the events file holds what the
/// collector got, and each violation's evidence is stored and sealed.
fn check(outcome: &Outcome, config: &Config, events_file: &Path) {
    assert!(outcome.ran.failures.is_empty(), "{:?}", outcome.ran.failures);
    for camera in CAMERAS {
        let frames = outcome.ran.analysed[&CameraId::new(camera).unwrap()];
        // At the least, the frames that opened and confirmed its case (3 of 5 in view): the
        // camera kept being analysed while its events went to the spool.
        assert!(frames >= 3, "camera {camera} analysed only {frames} frames");
    }
    assert_eq!(
        lines(events_file),
        as_lines(&outcome.events),
        "the events file holds every event, in order"
    );
    let root = &config.storage.evidence_dir;
    for event in &outcome.events {
        let PipelineEvent::Violation(v) = event else {
            continue;
        };
        assert!(!v.evidence.is_empty(), "{v:#?}");
        let first = Path::new(&v.evidence[0].path);
        let manifest = Manifest::read(&root.join(first.parent().unwrap()).join(Manifest::FILE)).unwrap();
        assert_eq!(
            manifest.artifacts, v.evidence,
            "the event carries what the manifest seals"
        );
        assert_eq!(
            verify(root, &manifest),
            vec![],
            "every artifact is on disk as sealed"
        );
    }
}

#[test]
fn with_nats_down_events_spool_and_analysis_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    // Nothing listens on this port.
    let url = format!("nats://127.0.0.1:{}", nats::free_port());
    let spool = dir.path().join("spool.jsonl");
    let sink = JetStream::new(&url, "GRIDWATCH", "gridwatch", &spool).unwrap();
    let events_file = dir.path().join("events.jsonl");
    let outcome = run_until_each_camera_reports(&config, sink, &events_file);
    eprintln!(
        "NATS down: {:.1} frames analysed per second ({:?})",
        outcome.rate, outcome.ran.analysed
    );
    check(&outcome, &config, &events_file);
    assert_eq!(
        lines(&spool),
        as_lines(&outcome.events),
        "every event waits in the spool, in order"
    );
}

#[test]
fn with_nats_up_every_event_is_stored_in_the_stream() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let port = nats::free_port();
    let _server = nats::Server::start(port, &dir.path().join("nats"));
    let url = format!("nats://127.0.0.1:{port}");
    let spool = dir.path().join("spool.jsonl");
    let sink = JetStream::new(&url, "GRIDWATCH", "gridwatch", &spool).unwrap();
    let events_file = dir.path().join("events.jsonl");
    let outcome = run_until_each_camera_reports(&config, sink, &events_file);
    eprintln!(
        "NATS up: {:.1} frames analysed per second ({:?})",
        outcome.rate, outcome.ran.analysed
    );
    check(&outcome, &config, &events_file);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let stored = runtime.block_on(async {
        let js = async_nats::jetstream::new(async_nats::connect(&url).await.unwrap());
        js.get_stream("GRIDWATCH")
            .await
            .unwrap()
            .info()
            .await
            .unwrap()
            .state
            .messages
    });
    assert_eq!(stored, outcome.events.len() as u64, "each event stored once");
    assert!(!spool.exists() || std::fs::read_to_string(&spool).unwrap().is_empty());
}
