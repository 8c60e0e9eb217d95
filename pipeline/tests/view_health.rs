//! A camera's view, judged on footage made for the purpose and encoded with GStreamer: a still
//! repeated by a stuck encoder is frozen, a covered lens is dark, a panned scene is moved — each
//! with its sentence, and each back online when the real scene returns. Through live running, a
//! moved camera's rules are paused while an unmoved one beside it reports its violation.

mod footage;

use std::{
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    thread,
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use gridwatch_core::{
    config::{time::Span, Camera, Config, DecodePolicy, ViewChecks},
    CameraId, CameraState, PipelineEvent,
};
use gridwatch_pipeline::{
    detect::{runtime, Detector, DetectorOptions, ModelCard},
    replay::Scenario,
    sink::Sinks,
    source::{play, FrameQueue, Next, Overflow, StreamSpec, Timeline},
    topology,
    view::{ViewChange, ViewLimits, ViewWatch},
};
use opencv::{core::Mat, imgcodecs, imgproc, prelude::*};

/// How far the panned footage's scene is shifted, in pixels.
const PAN_PX: u32 = 80;

fn scene() -> PathBuf {
    footage::fixtures().join("vending-day")
}

/// The encoder every made clip uses: a constant quantizer (one picture encodes the same way
/// each time, as a stuck camera repeats it), a keyframe a second.
const ENCODE: &str = "videoconvert ! video/x-raw,format=I420 ! x264enc speed-preset=ultrafast pass=quant quantizer=25 key-int-max=15 bframes=0 ! mp4mux";

/// Frame `n` of the scene's footage, written as a PNG.
fn still(dir: &Path, n: usize) -> PathBuf {
    let (w, h, rgb) = footage::decode_frames(&scene().join("footage.mp4"), &[n]).remove(0);
    let rgb = Mat::new_rows_cols_with_data(h as i32, (w * 3) as i32, &rgb).unwrap();
    let rgb = rgb.reshape(3, h as i32).unwrap();
    let mut bgr = Mat::default();
    imgproc::cvt_color_def(&rgb, &mut bgr, imgproc::COLOR_RGB2BGR).unwrap();
    let path = dir.join(format!("still-{n}.png"));
    imgcodecs::imwrite_def(path.to_str().unwrap(), &bgr).unwrap();
    path
}

/// Twenty seconds of one still, as a stuck encoder repeats it.
fn frozen(dir: &Path, still: &Path) -> PathBuf {
    let path = dir.join("frozen.mp4");
    footage::run_to_end(&format!(
        "filesrc location={} ! pngdec ! videoconvert ! imagefreeze num-buffers=300 ! video/x-raw,framerate=15/1 ! {ENCODE} ! filesink location={}",
        still.display(),
        path.display()
    ));
    path
}

/// Twenty seconds of a covered lens: near-black, the same all over.
fn covered(dir: &Path) -> PathBuf {
    let path = dir.join("covered.mp4");
    footage::run_to_end(&format!(
        "videotestsrc num-buffers=300 pattern=solid-color foreground-color=0xff0a0a0a ! video/x-raw,width=1280,height=720,framerate=15/1 ! {ENCODE} ! filesink location={}",
        path.display()
    ));
    path
}

/// The scene's first `seconds`, panned: shifted [`PAN_PX`] to the left, black where it ran out.
fn panned(dir: &Path, seconds: u32) -> PathBuf {
    let path = dir.join("panned.mp4");
    footage::run_to_end(&format!(
        "filesrc location={} ! qtdemux ! h264parse ! avdec_h264 ! identity eos-after={} ! videobox left={PAN_PX} right=-{PAN_PX} ! {ENCODE} ! filesink location={}",
        scene().join("footage.mp4").display(),
        seconds * 15,
        path.display()
    ));
    path
}

/// Plays `path` through the camera source from `start`, keyframes only as cameras default to,
/// showing every frame to `watch`; returns the changes with the frames' times, and when the
/// footage ended.
fn watch_clip(
    watch: &mut ViewWatch,
    path: &Path,
    start: DateTime<Utc>,
    paused: &mut Vec<bool>,
) -> (Vec<ViewChange>, DateTime<Utc>) {
    let queue = Arc::new(FrameQueue::new(8, Overflow::Wait));
    let player = {
        let queue = queue.clone();
        let stream = StreamSpec::new(path.display().to_string(), DecodePolicy::Keyframes);
        thread::spawn(move || {
            let id = CameraId::new("made").unwrap();
            let played = play(&id, &stream, Timeline::Replay { start }, &queue, None);
            queue.close();
            played
        })
    };
    let (mut changes, mut end) = (Vec::new(), start);
    loop {
        match queue.next(Duration::from_secs(120)) {
            Next::Frame(frame) => {
                changes.extend(watch.observe(&frame));
                paused.push(watch.rules_paused());
                end = frame.wall + chrono::Duration::seconds(1);
            }
            Next::Closed => break,
            Next::Timeout => panic!("{}: no frame within two minutes", path.display()),
        }
    }
    player.join().unwrap().unwrap();
    (changes, end)
}

#[test]
fn frozen_dark_and_panned_footage_are_each_told_with_what_was_seen_and_each_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let real = scene().join("footage.mp4");
    let frozen = frozen(dir.path(), &still(dir.path(), 300));
    let covered = covered(dir.path());
    let panned = panned(dir.path(), 20);
    let camera = Scenario::load(&scene()).unwrap().camera;
    let limits = ViewLimits {
        frozen_after: Duration::from_secs(5),
        dark_after: Duration::from_secs(5),
        check_every: Duration::from_secs(2),
        ..ViewLimits::from_config(&camera)
    };
    assert_eq!(limits.moved_px, 40.0, "the default");
    // No reference configured: the first good frame of the real scene becomes it.
    let mut watch = ViewWatch::new(limits, None);
    let mut at: DateTime<Utc> = "2026-06-01T02:00:00Z".parse().unwrap();
    let mut paused = Vec::new();
    let mut play = |path: &Path, paused: &mut Vec<bool>| {
        let (changes, end) = watch_clip(&mut watch, path, at, paused);
        at = end;
        changes
            .into_iter()
            .map(|c| (c.state, c.detail.unwrap_or_default()))
            .collect::<Vec<_>>()
    };
    let online = || (CameraState::Online, String::new());

    assert_eq!(play(&real, &mut paused), [], "the real scene is fine");
    assert_eq!(
        play(&frozen, &mut paused),
        [(
            CameraState::Frozen,
            "the picture has not changed for 5 s".to_owned()
        )]
    );
    assert_eq!(play(&real, &mut paused), [online()]);
    let dark = play(&covered, &mut paused);
    assert_eq!(dark.len(), 1, "{dark:?}");
    assert_eq!(dark[0].0, CameraState::Dark);
    assert!(
        dark[0]
            .1
            .starts_with("the picture has been dark and nearly uniform for 5 s (mean brightness"),
        "{dark:?}"
    );
    assert_eq!(play(&real, &mut paused), [online()]);
    assert!(!paused.iter().any(|p| *p), "nothing has moved yet");

    paused.clear();
    let moved = play(&panned, &mut paused);
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_eq!(moved[0].0, CameraState::Moved);
    let px: f64 = moved[0]
        .1
        .strip_prefix("the view has moved about ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{moved:?}"));
    assert!((px - PAN_PX as f64).abs() <= 4.0, "{moved:?}");
    assert!(
        moved[0].1.ends_with(
            " px from the reference the zones were drawn on; rules paused until the view is restored"
        ),
        "{moved:?}"
    );
    // Compared every 2 s: paused from the first comparison on, and resumed likewise.
    let flips = |paused: &[bool]| paused.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(paused[1] && flips(&paused) <= 1, "{paused:?}");
    paused.clear();
    assert_eq!(play(&real, &mut paused), [online()]);
    assert!(!paused[1] && flips(&paused) <= 1, "{paused:?}");
}

