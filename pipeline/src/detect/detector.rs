//! The detector: an ONNX Runtime session checked against its model card.

use std::path::Path;

use gridwatch_core::config::{ModelSource, Provider};
use ndarray::{Array4, Axis, Ix2};
use ort::{
    ep::{self, ExecutionProvider as _},
    session::{builder::GraphOptimizationLevel, Session},
    value::TensorRef,
};

use gridwatch_core::Frame;

use super::{
    letterbox::letterbox, runtime::Runtime, yolo, AnalysisRegions, DetectError, Detection, Image, ModelCard,
    OutputLayout, Placement,
};

/// Which detections are kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub min_score: f32,
    pub max_detections: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            min_score: 0.25,
            max_detections: 300,
        }
    }
}

/// Whether the loaded ONNX Runtime library includes `provider`.
pub fn provider_available(provider: Provider) -> bool {
    let available = match provider {
        Provider::Cpu => ep::CPU::is_available(),
        Provider::Cuda => ep::CUDA::is_available(),
        Provider::Tensorrt => ep::TensorRT::is_available(),
        Provider::Openvino => ep::OpenVINO::is_available(),
    };
    available.unwrap_or(false)
}

/// The provider's registration; failing to register is an error, never a silent fall-back to
/// the CPU.
fn dispatch(provider: Provider) -> ep::ExecutionProviderDispatch {
    let dispatch = match provider {
        Provider::Cpu => ep::CPU::default().build(),
        Provider::Cuda => ep::CUDA::default().build(),
        Provider::Tensorrt => ep::TensorRT::default().build(),
        Provider::Openvino => ep::OpenVINO::default().build(),
    };
    dispatch.error_on_failure()
}

/// How a detector runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectorOptions {
    /// ONNX Runtime intra-op threads for one inference.
    pub threads: usize,
    pub provider: Provider,
    pub thresholds: Thresholds,
}

impl DetectorOptions {
    /// The options a configuration's `[model]` section asks for.
    pub fn from_config(model: &ModelSource) -> Self {
        Self {
            threads: model.threads,
            provider: model.provider,
            thresholds: Thresholds {
                min_score: model.min_score,
                ..Thresholds::default()
            },
        }
    }
}

impl Default for DetectorOptions {
    fn default() -> Self {
        Self {
            threads: 1,
            provider: Provider::Cpu,
            thresholds: Thresholds::default(),
        }
    }
}

pub struct Detector {
    card: ModelCard,
    session: Session,
    thresholds: Thresholds,
    /// The model input, kept between calls: letterboxing overwrites every element.
    input: Array4<f32>,
    /// Where in each camera's frames [`Detector::detect_frames`] looks.
    regions: AnalysisRegions,
}

impl Detector {
    /// Loads the card's model and checks its input and output shapes against the card.
    pub fn load(runtime: &Runtime, card: ModelCard, options: DetectorOptions) -> Result<Self, DetectError> {
        let path = card.onnx.clone();
        let model_error = |reason: String| DetectError::Model {
            path: path.clone(),
            reason,
        };
        if !provider_available(options.provider) {
            let offered: Vec<&str> = Provider::ALL
                .iter()
                .filter(|p| provider_available(**p))
                .map(Provider::name)
                .collect();
            return Err(model_error(format!(
                "execution provider `{}` is not in the ONNX Runtime at `{}`; it offers: {}",
                options.provider.name(),
                runtime.path.display(),
                offered.join(", ")
            )));
        }
        let session = build_session(runtime, &path, &options).map_err(|e| model_error(e.to_string()))?;
        check_shapes(&session, &card).map_err(model_error)?;
        Ok(Self {
            card,
            session,
            thresholds: options.thresholds,
            input: Array4::zeros((0, 0, 0, 0)),
            regions: AnalysisRegions::default(),
        })
    }

    pub fn card(&self) -> &ModelCard {
        &self.card
    }

    /// The detector, looking only within each camera's analysed region in
    /// [`Detector::detect_frames`]; without regions it looks at whole frames.
    pub fn with_regions(self, regions: AnalysisRegions) -> Self {
        Self { regions, ..self }
    }

    /// Detects objects in frames from the cameras, each within its camera's region, as
    /// [`Detector::detect_batch`] does; boxes are in whole-frame pixels.
    pub fn detect_frames(&mut self, frames: &[Frame]) -> Result<Vec<Vec<Detection>>, DetectError> {
        let images: Vec<Image> = frames.iter().map(|frame| self.regions.image(frame)).collect();
        self.detect_batch(&images)
    }

    /// Detects objects in one frame, within its region; boxes are in the whole frame's pixels.
    pub fn detect(&mut self, image: &Image) -> Result<Vec<Detection>, DetectError> {
        Ok(self.detect_batch(&[*image])?.remove(0))
    }

