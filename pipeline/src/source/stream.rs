//! Running one stream: frames out of the appsink into the camera's queue, errors off the bus.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use gridwatch_core::{chroma_size, CameraId, CameraState, Frame, Pixels, YuvColour, YuvMatrix};
use gstreamer::prelude::*;
use gstreamer_app::{AppSink, AppSinkCallbacks};
use gstreamer_video::{prelude::*, VideoColorMatrix, VideoColorRange, VideoFormat, VideoFrameRef, VideoInfo};

use super::{
    describe::{describe, PACKETS, SINK},
    FrameQueue, SourceError, StreamSpec,
};
use crate::evidence::{ClipRing, Packet};

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

/// Plays a stream until it ends (files), handing each frame its decode policy lets through to
/// `queue`, and with `clips` every compressed packet to that ring. Returns at end of stream, or
/// with the error that stopped it.
pub fn play(
    camera: &CameraId,
    stream: &StreamSpec,
    timeline: Timeline,
    queue: &FrameQueue,
    clips: Option<Arc<ClipRing>>,
) -> Result<Finished, SourceError> {
    let never = AtomicBool::new(false);
    let watch = Watch {
        stall_after: Duration::MAX,
        stop: &never,
        on_state: &mut |_| {},
        clips,
    };
    play_watched(camera, stream, timeline, queue, watch)
}

/// What a live camera's runner watches while a stream plays.
pub struct Watch<'a> {
    /// Silence longer than this is a stall. A stream that has not delivered its first frame by
    /// then ends with [`SourceError::Silent`]; one that has waits for its frames to come back.
    pub stall_after: Duration,
    /// Set to end playback early.
    pub stop: &'a AtomicBool,
    /// Told `Online` when frames (re)start flowing and `Stalled` when they stop or never start.
    pub on_state: &'a mut dyn FnMut(CameraState),
    /// Where compressed packets go for evidence clips.
    pub clips: Option<Arc<ClipRing>>,
}

/// [`play`], reporting stalls and recoveries, and stopping when asked.
pub fn play_watched(
    camera: &CameraId,
    stream: &StreamSpec,
    timeline: Timeline,
    queue: &FrameQueue,
    watch: Watch,
) -> Result<Finished, SourceError> {
    gstreamer::init().map_err(|e| SourceError::Gstreamer(e.to_string()))?;
    let realtime = matches!(timeline, Timeline::Live);
    let description = describe(stream, realtime, watch.clips.is_some())?;
    let pipeline = gstreamer::parse::launch(&description)
        .map_err(|e| SourceError::Gstreamer(format!("{e} (pipeline: {description})")))?
        .downcast::<gstreamer::Pipeline>()
        .map_err(|_| SourceError::Gstreamer("not a pipeline".into()))?;
    let sink = pipeline
        .by_name(SINK)
        .and_then(|e| e.downcast::<AppSink>().ok())
        .expect("the description names its appsink");
    if let Some(ring) = &watch.clips {
        let packets = pipeline
            .by_name(PACKETS)
            .and_then(|e| e.downcast::<AppSink>().ok())
            .expect("the description names its packet appsink");
        packets.set_callbacks(collect_packets(ring.clone(), timeline));
    }
    let result = pump(camera, &pipeline, &sink, timeline, queue, stream.looped, watch);
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
    looped: bool,
    watch: Watch,
) -> Result<Finished, SourceError> {
    pipeline
        .set_state(gstreamer::State::Playing)
        .map_err(|_| bus_error(pipeline))?;
    let (mut frames, mut last_frame, mut flowing) = (0, Instant::now(), false);
    let poll = gstreamer::ClockTime::from_mseconds(100);
    while !watch.stop.load(Ordering::Relaxed) {
        let Some(sample) = sink.try_pull_sample(poll) else {
            if sink.is_eos() {
                if !looped {
                    return Ok(Finished { frames });
                }
                let start = gstreamer::SeekFlags::FLUSH | gstreamer::SeekFlags::KEY_UNIT;
                pipeline
                    .seek_simple(start, gstreamer::ClockTime::ZERO)
                    .map_err(|_| SourceError::Stream {
                        element: pipeline.path_string().to_string(),
                        message: "could not seek back to the start to loop".into(),
                    })?;
                continue;
            }
            if let Some(error) = posted_error(pipeline) {
                return Err(error);
            }
            // Before the first frame `last_frame` is the start, so a source that connects and
            // never delivers is caught too.
            if last_frame.elapsed() > watch.stall_after {
                if frames == 0 {
                    (watch.on_state)(CameraState::Stalled);
                    return Err(SourceError::Silent(watch.stall_after));
                }
                if flowing {
                    flowing = false;
                    (watch.on_state)(CameraState::Stalled);
                }
            }
            continue;
        };
        if !flowing {
            flowing = true;
            (watch.on_state)(CameraState::Online);
        }
        last_frame = Instant::now();
        if !queue.push(to_frame(camera, &sample, timeline)?) {
            break; // the consumer has gone
        }
        frames += 1;
    }
    Ok(Finished { frames })
}