/// The demo city with two cameras on the scene's street under its vending rule (a shorter
/// dwell): `steady` plays the footage as recorded, `turned` the panned footage against a
/// reference picture of the street as its zones were drawn.
fn two_cameras(dir: &Path, turned: &Path, reference: &Path) -> Config {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/demo.toml");
    let mut config = Config::load(&demo).unwrap_or_else(|e| panic!("{e}")).config;
    config.storage.evidence_dir = dir.join("evidence");
    let street = Scenario::load(&scene()).unwrap().camera;
    let turned = Camera {
        id: CameraId::new("turned").unwrap(),
        uri: turned.display().to_string(),
        looped: true,
        view: ViewChecks {
            reference: Some(reference.to_path_buf()),
            check_every: Span(Duration::from_secs(2)),
            ..ViewChecks::default()
        },
        ..street.clone()
    };
    let steady = Camera {
        id: CameraId::new("steady").unwrap(),
        ..street
    };
    config.cameras = vec![steady, turned];
    config.rules.retain(|r| r.id.as_str() == "vending-on-pavement");
    config.rules[0].dwell = Span(Duration::from_secs(10));
    config.rules[0].exempt.clear();
    config
}

#[test]
fn a_turned_cameras_rules_are_paused_while_the_camera_beside_it_reports_its_vendor() {
    let dir = tempfile::tempdir().unwrap();
    let reference = still(dir.path(), 0);
    let turned = panned(dir.path(), 60);
    let config = two_cameras(dir.path(), &turned, &reference);
    let card =
        ModelCard::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/gridwatch-demo.model.toml"))
            .unwrap();
    let detector = Detector::load(runtime::init().unwrap(), card, DetectorOptions::default()).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let (events_tx, events) = crossbeam_channel::unbounded();
    let runner = {
        let stop = stop.clone();
        thread::spawn(move || {
            let out = move |event: &PipelineEvent| {
                let _ = events_tx.send(event.clone());
                Ok(())
            };
            let sinks = Sinks::start(vec![("test".into(), Box::new(out))]);
            topology::run(&config, vec![detector], sinks, &stop, None, &Default::default())
        })
    };
    // Generous: the footage plays at its own pace, and a loaded machine is slow, not wrong.
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut seen = Vec::new();
    while !seen
        .iter()
        .any(|e| matches!(e, PipelineEvent::Violation(v) if v.camera.as_str() == "steady"))
    {
        match events.recv_deadline(deadline) {
            Ok(event) => seen.push(event),
            Err(_) => panic!("no violation from the steady camera in time: {seen:#?}"),
        }
    }
    stop.store(true, Ordering::Relaxed);
    runner.join().unwrap().unwrap();
    seen.extend(events.try_iter());

    let health = |camera: &str| -> Vec<(CameraState, String)> {
        seen.iter()
            .filter_map(|e| match e {
                PipelineEvent::CameraHealth(h) if h.camera.as_str() == camera => {
                    Some((h.state, h.detail.clone().unwrap_or_default()))
                }
                _ => None,
            })
            .collect()
    };
    assert_eq!(health("steady"), [(CameraState::Online, String::new())]);
    // Moved from its first analysed frame (its stream may say online just before) and since.
    let mut turned_health = health("turned");
    if turned_health
        .first()
        .is_some_and(|(state, _)| *state == CameraState::Online)
    {
        turned_health.remove(0);
    }
    assert_eq!(turned_health.len(), 1, "{turned_health:?}");
    assert_eq!(turned_health[0].0, CameraState::Moved, "{turned_health:?}");
    assert!(
        turned_health[0].1.starts_with("the view has moved about ")
            && turned_health[0]
                .1
                .ends_with("rules paused until the view is restored"),
        "{turned_health:?}"
    );
    let from_turned: Vec<_> = seen
        .iter()
        .filter(|e| matches!(e, PipelineEvent::Violation(v) if v.camera.as_str() == "turned"))
        .collect();
    assert!(from_turned.is_empty(), "{from_turned:#?}");
}
