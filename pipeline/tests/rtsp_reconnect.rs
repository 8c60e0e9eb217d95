//! A live RTSP camera that goes away and comes back: the runner reports it offline, reconnects by
//! itself, and frames flow again. The server is a real gst-rtsp-server serving committed footage.

use std::{
    path::PathBuf,
    sync::{atomic::AtomicBool, Arc},
    thread,
    time::{Duration, Instant},
};

use chrono::Utc;
use crossbeam_channel::Receiver;
use gridwatch_core::{config::DecodePolicy, CameraHealth, CameraId, CameraState};
use gridwatch_pipeline::{
    evidence::ClipRing,
    source::{spawn, Backoff, FrameQueue, LiveCamera, Next, Overflow, StreamSpec},
};
use gstreamer::prelude::*;

#[path = "../../tests/common/rtsp.rs"]
mod rtsp;
use rtsp::Server;

/// The server, serving one committed clip at `/cam1`.
fn serve_clip(port: u16) -> Server {
    let clip = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../replay-fixtures/vending-day/footage.mp4");
    let launch = format!(
        "( filesrc location={} ! qtdemux ! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 )",
        clip.display()
    );
    Server::start(port, &[("/cam1", launch)])
}

/// A live camera that retries quickly, as tests need. The waits below are generous bounds that
/// only stop a hung run: on a loaded machine every step is slower, and none is timed. Stall times
/// leave room for a slow first frame, since a stream silent that long is started again.
fn live(id: &str, stream: StreamSpec, stall_after: Duration) -> LiveCamera {
    let backoff = Backoff {
        initial: Duration::from_millis(200),
        max: Duration::from_secs(1),
        jitter: 0.2,
    };
    LiveCamera {
        id: CameraId::new(id).unwrap(),
        stream,
        backoff,
        stall_after,
        clips: None,
        record: None,
    }
}

/// Waits for a health event in `wanted`, returning the events seen on the way.
fn wait_for(health: &Receiver<CameraHealth>, wanted: CameraState, within: Duration) -> Vec<CameraState> {
    let deadline = Instant::now() + within;
    let mut seen = Vec::new();
    while let Ok(event) = health.recv_deadline(deadline) {
        seen.push(event.state);
        if event.state == wanted {
            return seen;
        }
    }
    panic!("no {wanted:?} within {within:?}; saw {seen:?}");
}

fn frames_within(queue: &FrameQueue, count: usize, within: Duration) {
    let deadline = Instant::now() + within;
    for n in 0..count {
        match queue.next(deadline.saturating_duration_since(Instant::now())) {
            Next::Frame(_) => {}
            other => panic!("frame {n} of {count}: {other:?}"),
        }
    }
}

#[test]
fn camera_goes_offline_when_the_server_stops_and_recovers_when_it_returns() {
    let server = serve_clip(0);
    let port = server.port();
    let camera = live(
        "east-gate",
        StreamSpec::new(format!("rtsp://127.0.0.1:{port}/cam1"), DecodePolicy::All),
        Duration::from_secs(10),
    );
    let queue = Arc::new(FrameQueue::new(4, Overflow::DropOldest));
    let (health_tx, health) = crossbeam_channel::unbounded();
    let stop = Arc::new(AtomicBool::new(false));
    let runner = spawn(camera, queue.clone(), health_tx, stop.clone());

    assert_eq!(
        wait_for(&health, CameraState::Online, Duration::from_secs(120)),
        [CameraState::Online]
    );
    frames_within(&queue, 10, Duration::from_secs(60));

    server.stop();
    let down = wait_for(&health, CameraState::Offline, Duration::from_secs(120));
    assert_eq!(down.last(), Some(&CameraState::Offline));

    // Back on the same port: the runner finds it without being told.
    let server = serve_clip(port);
    let up = wait_for(&health, CameraState::Online, Duration::from_secs(120));
    assert_eq!(up.last(), Some(&CameraState::Online));
    while let Next::Frame(_) = queue.next(Duration::ZERO) {} // frames from before the outage
    frames_within(&queue, 10, Duration::from_secs(60));

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    runner.join().unwrap();
    server.stop();
}

