//! Three cameras, batched, on two inference workers: every delivered frame is analysed exactly
//! once and its detections come back with its camera and timestamp, and the model's batches are
//! counted in its metrics. A camera with an analysis region is analysed within it, as replay
//! analyses it.

use std::{collections::BTreeMap, path::Path, sync::Arc, thread, time::Duration};

use gridwatch_core::{
    config::{Camera, DecodePolicy},
    CameraId,
};
use gridwatch_pipeline::{
    detect::{
        runtime, spawn_workers, AnalysisRegions, BatchPolicy, Batcher, Detector, DetectorOptions, Image,
        ModelCard,
    },
    metrics::PipelineMetrics,
    source::{play, Doorbell, FrameQueue, Overflow, StreamSpec, Timeline},
};

fn fixture_detector(dir: &Path) -> Detector {
    let onnx = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/layout-yolov10.onnx");
    let card = dir.join("fixture.model.toml");
    std::fs::write(
        &card,
        format!(
            "name = \"fixture\"\nversion = \"1\"\nonnx = \"{}\"\nclasses = [\"cart\", \"bicycle\"]\n\
             [input]\nwidth = 64\nheight = 64\nlayout = \"nchw\"\ncolour = \"rgb\"\n\
             [output]\nlayout = \"yolov10\"\ndynamic_batch = true\n",
            onnx.display()
        ),
    )
    .unwrap();
    Detector::load(
        runtime::init().unwrap(),
        ModelCard::load(&card).unwrap(),
        DetectorOptions::default(),
    )
    .unwrap()
}

#[test]
fn every_frame_of_every_camera_is_analysed_once() {
    let dir = tempfile::tempdir().unwrap();
    let scenarios = ["vending-day", "parking-night", "barbecue-night"];
    let bell = Arc::new(Doorbell::default());
    let queues: Vec<_> = scenarios
        .iter()
        .map(|_| Arc::new(FrameQueue::new(2, Overflow::Wait).with_doorbell(bell.clone())))
        .collect();
    let players: Vec<_> = scenarios
        .iter()
        .zip(&queues)
        .map(|(name, queue)| {
            let queue = queue.clone();
            let clip = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../replay-fixtures")
                .join(name)
                .join("footage.mp4");
            let camera = CameraId::new(*name).unwrap();
            thread::spawn(move || {
                let start = "2026-06-01T00:00:00Z".parse().unwrap();
                let finished = play(
                    &camera,
                    &StreamSpec::new(clip.to_str().unwrap(), DecodePolicy::Keyframes),
                    Timeline::Replay { start },
                    &queue,
                    None,
                )
                .unwrap();
                queue.close();
                (camera.to_string(), finished.frames)
            })
        })
        .collect();
    let batcher = Batcher::new(
        queues,
        bell,
        BatchPolicy {
            max_batch: 2,
            max_wait: Duration::from_millis(5),
        },
    );
    let (out, results) = crossbeam_channel::unbounded();
    let metrics = PipelineMetrics::new();
    let workers = spawn_workers(
        batcher,
        vec![fixture_detector(dir.path()), fixture_detector(dir.path())],
        out,
        &metrics,
    );

    let mut seen: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    for result in results.iter() {
        let analysed = result.unwrap_or_else(|f| panic!("{:?}: {}", f.frames, f.error));
        assert_eq!(
            analysed.detections.len(),
            2,
            "the fixture model finds two objects in every frame"
        );
        seen.entry(analysed.frame.camera.to_string())
            .or_default()
            .push(analysed.frame.pts);
    }
    workers.into_iter().for_each(|w| w.join().unwrap());
    let mut total = 0;
    for player in players {
        let (camera, delivered) = player.join().unwrap();
        let mut times = seen.remove(&camera).unwrap_or_default();
        assert_eq!(times.len() as u64, delivered, "{camera}");
        times.sort();
        times.dedup();
        assert_eq!(times.len() as u64, delivered, "{camera}: no frame twice");
        assert!(delivered >= 75, "{camera}: a keyframe every 2 s");
        total += delivered;
    }
    // Every frame went through the model in some batch of at most two.
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &metrics.registry()).unwrap();
    let value = |series: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(series))
            .unwrap_or_else(|| panic!("{series} in {text}"))
            .trim()
            .parse()
            .unwrap()
    };
    let batches = value("gridwatch_detect_batch_size_count{model=\"fixture\"}");
    assert_eq!(
        value("gridwatch_detect_batch_size_sum{model=\"fixture\"}"),
        total as f64,
        "{text}"
    );
    assert!(batches * 2.0 >= total as f64 && batches <= total as f64, "{text}");
    assert_eq!(
        value("gridwatch_detect_inference_seconds_count{model=\"fixture\"}"),
        batches,
        "{text}"
    );
}

#[test]
fn a_camera_is_analysed_within_its_region_by_the_workers_as_in_replay() {
    let dir = tempfile::tempdir().unwrap();
    let camera: Camera = toml::from_str(
        r#"
        id = "market-st"
        uri = "footage.mp4"
        location = { lon = 119.2855, lat = 26.0712 }
        zones = [{ id = "bay-1", role = "parking_bay", points = [[647.4, 461.8], [762.5, 437.6], [607.1, 347.5], [509.6, 362.7]] }]
        "#,
    )
    .unwrap();
    let area = camera.analysed_area(&[]);
    assert!(area.is_some(), "a camera with zones and no rules has a region");
    let bell = Arc::new(Doorbell::default());
    let queue = Arc::new(FrameQueue::new(2, Overflow::Wait).with_doorbell(bell.clone()));
    let player = {
        let queue = queue.clone();
        let clip = Path::new(env!("CARGO_MANIFEST_DIR")).join("../replay-fixtures/vending-day/footage.mp4");
        let id = camera.id.clone();
        thread::spawn(move || {
            let start = "2026-06-01T00:00:00Z".parse().unwrap();
            let stream = StreamSpec::new(clip.to_str().unwrap(), DecodePolicy::Keyframes);
            play(&id, &stream, Timeline::Replay { start }, &queue, None).unwrap();
            queue.close();
        })
    };
    let regions = AnalysisRegions::new([&camera], &[]);
    let (out, results) = crossbeam_channel::unbounded();
    let workers = spawn_workers(
        Batcher::new(vec![queue], bell, BatchPolicy::default()),
        vec![fixture_detector(dir.path()).with_regions(regions)],
        out,
        &PipelineMetrics::new(),
    );
    let mut alone = fixture_detector(dir.path());
    let mut analysed = 0;
    for result in results.iter() {
        let live = result.unwrap_or_else(|f| panic!("{:?}: {}", f.frames, f.error));
        let replayed = alone.detect(&Image::from(&live.frame).within(area)).unwrap();
        assert_eq!(live.detections, replayed, "the same region live and in replay");
        let whole = alone.detect(&Image::from(&live.frame)).unwrap();
        assert_ne!(live.detections, whole, "the region is not the whole frame");
        analysed += 1;
    }
    workers.into_iter().for_each(|w| w.join().unwrap());
    player.join().unwrap();
    assert!(analysed >= 10, "{analysed} frames analysed");
}