/// Records a live camera's stream for evidence clips only (its main stream, when analysis reads
/// another): every compressed packet into `ring`, nothing decoded. Returns when the stream ends or
/// fails, or when `stop` is set.
pub fn record(stream: &StreamSpec, ring: Arc<ClipRing>, stop: &AtomicBool) -> Result<(), SourceError> {
    gstreamer::init().map_err(|e| SourceError::Gstreamer(e.to_string()))?;
    let description = super::describe::describe_recording(stream)?;
    let pipeline = gstreamer::parse::launch(&description)
        .map_err(|e| SourceError::Gstreamer(format!("{e} (pipeline: {description})")))?
        .downcast::<gstreamer::Pipeline>()
        .map_err(|_| SourceError::Gstreamer("not a pipeline".into()))?;
    let packets = pipeline
        .by_name(PACKETS)
        .and_then(|e| e.downcast::<AppSink>().ok())
        .expect("the description names its packet appsink");
    packets.set_callbacks(collect_packets(ring, Timeline::Live));
    let result = watch_bus(&pipeline, stream.looped, stop);
    let _ = pipeline.set_state(gstreamer::State::Null);
    result
}

fn watch_bus(pipeline: &gstreamer::Pipeline, looped: bool, stop: &AtomicBool) -> Result<(), SourceError> {
    pipeline
        .set_state(gstreamer::State::Playing)
        .map_err(|_| bus_error(pipeline))?;
    let bus = pipeline.bus().expect("pipelines have a bus");
    let ends = [gstreamer::MessageType::Eos, gstreamer::MessageType::Error];
    while !stop.load(Ordering::Relaxed) {
        let Some(message) = bus.timed_pop_filtered(gstreamer::ClockTime::from_mseconds(100), &ends) else {
            continue;
        };
        match message.view() {
            gstreamer::MessageView::Eos(_) if looped => {
                pipeline
                    .seek_simple(
                        gstreamer::SeekFlags::FLUSH | gstreamer::SeekFlags::KEY_UNIT,
                        gstreamer::ClockTime::ZERO,
                    )
                    .map_err(|_| SourceError::Stream {
                        element: pipeline.path_string().to_string(),
                        message: "could not seek back to the start to loop".into(),
                    })?;
            }
            gstreamer::MessageView::Eos(_) => return Ok(()),
            _ => return Err(error_of(&message).expect("only errors are left")),
        }
    }
    Ok(())
}

/// Appsink callbacks that keep each compressed packet in `ring`, timed like the frames.
fn collect_packets(ring: Arc<ClipRing>, timeline: Timeline) -> AppSinkCallbacks {
    AppSinkCallbacks::builder()
        .new_sample(move |sink| {
            let sample = sink.pull_sample().map_err(|_| gstreamer::FlowError::Eos)?;
            if let Some(caps) = sample.caps() {
                ring.set_caps(caps.to_owned());
            }
            if let Some(buffer) = sample.buffer_owned() {
                let pts = Duration::from_nanos(buffer.pts().map_or(0, |t| t.nseconds()));
                ring.push(Packet {
                    wall: wall_time(timeline, pts),
                    keyframe: !buffer.flags().contains(gstreamer::BufferFlags::DELTA_UNIT),
                    buffer,
                });
            }
            Ok(gstreamer::FlowSuccess::Ok)
        })
        .build()
}

