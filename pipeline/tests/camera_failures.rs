//! Live cameras: broken ones of every sort at once each report what is wrong in their own words
//! while the working camera beside them keeps delivering frames; a camera with a main stream
//! records its clips from it while its sub-stream is analysed; a camera that connects and sends
//! nothing is reported stalled and reconnected.

mod footage;

use std::{
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use gridwatch_core::{config::DecodePolicy, CameraHealth, CameraId, CameraState};
use gridwatch_pipeline::{
    evidence::ClipRing,
    source::{spawn, Backoff, FrameQueue, LiveCamera, Next, Overflow, StreamSpec},
};

fn footage() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../replay-fixtures/vending-day/footage.mp4")
}

/// A clip cut off mid-file, as a recording interrupted by a power cut is.
fn truncated(dir: &Path) -> PathBuf {
    let bytes = std::fs::read(footage()).unwrap();
    let path = dir.join("truncated.mp4");
    std::fs::write(&path, &bytes[..bytes.len() / 3]).unwrap();
    path
}

/// A Matroska file whose video codec no installed decoder handles: a Theora clip whose codec id
/// is renamed to one nobody knows.
fn unknown_codec(dir: &Path) -> PathBuf {
    let path = dir.join("unknown.mkv");
    footage::run_to_end(&format!(
        "videotestsrc num-buffers=20 ! video/x-raw,width=64,height=48 ! theoraenc ! matroskamux ! filesink location={}",
        path.display()
    ));
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes
        .windows(8)
        .position(|w| w == b"V_THEORA")
        .expect("the codec id is in the file");
    bytes[at..at + 8].copy_from_slice(b"V_GRIDWX");
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn three_broken_cameras_each_say_what_is_wrong_while_a_fourth_keeps_running() {
    let dir = tempfile::tempdir().unwrap();
    let cameras = [
        ("good", footage().display().to_string()),
        ("cut-off", truncated(dir.path()).display().to_string()),
        ("wrong-uri", "rtsp://127.0.0.1:9/nothing-listens-here".to_owned()),
        ("unknown-codec", unknown_codec(dir.path()).display().to_string()),
    ];
    let stop = Arc::new(AtomicBool::new(false));
    let (health_tx, health) = crossbeam_channel::unbounded();
    let mut queues = Vec::new();
    let mut runners = Vec::new();
    for (id, uri) in &cameras {
        let camera = LiveCamera {
            id: CameraId::new(*id).unwrap(),
            stream: StreamSpec::new(uri.clone(), DecodePolicy::Keyframes),
            backoff: Backoff {
                initial: Duration::from_millis(200),
                max: Duration::from_secs(1),
                jitter: 0.2,
            },
            stall_after: Duration::from_secs(10),
            clips: None,
            record: None,
        };
        let queue = Arc::new(FrameQueue::new(2, Overflow::DropOldest));
        runners.push(spawn(camera, queue.clone(), health_tx.clone(), stop.clone()));
        queues.push(queue);
    }

    // Generous bounds: they only stop a hung run, and a loaded machine is slow, not wrong.
    let mut offline = std::collections::BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while offline.len() < 3 {
        let event = health
            .recv_deadline(deadline)
            .unwrap_or_else(|_| panic!("only {offline:?} reported"));
        if event.state == CameraState::Offline {
            assert_ne!(event.camera.as_str(), "good", "{event:?}");
            offline.insert(event.camera.to_string(), event.detail.unwrap());
        }
    }
    let detail = |id: &str| offline[id].to_lowercase();
    assert!(
        detail("cut-off").contains("qtdemux") && detail("cut-off").contains("no playable streams"),
        "{offline:?}"
    );
    assert!(
        detail("wrong-uri").contains("rtspsrc") && detail("wrong-uri").contains("failed to connect"),
        "{offline:?}"
    );
    assert!(
        detail("unknown-codec").contains("missing decoder") && detail("unknown-codec").contains("v_gridwx"),
        "{offline:?}"
    );

    // The good camera delivers keyframes all the while.
    let mut frames = 0;
    let until = Instant::now() + Duration::from_secs(60);
    while frames < 5 && Instant::now() < until {
        if let Next::Frame(f) = queues[0].next(Duration::from_millis(500)) {
            assert_eq!(f.camera.as_str(), "good");
            frames += 1;
        }
    }
    assert_eq!(frames, 5);
    assert!(
        queues[1..]
            .iter()
            .all(|q| q.next(Duration::ZERO) == Next::Timeout),
        "broken cameras deliver nothing"
    );

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    runners.into_iter().for_each(|r| r.join().unwrap());
}

/// Issue 11: GStreamer's parsebin drops an error its demuxer posts while parsebin is still
/// starting that demuxer, and the pipeline then waits for ever, neither failing nor delivering.
/// On a loaded machine a cut-off file hits this about one start in fifty; many at once make it
/// all but certain that some do, and each must still be reported offline with the real cause.
#[test]
fn issue_11_cut_off_files_are_reported_offline_even_when_gstreamer_loses_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let uri = truncated(dir.path()).display().to_string();
    let stop = Arc::new(AtomicBool::new(false));
    let (health_tx, health) = crossbeam_channel::unbounded();
    let runners: Vec<_> = (0..48)
        .map(|n| {
            let camera = LiveCamera {
                id: CameraId::new(format!("cut-off-{n}")).unwrap(),
                stream: StreamSpec::new(uri.clone(), DecodePolicy::Keyframes),
                backoff: Backoff {
                    initial: Duration::from_millis(200),
                    max: Duration::from_secs(1),
                    jitter: 0.2,
                },
                stall_after: Duration::from_secs(3),
                clips: None,
                record: None,
            };
            let queue = Arc::new(FrameQueue::new(2, Overflow::DropOldest));
            spawn(camera, queue, health_tx.clone(), stop.clone())
        })
        .collect();

    let mut offline = std::collections::BTreeMap::new();
    while offline.len() < runners.len() {
        let event = health
            .recv_timeout(Duration::from_secs(180))
            .unwrap_or_else(|_| panic!("only {} of {} reported offline", offline.len(), runners.len()));
        if event.state == CameraState::Offline {
            offline.insert(event.camera.to_string(), event.detail.unwrap());
        }
    }
    for (camera, detail) in &offline {
        assert!(detail.contains("no playable streams"), "{camera}: {detail}");
    }
    stop.store(true, Ordering::Relaxed);
    runners.into_iter().for_each(|r| r.join().unwrap());
}

