//! Reading committed replay footage in tests: decoded frames.

use std::path::{Path, PathBuf};

use gstreamer::prelude::*;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../replay-fixtures")
}

/// Decodes the given frames (counting from 0) of an H.264 MP4 into tightly packed RGB, seeking to
/// each rather than decoding the whole clip.
pub fn decode_frames(path: &Path, indices: &[usize]) -> Vec<(u32, u32, Vec<u8>)> {
    gstreamer::init().unwrap();
    let description = format!(
        "filesrc location={} ! qtdemux ! h264parse ! avdec_h264 ! videoconvert ! video/x-raw,format=RGB ! appsink name=sink sync=false",
        path.display()
    );
    let pipeline = gstreamer::parse::launch(&description)
        .unwrap()
        .downcast::<gstreamer::Pipeline>()
        .unwrap();
    let sink = pipeline
        .by_name("sink")
        .unwrap()
        .downcast::<gstreamer_app::AppSink>()
        .unwrap();
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