fn wall_time(timeline: Timeline, pts: Duration) -> DateTime<Utc> {
    match timeline {
        Timeline::Live => Utc::now(),
        Timeline::Replay { start } => start + pts,
    }
}

/// The error the pipeline posted, if any, with the element that posted it.
fn posted_error(pipeline: &gstreamer::Pipeline) -> Option<SourceError> {
    let bus = pipeline.bus().expect("pipelines have a bus");
    error_of(&bus.pop_filtered(&[gstreamer::MessageType::Error])?)
}

/// An error message as the error it reports.
fn error_of(msg: &gstreamer::Message) -> Option<SourceError> {
    let gstreamer::MessageView::Error(err) = msg.view() else {
        return None;
    };
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
    // The message reaches logs and the command centre; a camera's address in it keeps its password.
    let message = gridwatch_core::redact::credentials(&message).into_owned();
    Some(SourceError::Stream { element, message })
}

/// The error that made the pipeline fail to start.
fn bus_error(pipeline: &gstreamer::Pipeline) -> SourceError {
    posted_error(pipeline).unwrap_or_else(|| SourceError::Stream {
        element: String::new(),
        message: "the pipeline would not start and gave no reason".into(),
    })
}

fn to_frame(camera: &CameraId, sample: &gstreamer::Sample, timeline: Timeline) -> Result<Frame, SourceError> {
    let info = sample
        .caps()
        .and_then(|caps| VideoInfo::from_caps(caps).ok())
        .ok_or(SourceError::Frame("a sample without video caps"))?;
    if info.format() != VideoFormat::I420 {
        return Err(SourceError::Frame("a picture that is not I420"));
    }
    let buffer = sample
        .buffer()
        .ok_or(SourceError::Frame("a sample without data"))?;
    let pts = Duration::from_nanos(buffer.pts().map_or(0, |t| t.nseconds()));
    let picture = VideoFrameRef::from_buffer_ref_readable(buffer, &info)
        .map_err(|_| SourceError::Frame("a buffer shorter than its caps"))?;
    let (width, height) = (info.width(), info.height());
    let (chroma_w, chroma_h) = chroma_size(width, height);
    let mut planes = Vec::with_capacity((width * height + 2 * chroma_w * chroma_h) as usize);
    // Rows may be padded, so each plane is copied row by row.
    for (plane, (w, h)) in [(width, height), (chroma_w, chroma_h), (chroma_w, chroma_h)]
        .into_iter()
        .enumerate()
    {
        let data = picture
            .plane_data(plane as u32)
            .map_err(|_| SourceError::Frame("a picture without its three planes"))?;
        let stride = picture.plane_stride()[plane] as usize;
        for row in 0..h as usize {
            planes.extend_from_slice(
                data.get(row * stride..row * stride + w as usize)
                    .ok_or(SourceError::Frame("a buffer shorter than its caps"))?,
            );
        }
    }
    Ok(Frame {
        camera: camera.clone(),
        pts,
        wall: wall_time(timeline, pts),
        width,
        height,
        pixels: Pixels::Yuv420 {
            planes,
            colour: colour_of(&info),
        },
    })
}

/// How the stream's YUV turns into colours. Caps without colorimetry get GStreamer's default for
/// their size already; a matrix marked unknown is guessed the same way (BT.601 up to 576 lines).
fn colour_of(info: &VideoInfo) -> YuvColour {
    let colorimetry = info.colorimetry();
    let matrix = match colorimetry.matrix() {
        VideoColorMatrix::Bt601 | VideoColorMatrix::Fcc => YuvMatrix::Bt601,
        VideoColorMatrix::Unknown if info.height() <= 576 => YuvMatrix::Bt601,
        VideoColorMatrix::Bt2020 => YuvMatrix::Bt2020,
        // BT.709, SMPTE 240M (nearly the same) and the rest.
        _ => YuvMatrix::Bt709,
    };
    YuvColour {
        matrix,
        full_range: colorimetry.range() == VideoColorRange::Range0_255,
    }
}