#[test]
fn clips_come_from_the_main_stream_while_the_sub_stream_is_analysed() {
    // The analysed "sub-stream" is 720p; the recorded "main stream" the 1080p fixture.
    let main = footage::fixtures().join("decode-1080p/footage.mp4");
    let ring = ClipRing::new(Duration::from_secs(60));
    let camera = LiveCamera {
        id: CameraId::new("two-streams").unwrap(),
        stream: StreamSpec::new(footage().display().to_string(), DecodePolicy::Keyframes),
        backoff: Backoff::default(),
        stall_after: Duration::from_secs(10),
        clips: Some(ring.clone()),
        record: Some(StreamSpec::new(
            main.display().to_string(),
            DecodePolicy::Keyframes,
        )),
    };
    let stop = Arc::new(AtomicBool::new(false));
    let queue = Arc::new(FrameQueue::new(2, Overflow::DropOldest));
    let (health, events) = crossbeam_channel::unbounded();
    let runner = spawn(camera, queue.clone(), health, stop.clone());
    // Generous: on a loaded machine a first frame can take longer than the camera's stall limit,
    // and the camera is then started again after its backoff.
    let frame = match queue.next(Duration::from_secs(120)) {
        Next::Frame(frame) => frame,
        other => {
            let seen: Vec<CameraHealth> = events.try_iter().collect();
            let outcome = match other {
                Next::Timeout => "none within 120 s",
                _ => "the queue closed",
            };
            panic!("no frame from the analysed stream: {outcome}; the camera reported {seen:?}")
        }
    };
    std::thread::sleep(Duration::from_secs(3));
    stop.store(true, Ordering::Relaxed);
    queue.close();
    runner.join().unwrap();

    assert_eq!((frame.width, frame.height), (1280, 720));
    let newest = ring.newest().expect("the main stream was recorded");
    let cut = ring.cut(newest - chrono::TimeDelta::seconds(10), newest).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.mp4");
    std::fs::write(&clip, cut.to_mp4().unwrap()).unwrap();
    let (w, h, _) = footage::decode_frames(&clip, &[0]).remove(0);
    assert_eq!((w, h), (1920, 1080), "the clip is cut from the main stream");
}

/// A TCP server that accepts every connection, holds it open and never answers, as a camera whose
/// encoder has hung does. Returns its port and a channel that is told of each connection.
fn silent_server() -> (u16, crossbeam_channel::Receiver<std::net::TcpStream>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, connections) = crossbeam_channel::unbounded();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            if tx.send(client).is_err() {
                break;
            }
        }
    });
    (port, connections)
}

#[test]
fn a_camera_that_connects_but_never_sends_a_frame_is_stalled_and_reconnected() {
    let (port, connections) = silent_server();
    let camera = LiveCamera {
        id: CameraId::new("hung-encoder").unwrap(),
        stream: StreamSpec::new(format!("rtsp://127.0.0.1:{port}/cam1"), DecodePolicy::All),
        backoff: Backoff {
            initial: Duration::from_millis(200),
            max: Duration::from_secs(1),
            jitter: 0.2,
        },
        // Well inside rtspsrc's own 20 s TCP timeout, which would report the camera offline.
        stall_after: Duration::from_secs(1),
        clips: None,
        record: None,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let queue = Arc::new(FrameQueue::new(2, Overflow::DropOldest));
    let (health_tx, health) = crossbeam_channel::unbounded();
    let runner = spawn(camera, queue.clone(), health_tx, stop.clone());

    let first: CameraHealth = health
        .recv_timeout(Duration::from_secs(120))
        .expect("the silent camera is reported");
    assert_eq!(first.state, CameraState::Stalled, "{first:?}");
    // It does not wait on a connection that may never deliver: it connects again, still stalled.
    let mut held = Vec::new();
    while held.len() < 2 {
        held.push(
            connections
                .recv_timeout(Duration::from_secs(120))
                .expect("the camera reconnects"),
        );
    }
    let since: Vec<CameraState> = health.try_iter().map(|e| e.state).collect();
    assert!(since.is_empty(), "reported {since:?} after stalling");
    assert_eq!(queue.next(Duration::ZERO), Next::Timeout);

    stop.store(true, Ordering::Relaxed);
    runner.join().unwrap();
}
