//! End to end: N cameras replaying footage through decode, batching and detection, per source size
//! and decode policy, so that a city can size its servers. Reports camera-seconds of footage
//! processed per CPU-second, analysed and decoded frames per second, and peak memory per camera.
//!
//! Sources: the committed 1080p fixture, and 720p and D1 (704×576, squeezed as a 16:9 camera's D1
//! sub-stream is) versions of it encoded here with x264 at the fixture's keyframe interval, so the
//! keyframes policy sees the same frames; they are cached under the target folder, never committed.
//!
//! Decoding goes through `decodebin`, as live cameras do (`pipeline/src/source/describe.rs`): it
//! takes the highest-ranked H.264 decoder installed, a hardware one where GStreamer ranks it above
//! `avdec_h264`; none is required. The header names the decoder this machine used.
//!
//! Each configuration also runs once decoding only, and detection is timed alone, so the pipeline's
//! own overhead (queues, batching, frame copies) is what remains of the CPU time.
//!
//! Run with `cargo bench --bench throughput` (optionally `-- CAMERAS... [CARD.model.toml...]
//! [SOURCE...] [POLICY...]`: camera counts, default 1 4; model cards to compare, one row each,
//! default the shipped int8 demo model and the float one it was made from; sources `1080p`, `720p`,
//! `D1` and policies `keyframes`, `fps`, `all`, default every one).

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    thread,
    time::{Duration, Instant},
};

use gridwatch_core::{config::DecodePolicy, CameraId, YuvColour, YuvMatrix};
use gridwatch_pipeline::{
    detect::{runtime, BatchPolicy, Batcher, Detector, DetectorOptions, Image, ImagePixels, ModelCard},
    source::{play, Doorbell, FrameQueue, Overflow, StreamSpec, Timeline},
};
use gstreamer::prelude::*;

const CLIP_SECONDS: f64 = 30.0;

/// CPU seconds this process has used, all threads, at nanosecond resolution.
fn cpu_seconds() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec it is given.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    assert_eq!(rc, 0, "CLOCK_PROCESS_CPUTIME_ID is available on Linux");
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

/// A memory figure from /proc/self/status in MB: `VmHWM` (peak since the last reset) or `VmRSS`.
fn memory_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<f64>().unwrap() / 1024.0
}

