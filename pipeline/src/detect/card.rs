//! Model cards: the `*.model.toml` beside each ONNX detector that says what it expects and means.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::DetectError;

/// How a model lays out its output tensor. Boxes are in model-input pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputLayout {
    /// YOLOv5 and its kin: `[batch, anchors, 5 + classes]`: centre, size, objectness, class scores.
    Yolov5,
    /// YOLOv8 / YOLO11: `[batch, 4 + classes, anchors]`: centre, size, class scores; no NMS inside.
    Yolov8,
    /// YOLOv10 and end-to-end exports: `[batch, detections, 6]`: corners, score, class; NMS done.
    Yolov10,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    pub width: u32,
    pub height: u32,
    /// Only `nchw` float32, RGB, 0..1 is produced by the letterbox today.
    pub layout: String,
    pub colour: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    pub layout: OutputLayout,
    #[serde(default)]
    pub dynamic_batch: bool,
    /// Boxes of one class overlapping more than this are one object (ignored by end-to-end
    /// layouts). Part of the card because a model's measured accuracy depends on it.
    #[serde(default = "default_nms_iou")]
    pub nms_iou: f64,
}

/// No detector takes a larger input than this on either side.
const MAX_INPUT_SIDE: u32 = 8192;

fn default_nms_iou() -> f64 {
    0.45
}

/// A detector's card. Sections that only document the model (training, accuracy, speed) are kept
/// as free-form tables.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelCard {
    pub name: String,
    pub version: String,
    /// The ONNX file, relative to the card.
    pub onnx: PathBuf,
    #[serde(default)]
    pub licence: Option<String>,
    /// Class names in the model's output order.
    pub classes: Vec<String>,
    pub input: InputSpec,
    pub output: OutputSpec,
    #[serde(default)]
    pub training: Option<toml::Table>,
    #[serde(default)]
    pub accuracy: Option<toml::Table>,
    #[serde(default)]
    pub speed: Option<toml::Table>,
}

impl ModelCard {
    /// Reads a card and resolves its ONNX path against the card's folder.
    pub fn load(path: &Path) -> Result<Self, DetectError> {
        let bad = |reason: String| DetectError::Card {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let mut card: ModelCard = toml::from_str(&text).map_err(|e| bad(e.message().to_owned()))?;
        if card.classes.is_empty() {
            return Err(bad("lists no classes".into()));
        }
        if (card.input.layout.as_str(), card.input.colour.as_str()) != ("nchw", "rgb") {
            return Err(bad(format!(
                "input layout `{}` colour `{}` is not supported; use layout \"nchw\", colour \"rgb\"",
                card.input.layout, card.input.colour
            )));
        }
        // The letterbox allocates width × height × 3 floats per frame: a typo such as 0 or
        // 4294967295 must fail here, not as a crash on the first frame.
        let (w, h) = (card.input.width, card.input.height);
        if !(1..=MAX_INPUT_SIDE).contains(&w) || !(1..=MAX_INPUT_SIDE).contains(&h) {
            return Err(bad(format!(
                "input {w}×{h} is outside 1…{MAX_INPUT_SIDE} pixels a side"
            )));
        }
        let nms_iou = card.output.nms_iou;
        if nms_iou.is_nan() || nms_iou <= 0.0 || nms_iou > 1.0 {
            return Err(bad(format!(
                "output nms_iou {nms_iou} is outside 0…1 (boxes overlapping more than it are one object)"
            )));
        }
        if card.onnx.is_relative() {
            card.onnx = path.parent().unwrap_or(Path::new("")).join(&card.onnx);
        }
        Ok(card)
    }

    /// The index of a class name, as rules refer to classes by name.
    pub fn class_index(&self, name: &str) -> Option<u16> {
        self.classes.iter().position(|c| c == name).map(|i| i as u16)
    }
}
