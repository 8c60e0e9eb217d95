//! Fitting a frame (or the part of it that is analysed) into the model's input without distorting
//! it, and mapping boxes back to the whole frame.

use gridwatch_core::{chroma_size, yuv420_planes, YuvColour};
use ndarray::Array4;
use opencv::{
    boxed_ref::BoxedRef,
    core::{Mat, Rect, Size},
    imgproc,
    prelude::*,
};

use super::{Crop, DetectError, Image, ImagePixels};

/// The grey YOLO models are trained to see in padding.
const PAD: f64 = 114.0;

/// Where the analysed part of the frame landed inside the model input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    pub scale: f64,
    pub pad_x: f64,
    pub pad_y: f64,
    /// The frame pixel at the analysed part's top-left corner: 0, 0 for the whole frame.
    pub origin_x: f64,
    pub origin_y: f64,
}

impl Placement {
    /// Model-input pixels → source-frame pixels.
    pub fn to_source(&self, x: f64, y: f64) -> (f64, f64) {
        (
            (x - self.pad_x) / self.scale + self.origin_x,
            (y - self.pad_y) / self.scale + self.origin_y,
        )
    }
}

/// Resizes `image` (its `region` when it has one, taken in place without a copy) to fit
/// `width`×`height` keeping its aspect ratio, pads the rest with grey, and writes it into
/// `out[batch_index]` as RGB floats in 0..1, channels first. A YUV picture is turned into RGB only
/// at the model's size, after resizing.
pub fn letterbox(
    image: &Image,
    width: u32,
    height: u32,
    out: &mut Array4<f32>,
    batch_index: usize,
) -> Result<Placement, DetectError> {
    let crop = image.region.unwrap_or(Crop {
        x: 0,
        y: 0,
        width: image.width,
        height: image.height,
    });
    if crop.width == 0 || crop.height == 0 || !crop.fits_in(image.width, image.height) {
        return Err(DetectError::Preprocess(format!(
            "region {crop:?} is not a part of the {}×{} frame",
            image.width, image.height
        )));
    }
    let scale = (width as f64 / crop.width as f64).min(height as f64 / crop.height as f64);
    let fitted = Size::new(
        ((crop.width as f64 * scale).round() as i32).max(1),
        ((crop.height as f64 * scale).round() as i32).max(1),
    );
    let pad_x = (width as i32 - fitted.width) / 2;
    let pad_y = (height as i32 - fitted.height) / 2;
    let mut target = out.index_axis_mut(ndarray::Axis(0), batch_index);
    let target = target.as_slice_mut().expect("the input tensor is contiguous");
    target.fill((PAD / 255.0) as f32);
    let placed = Placed {
        target,
        width: width as usize,
        plane: (width * height) as usize,
        pad: (pad_x as usize, pad_y as usize),
    };
    match image.pixels {
        ImagePixels::Rgb(rgb) => from_rgb(rgb, image, crop, fitted, placed),
        ImagePixels::Yuv420 { planes, colour } => from_yuv(planes, colour, image, crop, fitted, placed),
    }
    .map_err(|e| DetectError::Preprocess(e.to_string()))?;
    Ok(Placement {
        scale,
        pad_x: pad_x as f64,
        pad_y: pad_y as f64,
        origin_x: crop.x as f64,
        origin_y: crop.y as f64,
    })
}

/// Where the fitted picture goes: the model input's three colour planes, and its padding.
struct Placed<'a> {
    target: &'a mut [f32],
    width: usize,
    plane: usize,
    pad: (usize, usize),
}

impl Placed<'_> {
    /// Writes row `y` of the fitted picture (RGB, 0…255).
    fn put_row(&mut self, y: usize, row: impl ExactSizeIterator<Item = [f32; 3]>) {
        let start = (self.pad.1 + y) * self.width + self.pad.0;
        let len = row.len();
        let (r, rest) = self.target.split_at_mut(self.plane);
        let (g, b) = rest.split_at_mut(self.plane);
        let planes = (
            &mut r[start..start + len],
            &mut g[start..start + len],
            &mut b[start..start + len],
        );
        for (((r, g), b), [vr, vg, vb]) in planes.0.iter_mut().zip(planes.1).zip(planes.2).zip(row) {
            *r = vr.clamp(0.0, 255.0) / 255.0;
            *g = vg.clamp(0.0, 255.0) / 255.0;
            *b = vb.clamp(0.0, 255.0) / 255.0;
        }
    }
}

/// One byte per sample, `width` a row: a plane borrowed as a matrix.
fn plane(bytes: &[u8], width: u32, height: u32) -> opencv::Result<BoxedRef<'_, Mat>> {
    Mat::new_rows_cols_with_data(height as i32, width as i32, bytes)
}

fn rect(crop: Crop) -> Rect {
    Rect::new(
        crop.x as i32,
        crop.y as i32,
        crop.width as i32,
        crop.height as i32,
    )
}

