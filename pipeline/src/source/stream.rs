//! Running one stream: frames out of the appsink into the camera's queue, errors off the bus.

use std::time::Duration;

use chrono::{DateTime, Utc};
use gridwatch_core::{config::DecodePolicy, CameraId, Frame};
use gstreamer::prelude::*;
use gstreamer_app::AppSink;

use super::{describe::describe, describe::SINK, FrameQueue, SourceError};

/// Where frames' wall-clock times come from.
#[derive(Debug, Clone, Copy)]
pub enum Timeline {
    /// The system clock when the frame arrives.
    Live,
    /// The recording's start plus the stream position: replays see the footage's own time.
    Replay { start: DateTime<Utc> },
}

/// How a stream ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finished {
    pub frames: u64,
}

/// Plays `uri` until it ends, handing each frame that `policy` lets through to `queue`.
/// Returns at end of stream, or with the error that stopped it.
pub fn play(
    camera: &CameraId,
    uri: &str,
    policy: DecodePolicy,
    timeline: Timeline,
    queue: &FrameQueue,
) -> Result<Finished, SourceError> {
    gstreamer::init().map_err(|e| SourceError::Gstreamer(e.to_string()))?;
    let realtime = matches!(timeline, Timeline::Live);
    let description = describe(uri, policy, realtime)?;
    let pipeline = gstreamer::parse::launch(&description)
        .map_err(|e| SourceError::Gstreamer(format!("{e} (pipeline: {description})")))?
        .downcast::<gstreamer::Pipeline>()
        .map_err(|_| SourceError::Gstreamer("not a pipeline".into()))?;
    let sink = pipeline
        .by_name(SINK)
        .and_then(|e| e.downcast::<AppSink>().ok())
        .expect("the description names its appsink");
    let result = pump(camera, &pipeline, &sink, timeline, queue);
    // Null first, whatever happened, so no streaming thread outlives the call.
    let _ = pipeline.set_state(gstreamer::State::Null);
    result
}

fn pump(
    camera: &CameraId,
    pipeline: &gstreamer::Pipeline,
    sink: &AppSink,
    timeline: Timeline,
    queue: &FrameQueue,
) -> Result<Finished, SourceError> {
    pipeline
        .set_state(gstreamer::State::Playing)
        .map_err(|_| bus_error(pipeline))?;
    let mut frames = 0;
    while let Ok(sample) = sink.pull_sample() {
        let frame = to_frame(camera, &sample, timeline)?;
        if !queue.push(frame) {
            break; // the consumer has gone
        }
        frames += 1;
    }
    if sink.is_eos() {
        return Ok(Finished { frames });
    }
    Err(bus_error(pipeline))
}

/// The error the pipeline posted, with the element that posted it.
fn bus_error(pipeline: &gstreamer::Pipeline) -> SourceError {
    let bus = pipeline.bus().expect("pipelines have a bus");
    while let Some(msg) = bus.pop_filtered(&[gstreamer::MessageType::Error]) {
        if let gstreamer::MessageView::Error(err) = msg.view() {
            let element = msg.src().map(|s| s.path_string().to_string()).unwrap_or_default();
            // The debug text's last line is usually the specific cause ("No such file …").
            let detail = err
                .debug()
                .and_then(|d| d.lines().last().map(str::to_owned))
                .filter(|d| !d.is_empty());
            let message = match detail {
                Some(detail) => format!("{} ({detail})", err.error()),
                None => err.error().to_string(),
            };
            return SourceError::Stream { element, message };
        }
    }
    SourceError::Stream {
        element: String::new(),
        message: "the stream stopped without saying why".into(),
    }
}

fn to_frame(camera: &CameraId, sample: &gstreamer::Sample, timeline: Timeline) -> Result<Frame, SourceError> {
    let caps = sample.caps().and_then(|c| c.structure(0).map(|s| s.to_owned()));
    let size = caps.and_then(|s| {
        Some((
            s.get::<i32>("width").ok()? as u32,
            s.get::<i32>("height").ok()? as u32,
        ))
    });
    let ((width, height), buffer) = size
        .zip(sample.buffer())
        .ok_or(SourceError::Frame("a sample without size or data"))?;
    let pts = Duration::from_nanos(buffer.pts().map_or(0, |t| t.nseconds()));
    let map = buffer
        .map_readable()
        .map_err(|_| SourceError::Frame("an unreadable buffer"))?;
    // RGB rows are padded to a multiple of 4 bytes.
    let (row, stride) = (width as usize * 3, (width as usize * 3).div_ceil(4) * 4);
    let mut rgb = Vec::with_capacity(row * height as usize);
    for line in map.chunks(stride).take(height as usize) {
        rgb.extend_from_slice(
            line.get(..row)
                .ok_or(SourceError::Frame("a buffer shorter than its caps"))?,
        );
    }
    let wall = match timeline {
        Timeline::Live => Utc::now(),
        Timeline::Replay { start } => start + pts,
    };
    Ok(Frame {
        camera: camera.clone(),
        pts,
        wall,
        width,
        height,
        rgb,
    })
}