#[test]
fn a_broken_camera_does_not_disturb_a_working_one() {
    let server = serve_clip(0);
    let camera = |id: &str, uri: String| {
        live(
            id,
            StreamSpec::new(uri, DecodePolicy::Keyframes),
            Duration::from_secs(10),
        )
    };
    let stop = Arc::new(AtomicBool::new(false));
    let (good_queue, bad_queue) = (
        Arc::new(FrameQueue::new(4, Overflow::DropOldest)),
        Arc::new(FrameQueue::new(4, Overflow::DropOldest)),
    );
    let (good_tx, good_health) = crossbeam_channel::unbounded();
    let (bad_tx, bad_health) = crossbeam_channel::unbounded();
    let good = spawn(
        camera("good", format!("rtsp://127.0.0.1:{}/cam1", server.port())),
        good_queue.clone(),
        good_tx,
        stop.clone(),
    );
    let bad = spawn(
        camera("bad", "/nonexistent/camera.mp4".into()),
        bad_queue.clone(),
        bad_tx,
        stop.clone(),
    );

    let first = bad_health.recv_timeout(Duration::from_secs(120)).unwrap();
    assert_eq!(first.state, CameraState::Offline);
    assert!(
        first.detail.as_deref().unwrap().contains("No such file"),
        "{first:?}"
    );
    wait_for(&good_health, CameraState::Online, Duration::from_secs(120));
    // Keyframes every 2 s: three of them while the broken camera keeps retrying.
    frames_within(&good_queue, 3, Duration::from_secs(60));
    assert!(
        bad_health.try_recv().is_err(),
        "the broken camera reports its state once, not every retry"
    );
    assert_eq!(bad_queue.next(Duration::ZERO), Next::Timeout);

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    good.join().unwrap();
    bad.join().unwrap();
    server.stop();
}

#[test]
fn udp_transport_delivers_frames() {
    let server = serve_clip(0);
    let mut stream = StreamSpec::new(
        format!("rtsp://127.0.0.1:{}/cam1", server.port()),
        DecodePolicy::All,
    );
    stream.transport = gridwatch_core::config::Transport::Udp;
    let camera = live("udp-cam", stream, Duration::from_secs(10));
    let queue = Arc::new(FrameQueue::new(4, Overflow::DropOldest));
    let (health_tx, health) = crossbeam_channel::unbounded();
    let stop = Arc::new(AtomicBool::new(false));
    let runner = spawn(camera, queue.clone(), health_tx, stop.clone());
    wait_for(&health, CameraState::Online, Duration::from_secs(120));
    frames_within(&queue, 10, Duration::from_secs(60));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    runner.join().unwrap();
    server.stop();
}

/// A TCP relay to `port` that can stop passing data while keeping both connections open, as a
/// hung encoder or a congested link does. Returns the relay's port and its freeze switch.
fn freezable_relay(port: u16) -> (u16, Arc<AtomicBool>) {
    use std::{
        io::{Read, Write},
        net::{TcpListener, TcpStream},
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let relay_port = listener.local_addr().unwrap().port();
    let frozen = Arc::new(AtomicBool::new(false));
    let switch = frozen.clone();
    thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let server = TcpStream::connect(("127.0.0.1", port)).unwrap();
            for (mut from, mut to) in [
                (client.try_clone().unwrap(), server.try_clone().unwrap()),
                (server, client),
            ] {
                let frozen = frozen.clone();
                thread::spawn(move || {
                    let mut buf = [0u8; 16 * 1024];
                    loop {
                        while frozen.load(std::sync::atomic::Ordering::Relaxed) {
                            thread::sleep(Duration::from_millis(20));
                        }
                        match from.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                if to.write_all(&buf[..n]).is_err() {
                                    break;
                                }
                            }
                        }
                    }
                });
            }
        }
    });
    (relay_port, switch)
}

