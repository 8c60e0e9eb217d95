//! A live RTSP camera that goes away and comes back: the runner reports it offline, reconnects by
//! itself, and frames flow again. The server is a real gst-rtsp-server serving committed footage.

use std::{
    path::PathBuf,
    sync::{atomic::AtomicBool, Arc},
    thread,
    time::{Duration, Instant},
};

use crossbeam_channel::Receiver;
use gridwatch_core::{config::DecodePolicy, CameraHealth, CameraId, CameraState};
use gridwatch_pipeline::source::{spawn, Backoff, FrameQueue, LiveCamera, Next, Overflow, StreamSpec};
use gstreamer::glib;
use gstreamer_rtsp_server::prelude::*;

/// An RTSP server on its own GLib main loop, serving one clip at `/cam1`.
struct Server {
    server: gstreamer_rtsp_server::RTSPServer,
    source: Option<glib::SourceId>,
    context: glib::MainContext,
    main_loop: glib::MainLoop,
    thread: Option<thread::JoinHandle<()>>,
}

impl Server {
    fn start(port: u16) -> Self {
        gstreamer::init().unwrap();
        let clip =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../replay-fixtures/vending-day/footage.mp4");
        let server = gstreamer_rtsp_server::RTSPServer::new();
        server.set_address("127.0.0.1");
        server.set_service(&port.to_string());
        let factory = gstreamer_rtsp_server::RTSPMediaFactory::new();
        factory.set_launch(&format!(
            "( filesrc location={} ! qtdemux ! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 )",
            clip.display()
        ));
        factory.set_shared(true);
        server.mount_points().unwrap().add_factory("/cam1", factory);
        let context = glib::MainContext::new();
        let source = server.attach(Some(&context)).unwrap();
        let main_loop = glib::MainLoop::new(Some(&context), false);
        let thread = {
            let (main_loop, context) = (main_loop.clone(), context.clone());
            thread::spawn(move || context.with_thread_default(|| main_loop.run()).unwrap())
        };
        Self {
            server,
            source: Some(source),
            context,
            main_loop,
            thread: Some(thread),
        }
    }

    fn port(&self) -> u16 {
        self.server.bound_port() as u16
    }

    /// Drops every client and stops listening, as a camera losing power does.
    fn stop(mut self) {
        self.server
            .client_filter(Some(&mut |_, _| gstreamer_rtsp_server::RTSPFilterResult::Remove));
        let id = self.source.take().unwrap();
        self.context.find_source_by_id(&id).unwrap().destroy();
        self.main_loop.quit();
        self.thread.take().unwrap().join().unwrap();
    }
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
    let server = Server::start(0);
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
    let server = Server::start(port);
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
    let server = Server::start(0);
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
    let server = Server::start(0);
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
    let server = Server::start(0);
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
