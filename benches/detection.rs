//! The per-frame costs of analysis, stage by stage: letterboxing a 1280×720 frame into the model
//! input (from YUV 4:2:0 as decoders deliver it, and from RGB as stills come), inference with the demo model on one thread, decoding its output with NMS, and one
//! tracker step. Inference is expected to dominate; everything else is the pipeline's overhead.
//!
//! Run with `cargo bench --bench detection`.

use std::{hint::black_box, path::Path, time::Duration};

use criterion::{criterion_group, criterion_main, Criterion};
use gridwatch_core::{Detection, ImageBox, YuvColour, YuvMatrix};
use gridwatch_pipeline::{
    detect::{letterbox, runtime, Detector, DetectorOptions, Image, ImagePixels, ModelCard},
    track::{Tracker, TrackerConfig},
};
use ndarray::Array4;

/// Deterministic, textured bytes: a 1280×720 frame's RGB samples take `1280 * 720 * 3`, its YUV
/// 4:2:0 ones `1280 * 720 * 3 / 2`.
fn texture(len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 2_654_435_761usize) >> 13) as u8).collect()
}

fn card() -> ModelCard {
    ModelCard::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("models/gridwatch-demo-int8.model.toml"))
        .unwrap()
}

fn stages(c: &mut Criterion) {
    let (rgb, planes) = (texture(1280 * 720 * 3), texture(1280 * 720 * 3 / 2));
    let image = Image {
        pixels: ImagePixels::Yuv420 {
            planes: &planes,
            colour: YuvColour {
                matrix: YuvMatrix::Bt709,
                full_range: false,
            },
        },
        ..Image::rgb(1280, 720, &rgb)
    };
    let card = card();
    let (w, h) = (card.input.width, card.input.height);
    let mut input = Array4::<f32>::zeros((1, 3, h as usize, w as usize));
    c.bench_function("letterbox 1280x720 YUV 4:2:0 to model input", |b| {
        b.iter(|| letterbox(black_box(&image), w, h, &mut input, 0).unwrap())
    });
    c.bench_function("letterbox 1280x720 RGB to model input", |b| {
        b.iter(|| letterbox(black_box(&Image::rgb(1280, 720, &rgb)), w, h, &mut input, 0).unwrap())
    });

    let rt = runtime::init().unwrap();
    let mut detector = Detector::load(rt, card, DetectorOptions::default()).unwrap();
    c.bench_function(
        "detect 1280x720 (letterbox + inference + decode + NMS), 1 thread",
        |b| b.iter(|| detector.detect(black_box(&image)).unwrap()),
    );

    let detections: Vec<Detection> = (0..30)
        .map(|i| Detection {
            class: (i % 11) as u16,
            score: 0.5 + (i % 5) as f32 / 10.0,
            bbox: ImageBox {
                x1: (i * 40) as f64,
                y1: 300.0,
                x2: (i * 40 + 60) as f64,
                y2: 420.0,
            },
        })
        .collect();
    let mut tracker = Tracker::new(TrackerConfig::default());
    let mut t = Duration::ZERO;
    c.bench_function("tracker step, 30 detections", |b| {
        b.iter(|| {
            t += Duration::from_millis(500);
            tracker.update(t, black_box(&detections)).len()
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = stages
}
criterion_main!(benches);