/// Starts a row's memory figures afresh: what earlier rows freed goes back to the system first
/// (else the allocator reuses it unseen and a row's peak reads as nothing), then the peak resets.
fn reset_peak() {
    // SAFETY: malloc_trim only releases free memory the allocator holds.
    unsafe { libc::malloc_trim(0) };
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A clip the cameras replay.
struct Source {
    name: &'static str,
    path: PathBuf,
    width: u32,
    height: u32,
    frames: u64,
}

/// How a clip's frames are coded: how many, how many of them keyframes, the longest run from one
/// keyframe to the next.
#[derive(Debug, PartialEq)]
struct Coding {
    frames: u64,
    keyframes: u64,
    longest_gop: u64,
}

/// Runs a `gst-launch`-style pipeline to its end.
fn run_to_end(description: &str) {
    let pipeline = gstreamer::parse::launch(description).unwrap();
    pipeline.set_state(gstreamer::State::Playing).unwrap();
    let bus = pipeline.bus().unwrap();
    let message = bus
        .timed_pop_filtered(
            gstreamer::ClockTime::from_seconds(600),
            &[gstreamer::MessageType::Eos, gstreamer::MessageType::Error],
        )
        .expect("the pipeline ends within ten minutes");
    pipeline.set_state(gstreamer::State::Null).unwrap();
    if let gstreamer::MessageView::Error(e) = message.view() {
        panic!("{description}: {}", e.error());
    }
}

fn coding(clip: &Path) -> Coding {
    let pipeline = gstreamer::parse::launch(&format!(
        "filesrc location=\"{}\" ! parsebin ! appsink name=sink sync=false",
        clip.display()
    ))
    .unwrap()
    .downcast::<gstreamer::Pipeline>()
    .unwrap();
    let sink = pipeline
        .by_name("sink")
        .unwrap()
        .downcast::<gstreamer_app::AppSink>()
        .unwrap();
    pipeline.set_state(gstreamer::State::Playing).unwrap();
    let (mut coding, mut gop) = (
        Coding {
            frames: 0,
            keyframes: 0,
            longest_gop: 0,
        },
        0,
    );
    while let Ok(sample) = sink.pull_sample() {
        let delta = sample
            .buffer()
            .unwrap()
            .flags()
            .contains(gstreamer::BufferFlags::DELTA_UNIT);
        if !delta {
            coding.keyframes += 1;
            gop = 0;
        }
        gop += 1;
        coding.frames += 1;
        coding.longest_gop = coding.longest_gop.max(gop);
    }
    pipeline.set_state(gstreamer::State::Null).unwrap();
    coding
}

/// The H.264 decoder `decodebin` picks for `clip` on this machine.
fn decoder(clip: &Path) -> String {
    let pipeline = gstreamer::parse::launch(&format!(
        "filesrc location=\"{}\" ! parsebin ! decodebin name=decode ! fakesink",
        clip.display()
    ))
    .unwrap()
    .downcast::<gstreamer::Pipeline>()
    .unwrap();
    pipeline.set_state(gstreamer::State::Paused).unwrap();
    pipeline.state(gstreamer::ClockTime::from_seconds(60)).0.unwrap();
    let decodebin = pipeline
        .by_name("decode")
        .unwrap()
        .downcast::<gstreamer::Bin>()
        .unwrap();
    let name = decodebin
        .iterate_recurse()
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| e.factory())
        .find(|f| f.metadata("klass").is_some_and(|k| k.contains("Decoder")))
        .map(|f| f.name().to_string())
        .unwrap_or_else(|| "none found".to_owned());
    pipeline.set_state(gstreamer::State::Null).unwrap();
    name
}

/// The committed 1080p fixture and its 720p and D1 versions, made once and kept under the target
/// folder (named after the fixture's size, so a new fixture makes new ones).
fn sources() -> Vec<Source> {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("replay-fixtures/decode-1080p/footage.mp4");
    let original = coding(&fixture);
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("throughput-sources");
    std::fs::create_dir_all(&cache).unwrap();
    let bytes = std::fs::metadata(&fixture).unwrap().len();
    let mut sources = vec![Source {
        name: "1080p",
        path: fixture.clone(),
        width: 1920,
        height: 1080,
        frames: original.frames,
    }];
    for (name, width, height) in [("720p", 1280, 720), ("D1", 704, 576)] {
        let path = cache.join(format!("decode-1080p-{bytes}-{width}x{height}.mp4"));
        if !path.is_file() {
            let partial = path.with_extension("partial");
            // Keyframes exactly every `longest_gop` frames, as the fixture has them (no scene cuts),
            // at the fixture's constant quality.
            run_to_end(&format!(
                "filesrc location=\"{}\" ! parsebin ! decodebin ! videoconvert ! videoscale add-borders=false \
                 ! video/x-raw,width={width},height={height} \
                 ! x264enc key-int-max={} bframes=0 option-string=\"scenecut=0\" pass=qual quantizer=34 speed-preset=faster \
                 ! h264parse ! mp4mux ! filesink location=\"{}\"",
                fixture.display(),
                original.longest_gop,
                partial.display()
            ));
            std::fs::rename(&partial, &path).unwrap();
        }
        let made = coding(&path);
        assert_eq!(made, original, "{} is coded as the fixture is", path.display());
        sources.push(Source {
            name,
            path,
            width,
            height,
            frames: made.frames,
        });
    }
    sources
}

