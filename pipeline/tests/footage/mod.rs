//! GStreamer in tests: decoded frames of committed replay footage, and small pipelines run to
//! their end or pulled sample by sample.

// Each test binary uses its own part of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use gstreamer::prelude::*;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../replay-fixtures")
}

/// Decodes the given frames (counting from 0) of an H.264 MP4 into tightly packed RGB, seeking to
/// each rather than decoding the whole clip.
pub fn decode_frames(path: &Path, indices: &[usize]) -> Vec<(u32, u32, Vec<u8>)> {
    let (pipeline, sink) = launch(&format!(
        "filesrc location={} ! qtdemux ! h264parse ! avdec_h264 ! videoconvert ! video/x-raw,format=RGB ! appsink name=sink sync=false",
        path.display()
    ));
    pipeline.set_state(gstreamer::State::Paused).unwrap();
    pipeline.state(gstreamer::ClockTime::from_seconds(10)).0.unwrap();
    let caps = sink
        .pull_preroll()
        .unwrap()
        .caps()
        .unwrap()
        .structure(0)
        .unwrap()
        .to_owned();
    let (w, h) = (
        caps.get::<i32>("width").unwrap() as u32,
        caps.get::<i32>("height").unwrap() as u32,
    );
    let rate = caps.get::<gstreamer::Fraction>("framerate").unwrap();
    let frame_ns = 1e9 * rate.denom() as f64 / rate.numer() as f64;
    let frames = indices
        .iter()
        .map(|&n| {
            // Inside frame n's display interval, so rounding cannot land on a neighbour. An accurate
            // seek clips the first frame to the seek position, which becomes its timestamp.
            let at = gstreamer::ClockTime::from_nseconds(((n as f64 + 0.25) * frame_ns) as u64);
            pipeline
                .seek_simple(gstreamer::SeekFlags::FLUSH | gstreamer::SeekFlags::ACCURATE, at)
                .unwrap();
            let sample = sink.pull_preroll().unwrap();
            let buffer = sample.buffer().unwrap();
            let pts = buffer.pts().unwrap().nseconds() as f64;
            assert!(
                (pts / frame_ns - n as f64).abs() < 0.5,
                "{}: wanted frame {n}, got pts {pts}",
                path.display()
            );
            let map = buffer.map_readable().unwrap();
            // GStreamer pads RGB rows to a multiple of 4 bytes.
            let stride = (w as usize * 3).div_ceil(4) * 4;
            let rgb = map
                .chunks(stride)
                .take(h as usize)
                .flat_map(|row| &row[..w as usize * 3])
                .copied()
                .collect();
            (w, h, rgb)
        })
        .collect();
    pipeline.set_state(gstreamer::State::Null).unwrap();
    frames
}

/// Runs a pipeline description to its end of stream, as when writing a test file (generously
/// bounded: encoding a minute of 720p on a loaded machine takes a while).
pub fn run_to_end(description: &str) {
    gstreamer::init().unwrap();
    let pipeline = gstreamer::parse::launch(description).unwrap();
    pipeline.set_state(gstreamer::State::Playing).unwrap();
    let bus = pipeline.bus().unwrap();
    let done = [gstreamer::MessageType::Eos, gstreamer::MessageType::Error];
    let msg = bus
        .timed_pop_filtered(gstreamer::ClockTime::from_seconds(300), &done)
        .unwrap();
    pipeline.set_state(gstreamer::State::Null).unwrap();
    assert!(
        matches!(msg.view(), gstreamer::MessageView::Eos(_)),
        "{description}: {msg:?}"
    );
}

/// Runs a description ending in an appsink named `sink`, handing each sample to `each` until it
/// returns false or the stream ends.
pub fn pull(description: &str, mut each: impl FnMut(&gstreamer::Sample) -> bool) {
    let (pipeline, sink) = launch(description);
    pipeline.set_state(gstreamer::State::Playing).unwrap();
    while let Ok(sample) = sink.pull_sample() {
        if !each(&sample) {
            break;
        }
    }
    pipeline.set_state(gstreamer::State::Null).unwrap();
}

/// Builds a pipeline whose appsink is named `sink`.
fn launch(description: &str) -> (gstreamer::Pipeline, gstreamer_app::AppSink) {
    gstreamer::init().unwrap();
    let pipeline = gstreamer::parse::launch(description)
        .unwrap()
        .downcast::<gstreamer::Pipeline>()
        .unwrap();
    let sink = pipeline
        .by_name("sink")
        .unwrap()
        .downcast::<gstreamer_app::AppSink>()
        .unwrap();
    (pipeline, sink)
}
