//! End to end: N cameras replaying the 1080p fixture through decode, batching and detection, per
//! decode policy. Reports camera-seconds of footage processed per CPU-second, analysed and decoded
//! frames per second, and peak memory per camera.
//!
//! Each configuration also runs once decoding only, and detection is timed alone, so the pipeline's
//! own overhead (queues, batching, frame copies) is what remains of the CPU time.
//!
//! Run with `cargo bench --bench throughput` (optionally `-- CAMERAS...`, default 1 4).

use std::{
    path::Path,
    sync::Arc,
    thread,
    time::{Duration, Instant},
};

use gridwatch_core::{config::DecodePolicy, CameraId};
use gridwatch_pipeline::{
    detect::{runtime, BatchPolicy, Batcher, Detector, DetectorOptions, Image, ModelCard},
    source::{play, Doorbell, FrameQueue, Overflow, StreamSpec, Timeline},
};

const CLIP_SECONDS: f64 = 30.0;
const CLIP_FRAMES: u64 = 750;

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

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Plays the clip on `cameras` cameras; with a detector, every frame is analysed in batches,
/// without one frames are only decoded (and dropped), to separate decoding from the rest.
fn run(
    cameras: usize,
    policy: DecodePolicy,
    mut detector: Option<&mut Detector>,
) -> (f64, f64, u64, u64, f64) {
    let clip = Path::new(env!("CARGO_MANIFEST_DIR")).join("replay-fixtures/decode-1080p/footage.mp4");
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
            let (queue, clip) = (queue.clone(), clip.clone());
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
            let images: Vec<Image> = batch.iter().map(Image::from).collect();
            detector.detect_batch(&images).unwrap();
        }
        analysed += batch.len() as u64;
    }
    let delivered: u64 = players.into_iter().map(|p| p.join().unwrap()).sum();
    assert_eq!(delivered, analysed);
    let (cpu, wall) = (cpu_seconds() - cpu0, wall0.elapsed().as_secs_f64());
    let decoded = match policy {
        DecodePolicy::Keyframes => analysed, // delta frames never reach the decoder
        DecodePolicy::All | DecodePolicy::Fps(_) => CLIP_FRAMES * cameras as u64,
    };
    let per_camera_mb = (memory_mb("VmHWM:") - base).max(0.0) / cameras as f64;
    (cpu, wall, analysed, decoded, per_camera_mb)
}

fn main() {
    let counts: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let counts = if counts.is_empty() { vec![1, 4] } else { counts };
    let card =
        ModelCard::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("models/gridwatch-demo.model.toml"))
            .unwrap();
    let mut detector = Detector::load(runtime::init().unwrap(), card, DetectorOptions::default()).unwrap();
    // Warm up, so the first run does not carry ONNX Runtime's one-off allocations.
    let black = vec![0u8; 1920 * 1080 * 3];
    for batch in 1..=8 {
        let images = vec![
            Image {
                width: 1920,
                height: 1080,
                rgb: &black
            };
            batch
        ];
        detector.detect_batch(&images).unwrap();
    }
    // Detection alone, on one decoded 1080p frame: CPU seconds per analysed frame.
    let per_frame = {
        let frame = vec![90u8; 1920 * 1080 * 3];
        let image = Image {
            width: 1920,
            height: 1080,
            rgb: &frame,
            region: None,
        };
        let cpu0 = cpu_seconds();
        for _ in 0..50 {
            detector.detect(&image).unwrap();
        }
        (cpu_seconds() - cpu0) / 50.0
    };
    println!("1080p H.264, {CLIP_SECONDS} s per camera, demo model on one inference thread");
    println!(
        "detection alone: {:.1} ms CPU per 1080p frame",
        per_frame * 1000.0
    );
    println!(
        "{:<10} {:>7} {:>8} {:>8} {:>14} {:>11} {:>10} {:>12} {:>13} {:>9}",
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
    for policy in [DecodePolicy::Keyframes, DecodePolicy::Fps(2.0), DecodePolicy::All] {
        for &cameras in &counts {
            // Medians of five runs: these machines are noisy.
            let median = |mut v: Vec<f64>| {
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            };
            let decode_cpu = median((0..5).map(|_| run(cameras, policy, None).0).collect());
            let runs: Vec<_> = (0..5)
                .map(|_| run(cameras, policy, Some(&mut detector)))
                .collect();
            let (analysed, decoded) = (runs[0].2, runs[0].3);
            let cpu = median(runs.iter().map(|r| r.0).collect());
            let wall = median(runs.iter().map(|r| r.1).collect());
            let mb = median(runs.iter().map(|r| r.4).collect());
            // What the pipeline adds beyond decoding and detecting: queues, batching, copies.
            let overhead = (cpu - decode_cpu - analysed as f64 * per_frame) / cpu;
            let name = match policy {
                DecodePolicy::Keyframes => "keyframes".to_owned(),
                DecodePolicy::Fps(f) => format!("{f} fps"),
                DecodePolicy::All => "all".to_owned(),
            };
            println!(
                "{name:<10} {cameras:>7} {wall:>8.2} {cpu:>8.2} {:>14.1} {:>11.1} {:>10.1} {mb:>12.1} {decode_cpu:>13.2} {:>8.1}%",
                CLIP_SECONDS * cameras as f64 / cpu,
                analysed as f64 / wall,
                decoded as f64 / wall,
                overhead * 100.0
            );
        }
    }
}