/// Plays the clip on `cameras` cameras; with a detector, every frame is analysed in batches,
/// without one frames are only decoded (and dropped), to separate decoding from the rest.
fn run(
    source: &Source,
    cameras: usize,
    policy: DecodePolicy,
    mut detector: Option<&mut Detector>,
) -> (f64, f64, u64, u64, f64) {
    let bell = Arc::new(Doorbell::default());
    let queues: Vec<_> = (0..cameras)
        .map(|_| Arc::new(FrameQueue::new(2, Overflow::Wait).with_doorbell(bell.clone())))
        .collect();
    reset_peak();
    let base = memory_mb("VmRSS:");
    let (cpu0, wall0) = (cpu_seconds(), Instant::now());
    let players: Vec<_> = queues
        .iter()
        .enumerate()
        .map(|(i, queue)| {
            let (queue, clip) = (queue.clone(), source.path.clone());
            thread::spawn(move || {
                let camera = CameraId::new(format!("cam-{i}")).unwrap();
                let start = "2026-06-07T02:00:00Z".parse().unwrap();
                let finished = play(
                    &camera,
                    &StreamSpec::new(clip.to_str().unwrap(), policy),
                    Timeline::Replay { start },
                    &queue,
                    None,
                )
                .unwrap();
                queue.close();
                finished.frames
            })
        })
        .collect();
    let mut batcher = Batcher::new(
        queues,
        bell,
        BatchPolicy {
            max_batch: cameras.min(8),
            max_wait: Duration::from_millis(20),
        },
    );
    let mut analysed = 0;
    while let Some(batch) = batcher.next_batch() {
        if let Some(detector) = detector.as_deref_mut() {
            // As the inference workers do; the cameras here have no analysis region, so whole
            // frames are analysed, the costliest case.
            detector.detect_frames(&batch).unwrap();
        }
        analysed += batch.len() as u64;
    }
    let delivered: u64 = players.into_iter().map(|p| p.join().unwrap()).sum();
    assert_eq!(delivered, analysed);
    let (cpu, wall) = (cpu_seconds() - cpu0, wall0.elapsed().as_secs_f64());
    let decoded = match policy {
        DecodePolicy::Keyframes => analysed, // delta frames never reach the decoder
        DecodePolicy::All | DecodePolicy::Fps(_) => source.frames * cameras as u64,
    };
    let per_camera_mb = (memory_mb("VmHWM:") - base).max(0.0) / cameras as f64;
    (cpu, wall, analysed, decoded, per_camera_mb)
}