#[test]
fn a_connected_camera_that_goes_quiet_is_stalled_then_online_again() {
    let server = serve_clip(0);
    let (relay, frozen) = freezable_relay(server.port());
    let camera = live(
        "quiet",
        StreamSpec::new(format!("rtsp://127.0.0.1:{relay}/cam1"), DecodePolicy::All),
        Duration::from_secs(5),
    );
    let queue = Arc::new(FrameQueue::new(4, Overflow::DropOldest));
    let (health_tx, health) = crossbeam_channel::unbounded();
    let stop = Arc::new(AtomicBool::new(false));
    let runner = spawn(camera, queue.clone(), health_tx, stop.clone());
    wait_for(&health, CameraState::Online, Duration::from_secs(120));
    frames_within(&queue, 5, Duration::from_secs(60));

    frozen.store(true, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(
        wait_for(&health, CameraState::Stalled, Duration::from_secs(120)),
        [CameraState::Stalled]
    );
    frozen.store(false, std::sync::atomic::Ordering::Relaxed);
    let back = wait_for(&health, CameraState::Online, Duration::from_secs(120));
    assert_eq!(back.last(), Some(&CameraState::Online));

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    runner.join().unwrap();
    server.stop();
}

#[test]
fn a_clip_reaching_back_across_a_reconnection_is_muxed_with_the_outage_as_a_pause() {
    let server = serve_clip(0);
    let port = server.port();
    let ring = ClipRing::new(Duration::from_secs(60));
    let camera = LiveCamera {
        clips: Some(ring.clone()),
        ..live(
            "east-gate",
            StreamSpec::new(format!("rtsp://127.0.0.1:{port}/cam1"), DecodePolicy::Keyframes),
            Duration::from_secs(10),
        )
    };
    let queue = Arc::new(FrameQueue::new(4, Overflow::DropOldest));
    let (health_tx, health) = crossbeam_channel::unbounded();
    let stop = Arc::new(AtomicBool::new(false));
    let runner = spawn(camera, queue.clone(), health_tx, stop.clone());
    wait_for(&health, CameraState::Online, Duration::from_secs(120));
    frames_within(&queue, 3, Duration::from_secs(60));

    // Away for 3 s; the stream comes back with its timestamps starting afresh.
    server.stop();
    let lost = Utc::now();
    wait_for(&health, CameraState::Offline, Duration::from_secs(120));
    thread::sleep(Duration::from_secs(3));
    let server = serve_clip(port);
    wait_for(&health, CameraState::Online, Duration::from_secs(120));
    while let Next::Frame(_) = queue.next(Duration::ZERO) {}
    frames_within(&queue, 3, Duration::from_secs(60));

    let cut = ring.cut(lost - chrono::Duration::seconds(2), Utc::now()).unwrap();
    let (first, last) = cut.span();
    assert!(first < lost, "the cut starts before the outage");
    let mp4 = cut.to_mp4().expect("a clip across the reconnection");
    // Its length is the wall-clock span, the outage included.
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), mp4).unwrap();
    let length = mp4_duration(file.path());
    let span = (last - first).to_std().unwrap();
    assert!(
        length + Duration::from_millis(500) >= span && length <= span + Duration::from_secs(1),
        "an MP4 of {length:?} for {span:?} of stream"
    );

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    runner.join().unwrap();
    server.stop();
}

/// The length of the MP4 file at `path`, as GStreamer's demuxer reads it.
fn mp4_duration(path: &std::path::Path) -> Duration {
    let pipeline = gstreamer::parse::launch(&format!(
        "filesrc location=\"{}\" ! qtdemux ! fakesink",
        path.display()
    ))
    .unwrap()
    .downcast::<gstreamer::Pipeline>()
    .unwrap();
    pipeline.set_state(gstreamer::State::Paused).unwrap();
    let (changed, _, _) = pipeline.state(gstreamer::ClockTime::from_seconds(30));
    changed.unwrap();
    let length = pipeline.query_duration::<gstreamer::ClockTime>().unwrap();
    pipeline.set_state(gstreamer::State::Null).unwrap();
    Duration::from_nanos(length.nseconds())
}
