//! Fitting a frame into the model's square input without distorting it, and mapping boxes back.

use ndarray::Array4;
use opencv::{
    core::{Mat, Scalar, Size, BORDER_CONSTANT, CV_8UC3},
    imgproc,
    prelude::*,
};

use super::{DetectError, Image};

/// The grey YOLO models are trained to see in padding.
const PAD: f64 = 114.0;

/// Where the frame landed inside the model input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    pub scale: f64,
    pub pad_x: f64,
    pub pad_y: f64,
}

impl Placement {
    /// Model-input pixels → source-frame pixels.
    pub fn to_source(&self, x: f64, y: f64) -> (f64, f64) {
        ((x - self.pad_x) / self.scale, (y - self.pad_y) / self.scale)
    }
}

/// Resizes `image` to fit `width`×`height` keeping its aspect ratio, pads the rest with grey, and
/// writes it into `out[batch_index]` as RGB floats in 0..1, channels first.
pub fn letterbox(
    image: &Image,
    width: u32,
    height: u32,
    out: &mut Array4<f32>,
    batch_index: usize,
) -> Result<Placement, DetectError> {
    let opencv = |e: opencv::Error| DetectError::Preprocess(e.to_string());
    let scale = (width as f64 / image.width as f64).min(height as f64 / image.height as f64);
    let new_w = ((image.width as f64 * scale).round() as i32).max(1);
    let new_h = ((image.height as f64 * scale).round() as i32).max(1);
    let pad_x = (width as i32 - new_w) / 2;
    let pad_y = (height as i32 - new_h) / 2;

    let src = Mat::new_rows_cols_with_data(image.height as i32, (image.width * 3) as i32, image.rgb)
        .map_err(opencv)?;
    let src = src.reshape(3, image.height as i32).map_err(opencv)?;
    let mut resized = Mat::default();
    imgproc::resize(
        &src,
        &mut resized,
        Size::new(new_w, new_h),
        0.0,
        0.0,
        imgproc::INTER_LINEAR,
    )
    .map_err(opencv)?;
    let mut padded = Mat::default();
    opencv::core::copy_make_border(
        &resized,
        &mut padded,
        pad_y,
        height as i32 - new_h - pad_y,
        pad_x,
        width as i32 - new_w - pad_x,
        BORDER_CONSTANT,
        Scalar::all(PAD),
    )
    .map_err(opencv)?;
    debug_assert_eq!(padded.typ(), CV_8UC3);
    let bytes = padded.data_bytes().map_err(opencv)?;
    let plane = (width * height) as usize;
    let mut target = out.index_axis_mut(ndarray::Axis(0), batch_index);
    let target = target.as_slice_mut().expect("the input tensor is contiguous");
    for (i, px) in bytes.chunks_exact(3).enumerate() {
        for c in 0..3 {
            target[c * plane + i] = px[c] as f32 / 255.0;
        }
    }
    Ok(Placement {
        scale,
        pad_x: pad_x as f64,
        pad_y: pad_y as f64,
    })
}
