//! Real GStreamer pipelines on committed footage: each decode policy delivers the frames it
//! promises, with the stream's own timestamps, and keyframes-only decodes exactly the keyframes.

mod footage;

use std::{path::PathBuf, sync::Arc, thread, time::Duration};

use gridwatch_core::{config::DecodePolicy, CameraId, Frame, Pixels, YuvColour, YuvMatrix};
use gridwatch_pipeline::source::{play, FrameQueue, Next, Overflow, StreamSpec, Timeline};

fn clip() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../replay-fixtures/vending-day/footage.mp4")
}

const FPS: f64 = 15.0;
const FRAMES: usize = 2250;

fn start() -> chrono::DateTime<chrono::Utc> {
    "2026-06-01T02:00:00Z".parse().unwrap()
}

/// Plays the clip in replay mode and collects every frame the policy lets through.
fn decode(policy: DecodePolicy) -> Vec<Frame> {
    let queue = Arc::new(FrameQueue::new(4, Overflow::Wait));
    let player = {
        let queue = queue.clone();
        thread::spawn(move || {
            let camera = CameraId::new("market-st").unwrap();
            let result = play(
                &camera,
                &StreamSpec::new(clip().to_str().unwrap(), policy),
                Timeline::Replay { start: start() },
                &queue,
                None,
            );
            queue.close();
            result
        })
    };
    let mut frames = Vec::new();
    loop {
        // A bound on a hang only: the first frame also waits for GStreamer's first start.
        match queue.next(Duration::from_secs(120)) {
            Next::Frame(f) => frames.push(f),
            Next::Closed => break,
            Next::Timeout => panic!("no frame for 120 s"),
        }
    }
    let finished = player.join().unwrap().unwrap();
    assert_eq!(finished.frames as usize, frames.len());
    frames
}

/// Timestamps of the clip's keyframes, read from the compressed stream without decoding.
fn keyframe_times() -> Vec<Duration> {
    let mut times = Vec::new();
    let description = format!(
        "filesrc location={} ! qtdemux ! h264parse ! appsink name=sink sync=false",
        clip().display()
    );
    footage::pull(&description, |sample| {
        let buffer = sample.buffer().unwrap();
        if !buffer.flags().contains(gstreamer::BufferFlags::DELTA_UNIT) {
            times.push(Duration::from_nanos(buffer.pts().unwrap().nseconds()));
        }
        true
    });
    times
}

fn frame_index(f: &Frame) -> usize {
    (f.pts.as_secs_f64() * FPS).round() as usize
}

#[test]
fn all_frames_arrive_in_order_with_stream_timestamps() {
    let frames = decode(DecodePolicy::All);
    assert_eq!(frames.len(), FRAMES);
    for (i, f) in frames.iter().enumerate() {
        assert_eq!(frame_index(f), i);
        assert_eq!(f.wall, start() + f.pts, "replay time is the footage's own");
        assert_eq!((f.width, f.height), (1280, 720));
        assert!(
            matches!(&f.pixels, Pixels::Yuv420 { planes, .. } if planes.len() == 1280 * 720 * 3 / 2),
            "frames come as the decoder gives them, YUV 4:2:0"
        );
    }
}

/// Mean and largest difference of two RGB pictures' samples.
fn difference(a: &[u8], b: &[u8]) -> (f64, u8) {
    assert_eq!(a.len(), b.len());
    let diffs = a.iter().zip(b).map(|(x, y)| x.abs_diff(*y));
    let mean = diffs.clone().map(f64::from).sum::<f64>() / a.len() as f64;
    (mean, diffs.max().unwrap())
}

#[test]
fn a_frame_turned_into_rgb_is_what_gstreamer_makes_of_it_by_the_stream_s_own_colour_matrix() {
    let first = decode(DecodePolicy::Keyframes).remove(0);
    assert_eq!(frame_index(&first), 0);
    let Pixels::Yuv420 { colour, .. } = &first.pixels else {
        panic!("a decoded frame is YUV");
    };
    assert_eq!(
        *colour,
        YuvColour {
            matrix: YuvMatrix::Bt709,
            full_range: false
        },
        "the clip is high-definition broadcast range"
    );
    let (_, _, reference) = footage::decode_frames(&clip(), &[0]).remove(0);
    // GStreamer 1.22's videoconvert stretches broadcast range a little short of the standard
    // (Y 235 becomes 253, not 255), so the two differ by a level or two, never by a colour.
    let (mean, largest) = difference(&first.rgb().unwrap(), &reference);
    assert!(mean < 4.0 && largest < 16, "mean {mean:.3}, largest {largest}");
}

#[test]
fn keyframes_policy_decodes_exactly_the_keyframes() {
    let keyframes = keyframe_times();
    assert_eq!(
        keyframes.len(),
        FRAMES / 30,
        "the clip has a keyframe every 30 frames"
    );
    let frames = decode(DecodePolicy::Keyframes);
    let decoded: Vec<Duration> = frames.iter().map(|f| f.pts).collect();
    assert_eq!(decoded, keyframes);
}

#[test]
fn fps_policy_delivers_the_requested_rate() {
    let frames = decode(DecodePolicy::Fps(1.0));
    let seconds = FRAMES as f64 / FPS;
    assert!(
        (frames.len() as f64 - seconds).abs() <= 1.0,
        "{} frames in {seconds} s",
        frames.len()
    );
    for pair in frames.windows(2) {
        let gap = (pair[1].pts - pair[0].pts).as_secs_f64();
        assert!((gap - 1.0).abs() < 0.07, "frames {gap} s apart");
    }
}

#[test]
fn a_missing_file_is_an_error_naming_the_element() {
    let queue = FrameQueue::new(1, Overflow::DropOldest);
    let camera = CameraId::new("gone").unwrap();
    let err = play(
        &camera,
        &StreamSpec::new("/nonexistent/clip.mp4", DecodePolicy::All),
        Timeline::Live,
        &queue,
        None,
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("GstFileSrc:filesrc") && message.contains("No such file \"/nonexistent/clip.mp4\""),
        "{message}"
    );
}