/// `rect` of `picture` resized to `size`.
fn resized(picture: &impl MatTraitConst, rect: Rect, size: Size) -> opencv::Result<Mat> {
    let mut out = Mat::default();
    imgproc::resize(
        &picture.roi(rect)?,
        &mut out,
        size,
        0.0,
        0.0,
        imgproc::INTER_LINEAR,
    )?;
    Ok(out)
}

fn from_rgb(rgb: &[u8], image: &Image, crop: Crop, fitted: Size, mut placed: Placed) -> opencv::Result<()> {
    let bytes = plane(rgb, image.width * 3, image.height)?;
    let picture = bytes.reshape(3, image.height as i32)?;
    let small = resized(&picture, rect(crop), fitted)?;
    let width = fitted.width as usize;
    for (y, row) in small.data_bytes()?.chunks_exact(3 * width).enumerate() {
        placed.put_row(
            y,
            row.chunks_exact(3)
                .map(|p| [p[0] as f32, p[1] as f32, p[2] as f32]),
        );
    }
    Ok(())
}

/// Each plane resized on its own (the chroma planes straight to the fitted size), then every
/// pixel turned into RGB: a tenth of the work of converting the whole frame first.
fn from_yuv(
    planes: &[u8],
    colour: YuvColour,
    image: &Image,
    crop: Crop,
    fitted: Size,
    mut placed: Placed,
) -> opencv::Result<()> {
    let (w, h) = (image.width, image.height);
    let (cw, ch) = chroma_size(w, h);
    let Some([luma, u, v]) = yuv420_planes(planes, w, h) else {
        return Err(opencv::Error::new(
            opencv::core::StsBadSize,
            format!(
                "{} bytes are not the YUV 4:2:0 planes of a {w}×{h} picture",
                planes.len()
            ),
        ));
    };
    // The chroma samples covering the crop: half its edges, rounded outwards.
    let (x0, y0) = (crop.x / 2, crop.y / 2);
    let (x1, y1) = (
        (crop.x + crop.width).div_ceil(2),
        (crop.y + crop.height).div_ceil(2),
    );
    let chroma_rect = Rect::new(x0 as i32, y0 as i32, (x1 - x0) as i32, (y1 - y0) as i32);
    let y_small = resized(&plane(luma, w, h)?, rect(crop), fitted)?;
    let u_small = resized(&plane(u, cw, ch)?, chroma_rect, fitted)?;
    let v_small = resized(&plane(v, cw, ch)?, chroma_rect, fitted)?;
    let convert = colour.converter();
    let width = fitted.width as usize;
    let rows = y_small
        .data_bytes()?
        .chunks_exact(width)
        .zip(u_small.data_bytes()?.chunks_exact(width))
        .zip(v_small.data_bytes()?.chunks_exact(width));
    for (at, ((y, u), v)) in rows.enumerate() {
        let row = y.iter().zip(u).zip(v);
        placed.put_row(
            at,
            row.map(|((&y, &u), &v)| convert.rgb(y as f32, u as f32, v as f32)),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridwatch_core::YuvMatrix;

    /// High definition, broadcast range: what HD cameras send.
    const HD: YuvColour = YuvColour {
        matrix: YuvMatrix::Bt709,
        full_range: false,
    };

    /// Inclusive-exclusive pixel edges: `[x0, y0, x1, y1]`.
    type Edges = [u32; 4];

    /// A dark `width`×`height` frame with white blocks at `blocks`.
    fn frame(width: u32, height: u32, blocks: &[Edges]) -> Vec<u8> {
        let mut rgb = vec![40u8; (width * height * 3) as usize];
        for &[x0, y0, x1, y1] in blocks {
            for y in y0..y1 {
                let row = (y * width * 3) as usize;
                rgb[row + (x0 * 3) as usize..row + (x1 * 3) as usize].fill(255);
            }
        }
        rgb
    }

    /// The edges of the white pixels in the model input, in model-input pixels.
    fn white_in(out: &Array4<f32>) -> [f64; 4] {
        let red = out.index_axis(ndarray::Axis(0), 0);
        let red = red.index_axis(ndarray::Axis(0), 0);
        let mut edges = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        for ((y, x), v) in red.indexed_iter() {
            if *v > 0.6 {
                let (x, y) = (x as f64, y as f64);
                edges = [
                    edges[0].min(x),
                    edges[1].min(y),
                    edges[2].max(x + 1.0),
                    edges[3].max(y + 1.0),
                ];
            }
        }
        edges
    }

    /// Letterboxes `region` of a frame holding `object` and `decoy` (outside the region) into a
    /// `model` input, and maps the white seen there back to the frame: it must be `object`, to
    /// within what one model pixel covers.
    fn maps_back(size: (u32, u32), model: (u32, u32), region: Option<Crop>, object: Edges, decoy: Edges) {
        let rgb = frame(size.0, size.1, &[object, decoy]);
        let rgb_image = Image {
            region,
            ..Image::rgb(size.0, size.1, &rgb)
        };
        let planes = yuv_frame(size.0, size.1, &[object, decoy]);
        let yuv_image = Image {
            pixels: ImagePixels::Yuv420 {
                planes: &planes,
                colour: HD,
            },
            ..rgb_image
        };
        for image in [rgb_image, yuv_image] {
            white_maps_back_to(image, model, object);
        }
    }

    /// [`frame`] as YUV 4:2:0 (broadcast range, no colour).
    fn yuv_frame(width: u32, height: u32, blocks: &[Edges]) -> Vec<u8> {
        let (cw, ch) = chroma_size(width, height);
        let mut planes = vec![50u8; (width * height) as usize];
        for &[x0, y0, x1, y1] in blocks {
            for y in y0..y1 {
                let row = (y * width) as usize;
                planes[row + x0 as usize..row + x1 as usize].fill(235);
            }
        }
        planes.resize(planes.len() + 2 * (cw * ch) as usize, 128);
        planes
    }

    fn white_maps_back_to(image: Image, model: (u32, u32), object: Edges) {
        let (region, size) = (image.region, (image.width, image.height));
        let mut out = Array4::zeros((1, 3, model.1 as usize, model.0 as usize));
        let placement = letterbox(&image, model.0, model.1, &mut out, 0).unwrap();
        let [x0, y0, x1, y1] = white_in(&out);
        let (fx0, fy0) = placement.to_source(x0, y0);
        let (fx1, fy1) = placement.to_source(x1, y1);
        let tolerance = 1.0 / placement.scale + 0.5;
        let found = [fx0, fy0, fx1, fy1];
        for (got, want) in found.iter().zip(object) {
            assert!(
                (got - want as f64).abs() <= tolerance,
                "region {region:?} of {size:?}: white mapped back to {found:?}, the object is {object:?} (±{tolerance:.2})"
            );
        }
    }

    fn crop(x: u32, y: u32, width: u32, height: u32) -> Option<Crop> {
        Some(Crop { x, y, width, height })
    }

    #[test]
    fn boxes_map_back_to_the_whole_frame_from_a_region_at_each_edge() {
        // An odd-sized, non-square frame, into a square and a non-square model input.
        let size = (641, 363);
        for model in [(320, 320), (256, 192)] {
            let left = crop(0, 50, 201, 151);
            maps_back(size, model, left, [0, 60, 60, 120], [300, 60, 340, 120]);
            let top = crop(100, 0, 301, 99);
            maps_back(size, model, top, [150, 0, 200, 40], [150, 200, 200, 240]);
            let right = crop(440, 100, 201, 177);
            maps_back(size, model, right, [590, 150, 641, 200], [300, 150, 340, 200]);
            let bottom = crop(200, 264, 251, 99);
            maps_back(size, model, bottom, [300, 300, 350, 363], [300, 100, 350, 150]);
            let whole_frame = crop(0, 0, 641, 363);
            maps_back(size, model, whole_frame, [100, 100, 200, 200], [0, 0, 0, 0]);
            maps_back(size, model, None, [100, 100, 200, 200], [0, 0, 0, 0]);
        }
    }

    #[test]
    fn a_region_larger_than_the_frame_is_the_whole_frame() {
        let rgb = frame(641, 363, &[[100, 100, 200, 200]]);
        let image = Image::rgb(641, 363, &rgb);
        let larger = image.within(Some(gridwatch_core::ImageBox {
            x1: -128.0,
            y1: -128.0,
            x2: 900.0,
            y2: 500.0,
        }));
        assert_eq!(larger.region, crop(0, 0, 641, 363));
        let mut out = Array4::zeros((1, 3, 320, 320));
        let whole = letterbox(&image, 320, 320, &mut out, 0).unwrap();
        let seen = out.clone();
        assert_eq!(letterbox(&larger, 320, 320, &mut out, 0).unwrap(), whole);
        assert_eq!(out, seen);
    }

    #[test]
    fn a_region_outside_its_frame_is_an_error_not_a_panic() {
        let rgb = frame(64, 48, &[]);
        let mut out = Array4::zeros((1, 3, 32, 32));
        for region in [crop(40, 0, 30, 10), crop(0, 0, 0, 10), crop(u32::MAX, 0, 2, 2)] {
            let image = Image {
                region,
                ..Image::rgb(64, 48, &rgb)
            };
            let error = letterbox(&image, 32, 32, &mut out, 0).unwrap_err();
            assert!(
                error.to_string().contains("is not a part of the 64×48 frame"),
                "{error}"
            );
        }
    }

    #[test]
    fn yuv_planes_of_the_wrong_size_are_an_error_not_a_panic() {
        let planes = yuv_frame(64, 48, &[]);
        let mut out = Array4::zeros((1, 3, 32, 32));
        for wrong in [&planes[..100], &planes[1..]] {
            let image = Image {
                pixels: ImagePixels::Yuv420 {
                    planes: wrong,
                    colour: HD,
                },
                ..Image::rgb(64, 48, &[])
            };
            let error = letterbox(&image, 32, 32, &mut out, 0).unwrap_err();
            assert!(
                error
                    .to_string()
                    .contains("are not the YUV 4:2:0 planes of a 64×48 picture"),
                "{error}"
            );
        }
    }
}