    /// Detects objects in several frames (from several cameras) with one inference when the model
    /// takes a dynamic batch, one by one otherwise. Results are in the order of `images`.
    pub fn detect_batch(&mut self, images: &[Image]) -> Result<Vec<Vec<Detection>>, DetectError> {
        if images.len() > 1 && !self.card.output.dynamic_batch {
            return images
                .iter()
                .map(|image| {
                    self.detect_batch(std::slice::from_ref(image))
                        .map(|mut v| v.remove(0))
                })
                .collect();
        }
        let (w, h) = (self.card.input.width, self.card.input.height);
        let shape = (images.len(), 3, h as usize, w as usize);
        if self.input.dim() != shape {
            self.input = Array4::zeros(shape);
        }
        let input = &mut self.input;
        let placements: Vec<Placement> = images
            .iter()
            .enumerate()
            .map(|(i, image)| letterbox(image, w, h, input, i))
            .collect::<Result<_, _>>()?;
        let inference = |e: ort::Error| DetectError::Inference(e.to_string());
        let tensor = TensorRef::from_array_view(&self.input).map_err(inference)?;
        let outputs = self.session.run(ort::inputs![tensor]).map_err(inference)?;
        let output = outputs[0].try_extract_array::<f32>().map_err(inference)?;
        if output.ndim() != 3 || output.shape()[0] != images.len() {
            return Err(DetectError::Inference(format!(
                "the model answered {} frames with an output of shape {:?}",
                images.len(),
                output.shape()
            )));
        }
        let shape_error = |e: ndarray::ShapeError| DetectError::Inference(e.to_string());
        let t = self.thresholds;
        let nms_iou = self.card.output.nms_iou;
        images
            .iter()
            .zip(placements)
            .enumerate()
            .map(|(i, (image, placement))| {
                let one = output
                    .index_axis(Axis(0), i)
                    .into_dimensionality::<Ix2>()
                    .map_err(shape_error)?;
                let (frame, classes) = ((image.width, image.height), self.card.classes.len());
                Ok(match self.card.output.layout {
                    OutputLayout::Yolov5 => yolo::non_max_suppression(
                        yolo::decode_v5(one, classes, placement, frame, t.min_score)?,
                        nms_iou,
                        t.max_detections,
                    ),
                    OutputLayout::Yolov8 => yolo::non_max_suppression(
                        yolo::decode_v8(one, classes, placement, frame, t.min_score)?,
                        nms_iou,
                        t.max_detections,
                    ),
                    // End-to-end models have already suppressed duplicates.
                    OutputLayout::Yolov10 => yolo::decode_v10(one, classes, placement, frame, t.min_score)?,
                })
            })
            .collect()
    }
}

fn build_session(runtime: &Runtime, path: &Path, options: &DetectorOptions) -> ort::Result<Session> {
    Session::builder(&runtime.environment)?
        .with_execution_providers([dispatch(options.provider)])?
        .with_optimization_level(GraphOptimizationLevel::Level3)?
        .with_intra_threads(options.threads)?
        .commit_from_file(path)
}

/// The model must take one NCHW image input of the card's size and give the card's output layout
/// for the card's classes; a card that promises a dynamic batch needs a model that has one.
fn check_shapes(session: &Session, card: &ModelCard) -> Result<(), String> {
    let dims = |outlet: &ort::value::Outlet| {
        outlet
            .dtype()
            .tensor_shape()
            .map(|s| s.iter().copied().collect::<Vec<i64>>())
    };
    let fits = |got: i64, want: i64| got == want || got < 0;
    let [input] = session.inputs() else {
        return Err(format!(
            "has {} inputs; a detector takes one image",
            session.inputs().len()
        ));
    };
    let (h, w) = (card.input.height as i64, card.input.width as i64);
    let input_dims = dims(input).unwrap_or_default();
    if !(input_dims.len() == 4 && input_dims[1] == 3 && fits(input_dims[2], h) && fits(input_dims[3], w)) {
        return Err(format!(
            "input `{}` has shape {input_dims:?}; the card says [batch, 3, {h}, {w}]",
            input.name()
        ));
    }
    if card.output.dynamic_batch && input_dims[0] >= 0 {
        return Err(format!(
            "input `{}` has a fixed batch of {}; the card says the batch is dynamic",
            input.name(),
            input_dims[0]
        ));
    }
    let output = session.outputs().first().ok_or("has no outputs")?;
    let out = dims(output).unwrap_or_default();
    let n = card.classes.len() as i64;
    let (fits_layout, expected) = match card.output.layout {
        OutputLayout::Yolov5 => (
            out.len() == 3 && fits(out[2], 5 + n),
            format!(
                "a YOLOv5 model with the card's {n} classes gives [batch, anchors, {}]",
                5 + n
            ),
        ),
        OutputLayout::Yolov8 => (
            out.len() == 3 && fits(out[1], 4 + n),
            format!(
                "a YOLOv8 model with the card's {n} classes gives [batch, {}, anchors]",
                4 + n
            ),
        ),
        OutputLayout::Yolov10 => (
            out.len() == 3 && fits(out[2], 6),
            "an end-to-end model gives [batch, detections, 6]".to_owned(),
        ),
    };
    if fits_layout {
        Ok(())
    } else {
        Err(format!(
            "output `{}` has shape {out:?}; {expected}",
            output.name()
        ))
    }
}
