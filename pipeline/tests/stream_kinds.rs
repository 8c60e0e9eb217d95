//! The kinds of stream a city's cameras and recorders offer: H.265 as well as H.264, files served
//! over HTTP (with range requests, as a recorder's web server answers), and recordings looped to
//! stand in for a live camera.

mod footage;

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpListener,
    path::{Path, PathBuf},
    sync::Arc,
    thread,
    time::Duration,
};

use gridwatch_core::{config::DecodePolicy, CameraId, Frame};
use gridwatch_pipeline::source::{play, FrameQueue, Next, Overflow, StreamSpec, Timeline};

fn replay() -> Timeline {
    Timeline::Replay {
        start: "2026-06-01T00:00:00Z".parse().unwrap(),
    }
}

/// Plays `stream` in replay mode and returns its frames; with `limit`, stops after that many.
fn frames(stream: StreamSpec, limit: Option<usize>) -> Vec<Frame> {
    let queue = Arc::new(FrameQueue::new(2, Overflow::Wait));
    let player = {
        let queue = queue.clone();
        thread::spawn(move || {
            let result = play(&CameraId::new("cam").unwrap(), &stream, replay(), &queue, None);
            queue.close();
            result
        })
    };
    let mut out = Vec::new();
    // A bound on a hang only: the first frame also waits for GStreamer's first start.
    while let Next::Frame(f) = queue.next(Duration::from_secs(120)) {
        out.push(f);
        if limit == Some(out.len()) {
            queue.close(); // the player sees the consumer gone and stops
            break;
        }
    }
    player.join().unwrap().unwrap();
    out
}

/// Encodes `count` test-pattern frames at 10 fps with `encoder` into `path`.
fn encode(path: &Path, encoder: &str, count: u32) {
    footage::run_to_end(&format!(
        "videotestsrc num-buffers={count} ! video/x-raw,width=320,height=240,framerate=10/1 ! {encoder} ! mp4mux ! filesink location={}",
        path.display()
    ));
}

#[test]
fn h265_files_decode_like_h264() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("hevc.mp4");
    encode(&clip, "x265enc key-int-max=10 ! h265parse", 30);
    let all = frames(StreamSpec::new(clip.to_str().unwrap(), DecodePolicy::All), None);
    assert_eq!(all.len(), 30);
    assert_eq!((all[0].width, all[0].height), (320, 240));
    let keyframes = frames(
        StreamSpec::new(clip.to_str().unwrap(), DecodePolicy::Keyframes),
        None,
    );
    let gaps: Vec<u128> = keyframes
        .windows(2)
        .map(|w| (w[1].pts - w[0].pts).as_millis())
        .collect();
    assert_eq!(gaps, [1000, 1000], "a keyframe every 10 frames at 10 fps");
}

#[test]
fn a_looped_recording_starts_again_at_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("short.mp4");
    encode(&clip, "x264enc key-int-max=5 bframes=0 ! h264parse", 12);
    let mut stream = StreamSpec::new(clip.to_str().unwrap(), DecodePolicy::All);
    stream.looped = true;
    let got = frames(stream, Some(30));
    assert_eq!(got.len(), 30);
    let restarts = got.windows(2).filter(|w| w[1].pts < w[0].pts).count();
    assert_eq!(restarts, 2, "12 frames played two and a half times");
}

/// Serves the files of `root` over HTTP/1.1 with byte ranges, one request per connection.
fn serve(root: PathBuf) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let root = root.clone();
            thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let (mut path, mut start) = (String::new(), 0usize);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(rest) = line.strip_prefix("GET ") {
                        path = rest
                            .split_whitespace()
                            .next()
                            .unwrap_or("/")
                            .trim_start_matches('/')
                            .to_owned();
                    }
                    if let Some(range) = line.to_ascii_lowercase().strip_prefix("range: bytes=") {
                        start = range.split('-').next().unwrap().trim().parse().unwrap_or(0);
                    }
                }
                let Ok(body) = std::fs::read(root.join(&path)) else {
                    let _ = stream.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                    return;
                };
                let part = &body[start.min(body.len())..];
                let status = if start > 0 {
                    "206 Partial Content"
                } else {
                    "200 OK"
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nAccept-Ranges: bytes\r\nContent-Length: {}\r\nContent-Range: bytes {start}-{}/{}\r\nConnection: close\r\n\r\n",
                    part.len(),
                    body.len().saturating_sub(1),
                    body.len()
                );
                let _ = stream
                    .write_all(head.as_bytes())
                    .and_then(|_| stream.write_all(part));
                let _ = reader.read(&mut [0; 1]);
            });
        }
    });
    port
}

#[test]
fn a_recording_served_over_http_plays_with_its_keyframes() {
    let port = serve(Path::new(env!("CARGO_MANIFEST_DIR")).join("../replay-fixtures/decode-1080p"));
    let got = frames(
        StreamSpec::new(
            format!("http://127.0.0.1:{port}/footage.mp4"),
            DecodePolicy::Keyframes,
        ),
        None,
    );
    assert_eq!(got.len(), 15, "30 s at a keyframe every 2 s");
    assert_eq!((got[0].width, got[0].height), (1920, 1080));
}

#[test]
fn an_hls_stream_plays_like_a_camera() {
    let dir = tempfile::tempdir().unwrap();
    footage::run_to_end(&format!(
        "videotestsrc num-buffers=60 ! video/x-raw,width=320,height=240,framerate=10/1 ! x264enc key-int-max=10 bframes=0 ! h264parse ! mpegtsmux ! hlssink target-duration=1 max-files=0 playlist-length=0 location={dir}/segment%05d.ts playlist-location={dir}/playlist.m3u8",
        dir = dir.path().display()
    ));
    let port = serve(dir.path().to_path_buf());
    let got = frames(
        StreamSpec::new(
            format!("http://127.0.0.1:{port}/playlist.m3u8"),
            DecodePolicy::All,
        ),
        None,
    );
    assert!(got.len() >= 50, "{} of 60 frames", got.len());
    assert_eq!((got[0].width, got[0].height), (320, 240));
}