/// CPU seconds `detector` takes for one frame of `source`'s size, alone, given as the decoder
/// gives it (YUV 4:2:0).
fn detection_alone(detector: &mut Detector, source: &Source) -> f64 {
    let planes = vec![90u8; (source.width * source.height * 3 / 2) as usize];
    let image = Image {
        width: source.width,
        height: source.height,
        pixels: ImagePixels::Yuv420 {
            planes: &planes,
            colour: YuvColour {
                matrix: YuvMatrix::Bt709,
                full_range: false,
            },
        },
        region: None,
    };
    let cpu0 = cpu_seconds();
    for _ in 0..50 {
        detector.detect(&image).unwrap();
    }
    (cpu_seconds() - cpu0) / 50.0
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let counts: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let counts = if counts.is_empty() { vec![1, 4] } else { counts };
    let mut cards: Vec<PathBuf> = args
        .iter()
        .filter(|a| a.ends_with(".toml"))
        .map(PathBuf::from)
        .collect();
    if cards.is_empty() {
        // The default model beside the float one it was quantized from, measured in one run.
        let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
        cards = ["gridwatch-demo-int8.model.toml", "gridwatch-demo.model.toml"]
            .map(|card| models.join(card))
            .into();
    }
    let chosen = |names: &[&str]| -> Vec<String> {
        let picked: Vec<String> = args
            .iter()
            .filter(|a| names.contains(&a.as_str()))
            .cloned()
            .collect();
        if picked.is_empty() {
            names.iter().map(|n| n.to_string()).collect()
        } else {
            picked
        }
    };
    let (source_names, policy_names) = (
        chosen(&["1080p", "720p", "D1"]),
        chosen(&["keyframes", "fps", "all"]),
    );
    let policies: Vec<DecodePolicy> = [
        ("keyframes", DecodePolicy::Keyframes),
        ("fps", DecodePolicy::Fps(2.0)),
        ("all", DecodePolicy::All),
    ]
    .into_iter()
    .filter(|(name, _)| policy_names.iter().any(|p| p == name))
    .map(|(_, policy)| policy)
    .collect();
    gstreamer::init().unwrap();
    let rt = runtime::init().unwrap();
    let mut detectors: Vec<(String, Detector)> = cards
        .iter()
        .map(|path| {
            let card = ModelCard::load(path).unwrap_or_else(|e| panic!("{e}"));
            let name = format!("{} v{}", card.name, card.version);
            let detector =
                Detector::load(rt, card, DetectorOptions::default()).unwrap_or_else(|e| panic!("{e}"));
            (name, detector)
        })
        .collect();
    // Warm up, so the first run does not carry ONNX Runtime's one-off allocations.
    let black = vec![0u8; 1920 * 1080 * 3];
    for (_, detector) in &mut detectors {
        for batch in 1..=8 {
            let image = Image::rgb(1920, 1080, &black);
            detector.detect_batch(&vec![image; batch]).unwrap();
        }
    }
    let sources: Vec<Source> = sources()
        .into_iter()
        .filter(|s| source_names.iter().any(|n| n == s.name))
        .collect();
    println!(
        "H.264, {CLIP_SECONDS} s per camera, decoded by {}, each model on one inference thread",
        decoder(&sources[0].path)
    );
    // CPU seconds per frame, by source and then model.
    let alone: Vec<Vec<f64>> = sources
        .iter()
        .map(|source| {
            detectors
                .iter_mut()
                .map(|(name, detector)| {
                    let seconds = detection_alone(detector, source);
                    println!(
                        "detection alone: {:.1} ms CPU per {} frame ({}×{}), {name}",
                        seconds * 1000.0,
                        source.name,
                        source.width,
                        source.height
                    );
                    seconds
                })
                .collect()
        })
        .collect();
    println!(
        "{:<6} {:<18} {:<10} {:>7} {:>8} {:>8} {:>14} {:>11} {:>10} {:>12} {:>13} {:>9}",
        "source",
        "model",
        "policy",
        "cameras",
        "wall s",
        "CPU s",
        "cam-s/CPU-s",
        "analysed/s",
        "decoded/s",
        "peak MB/cam",
        "decode CPU s",
        "overhead"
    );
    // Medians of five runs: these machines are noisy.
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    for (source, alone) in sources.iter().zip(&alone) {
        for &policy in &policies {
            for &cameras in &counts {
                let decode_cpu = median((0..5).map(|_| run(source, cameras, policy, None).0).collect());
                for ((model, detector), per_frame) in detectors.iter_mut().zip(alone) {
                    let runs: Vec<_> = (0..5)
                        .map(|_| run(source, cameras, policy, Some(&mut *detector)))
                        .collect();
                    let (analysed, decoded) = (runs[0].2, runs[0].3);
                    let cpu = median(runs.iter().map(|r| r.0).collect());
                    let wall = median(runs.iter().map(|r| r.1).collect());
                    let mb = median(runs.iter().map(|r| r.4).collect());
                    // What the pipeline adds beyond decoding and detecting: queues, batching, copies.
                    let overhead = (cpu - decode_cpu - analysed as f64 * per_frame) / cpu;
                    let policy = match policy {
                        DecodePolicy::Keyframes => "keyframes".to_owned(),
                        DecodePolicy::Fps(f) => format!("{f} fps"),
                        DecodePolicy::All => "all".to_owned(),
                    };
                    println!(
                        "{:<6} {model:<18} {policy:<10} {cameras:>7} {wall:>8.2} {cpu:>8.2} {:>14.1} {:>11.1} {:>10.1} {mb:>12.1} {decode_cpu:>13.2} {:>8.1}%",
                        source.name,
                        CLIP_SECONDS * cameras as f64 / cpu,
                        analysed as f64 / wall,
                        decoded as f64 / wall,
                        overhead * 100.0
                    );
                }
            }
        }
    }
}
