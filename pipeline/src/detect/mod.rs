//! Object detection with ONNX models through ONNX Runtime (`ort`).
//!
//! A [`Detector`] is built from a model card: it checks the ONNX model against the card, then for
//! each frame letterboxes it (or the camera's analysed region of it) into the model input, runs the
//! model and decodes the output into [`Detection`]s in source-frame pixels.

mod batch;
mod card;
mod detector;
mod letterbox;
mod region;
pub mod runtime;
mod workers;
mod yolo;

use std::path::PathBuf;

use gridwatch_core::{Frame, Pixels, YuvColour};

pub use batch::{BatchPolicy, Batcher, Joiner};
pub use card::{InputSpec, ModelCard, OutputLayout, OutputSpec};
pub use detector::{provider_available, Detector, DetectorOptions, Thresholds};
pub use gridwatch_core::Detection;
pub use letterbox::{letterbox, Placement};
pub use region::{AnalysisRegions, Crop};
pub use workers::{spawn as spawn_workers, Analysed, Failed};

/// A frame to analyse, and the part of it the model is shown.
#[derive(Debug, Clone, Copy)]
pub struct Image<'a> {
    pub width: u32,
    pub height: u32,
    pub pixels: ImagePixels<'a>,
    /// The analysed part; the whole frame when `None`. Detections are in whole-frame pixels
    /// either way.
    pub region: Option<Crop>,
}

/// An image's samples, borrowed: see [`gridwatch_core::Pixels`].
#[derive(Debug, Clone, Copy)]
pub enum ImagePixels<'a> {
    Rgb(&'a [u8]),
    Yuv420 { planes: &'a [u8], colour: YuvColour },
}

impl<'a> Image<'a> {
    /// A whole picture of tightly packed RGB rows.
    pub fn rgb(width: u32, height: u32, rgb: &'a [u8]) -> Self {
        Self {
            width,
            height,
            pixels: ImagePixels::Rgb(rgb),
            region: None,
        }
    }

    /// The image analysed within `area` (frame pixels, clipped to the frame); the whole frame
    /// when `area` is `None` or misses the frame.
    pub fn within(self, area: Option<gridwatch_core::ImageBox>) -> Self {
        Self {
            region: area.and_then(|a| Crop::clip(a, self.width, self.height)),
            ..self
        }
    }
}

impl<'a> From<&'a Frame> for Image<'a> {
    fn from(frame: &'a Frame) -> Self {
        let pixels = match &frame.pixels {
            Pixels::Rgb(rgb) => ImagePixels::Rgb(rgb),
            Pixels::Yuv420 { planes, colour } => ImagePixels::Yuv420 {
                planes,
                colour: *colour,
            },
        };
        Self {
            width: frame.width,
            height: frame.height,
            pixels,
            region: None,
        }
    }
}

/// Why a model could not be loaded or run; each names the file or stage at fault.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    #[error("model card `{}`: {reason}", path.display())]
    Card { path: PathBuf, reason: String },
    #[error("model `{}`: {reason}", path.display())]
    Model { path: PathBuf, reason: String },
    #[error("preprocessing a frame failed: {0}")]
    Preprocess(String),
    #[error("inference failed: {0}")]
    Inference(String),
}
