//! The detector: an ONNX Runtime session checked against its model card.

use std::path::Path;

use ndarray::Array4;
use ort::{
    session::{builder::GraphOptimizationLevel, Session},
    value::TensorRef,
};

use super::{
    letterbox::letterbox, runtime::Runtime, yolo, DetectError, Detection, Image, ModelCard, OutputLayout,
};

/// Which detections are kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub min_score: f32,
    /// Boxes of one class overlapping more than this are one object.
    pub max_iou: f64,
    pub max_detections: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            min_score: 0.25,
            max_iou: 0.45,
            max_detections: 300,
        }
    }
}

pub struct Detector {
    card: ModelCard,
    session: Session,
    input: Array4<f32>,
    thresholds: Thresholds,
}

impl Detector {
    /// Loads the card's model with `threads` intra-op threads and checks its input and output
    /// shapes against the card.
    pub fn load(
        runtime: &Runtime,
        card: ModelCard,
        threads: usize,
        thresholds: Thresholds,
    ) -> Result<Self, DetectError> {
        let path = card.onnx.clone();
        let model_error = |reason: String| DetectError::Model {
            path: path.clone(),
            reason,
        };
        let session = build_session(runtime, &path, threads).map_err(|e| model_error(e.to_string()))?;
        check_shapes(&session, &card).map_err(model_error)?;
        let input = Array4::zeros((1, 3, card.input.height as usize, card.input.width as usize));
        Ok(Self {
            card,
            session,
            input,
            thresholds,
        })
    }

    pub fn card(&self) -> &ModelCard {
        &self.card
    }

    /// Detects objects in one frame; boxes are in the frame's pixels.
    pub fn detect(&mut self, image: &Image) -> Result<Vec<Detection>, DetectError> {
        let placement = letterbox(
            image,
            self.card.input.width,
            self.card.input.height,
            &mut self.input,
            0,
        )?;
        let inference = |e: ort::Error| DetectError::Inference(e.to_string());
        let tensor = TensorRef::from_array_view(&self.input).map_err(inference)?;
        let outputs = self.session.run(ort::inputs![tensor]).map_err(inference)?;
        let output = outputs[0].try_extract_array::<f32>().map_err(inference)?;
        let output = output
            .index_axis(ndarray::Axis(0), 0)
            .into_dimensionality::<ndarray::Ix2>()
            .map_err(|e| DetectError::Inference(e.to_string()))?;
        let found = match self.card.output.layout {
            OutputLayout::Yolov8 => yolo::decode_v8(
                output,
                placement,
                (image.width, image.height),
                self.thresholds.min_score,
            ),
        };
        Ok(yolo::non_max_suppression(
            found,
            self.thresholds.max_iou,
            self.thresholds.max_detections,
        ))
    }
}

fn build_session(runtime: &Runtime, path: &Path, threads: usize) -> ort::Result<Session> {
    Session::builder(&runtime.environment)?
        .with_optimization_level(GraphOptimizationLevel::Level3)?
        .with_intra_threads(threads)?
        .commit_from_file(path)
}

/// The model must take one NCHW image input of the card's size and give `[batch, 4 + classes, N]`.
fn check_shapes(session: &Session, card: &ModelCard) -> Result<(), String> {
    let dims = |outlet: &ort::value::Outlet| {
        outlet
            .dtype()
            .tensor_shape()
            .map(|s| s.iter().copied().collect::<Vec<i64>>())
    };
    let [input] = session.inputs() else {
        return Err(format!(
            "has {} inputs; a detector takes one image",
            session.inputs().len()
        ));
    };
    let expected_in = [card.input.height as i64, card.input.width as i64];
    match dims(input) {
        Some(d)
            if d.len() == 4
                && d[1] == 3
                && [d[2], d[3]]
                    .iter()
                    .zip(expected_in)
                    .all(|(&got, want)| got == want || got < 0) => {}
        other => {
            return Err(format!(
                "input `{}` has shape {other:?}; the card says [batch, 3, {}, {}]",
                input.name(),
                card.input.height,
                card.input.width
            ))
        }
    }
    let output = session.outputs().first().ok_or("has no outputs")?;
    let channels = 4 + card.classes.len() as i64;
    match dims(output) {
        Some(d) if d.len() == 3 && (d[1] == channels || d[1] < 0) => Ok(()),
        other => Err(format!(
            "output `{}` has shape {other:?}; a YOLOv8 model with the card's {} classes gives [batch, {channels}, anchors]",
            output.name(),
            card.classes.len()
        )),
    }
}
