//! Any common YOLO export works given a card: each output layout decodes to the same boxes in
//! source pixels, through a real ONNX Runtime session. The fixture models output fixed tables
//! (see fixtures/make_layout_models.py).

use std::path::{Path, PathBuf};

use gridwatch_core::config::Provider;
use gridwatch_core::ImageBox;
use gridwatch_pipeline::detect::{provider_available, runtime, Detector, DetectorOptions, Image, ModelCard};

fn card(dir: &Path, model: &str, layout: &str) -> ModelCard {
    ModelCard::load(&write_card(dir, model, layout, "")).unwrap()
}

/// A card for a fixture model; `output` adds lines to its `[output]` table.
fn write_card(dir: &Path, model: &str, layout: &str, output: &str) -> PathBuf {
    let onnx = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(model);
    let text = format!(
        "name = \"fixture\"\nversion = \"1\"\nonnx = \"{}\"\nclasses = [\"cart\", \"bicycle\"]\n\
         [input]\nwidth = 64\nheight = 64\nlayout = \"nchw\"\ncolour = \"rgb\"\n\
         [output]\nlayout = \"{layout}\"\ndynamic_batch = true\n{output}",
        onnx.display()
    );
    let path = dir.join(format!("{layout}.model.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// Detections of a 128×96 frame: letterboxed into the 64×64 input at scale 0.5 with 8 rows of
/// padding above, so boxes map back as x / 0.5 and (y - 8) / 0.5.
fn detect(model: &str, layout: &str) -> Vec<(u16, f32, ImageBox)> {
    let dir = tempfile::tempdir().unwrap();
    detect_with(card(dir.path(), model, layout))
}

fn detect_with(card: ModelCard) -> Vec<(u16, f32, ImageBox)> {
    let rt = runtime::init().unwrap();
    let mut detector = Detector::load(rt, card, DetectorOptions::default()).unwrap();
    let rgb = vec![90u8; 128 * 96 * 3];
    let found = detector.detect(&Image::rgb(128, 96, &rgb)).unwrap();
    found
        .into_iter()
        .map(|d| (d.class, (d.score * 100.0).round() / 100.0, d.bbox))
        .collect()
}

fn bx(x1: f64, y1: f64, x2: f64, y2: f64) -> ImageBox {
    ImageBox { x1, y1, x2, y2 }
}

#[test]
fn yolov5_scores_are_objectness_times_class_and_duplicates_are_suppressed() {
    assert_eq!(
        detect("layout-yolov5.onnx", "yolov5"),
        [
            (1, 0.72, bx(48.0, 40.0, 80.0, 56.0)),
            (0, 0.54, bx(12.0, 76.0, 28.0, 92.0))
        ]
    );
}

#[test]
fn the_cards_nms_iou_decides_which_overlapping_boxes_are_one_object() {
    // The two class-1 boxes overlap with IoU 15/17 ≈ 0.88: one object under the default 0.45,
    // two under a card that only merges boxes overlapping more than 0.9.
    let dir = tempfile::tempdir().unwrap();
    let path = write_card(dir.path(), "layout-yolov5.onnx", "yolov5", "nms_iou = 0.9\n");
    assert_eq!(
        detect_with(ModelCard::load(&path).unwrap()),
        [
            (1, 0.72, bx(48.0, 40.0, 80.0, 56.0)),
            (1, 0.56, bx(50.0, 40.0, 82.0, 56.0)),
            (0, 0.54, bx(12.0, 76.0, 28.0, 92.0))
        ]
    );
}

#[test]
fn a_card_with_an_nms_iou_outside_0_to_1_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_card(dir.path(), "layout-yolov5.onnx", "yolov5", "nms_iou = 1.5\n");
    let err = ModelCard::load(&path).unwrap_err().to_string();
    assert!(err.contains("yolov5.model.toml"), "{err}");
    assert!(
        err.ends_with("output nms_iou 1.5 is outside 0…1 (boxes overlapping more than it are one object)"),
        "{err}"
    );
}

#[test]
fn end_to_end_output_is_taken_as_it_is() {
    assert_eq!(
        detect("layout-yolov10.onnx", "yolov10"),
        [
            (1, 0.91, bx(48.0, 40.0, 80.0, 56.0)),
            (0, 0.55, bx(12.0, 76.0, 28.0, 92.0))
        ]
    );
}

#[test]
fn a_card_with_the_wrong_layout_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime::init().unwrap();
    let err = Detector::load(
        rt,
        card(dir.path(), "layout-yolov5.onnx", "yolov8"),
        DetectorOptions::default(),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(err.ends_with("output `y` has shape [-1, 4, 7]; a YOLOv8 model with the card's 2 classes gives [batch, 6, anchors]"), "{err}");
}

#[test]
fn an_execution_provider_the_runtime_lacks_is_an_error_not_a_silent_cpu_run() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime::init().unwrap();
    assert!(provider_available(Provider::Cpu));
    // The PyPI CPU wheel has no CUDA; a machine whose runtime has it would run instead.
    if provider_available(Provider::Cuda) {
        return;
    }
    let options = DetectorOptions {
        provider: Provider::Cuda,
        ..DetectorOptions::default()
    };
    let err = Detector::load(rt, card(dir.path(), "layout-yolov10.onnx", "yolov10"), options)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("execution provider `cuda` is not in the ONNX Runtime at `"),
        "{err}"
    );
    assert!(err.ends_with("it offers: cpu"), "{err}");
}
