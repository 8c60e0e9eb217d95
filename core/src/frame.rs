//! A decoded frame as it leaves a camera's source.

use std::{
    borrow::Cow,
    path::{Path, PathBuf},
    time::Duration,
};

use chrono::{DateTime, Utc};

use crate::CameraId;

mod yuv;

pub use yuv::{YuvColour, YuvMatrix};

/// One decoded picture.
#[derive(Clone, PartialEq)]
pub struct Frame {
    pub camera: CameraId,
    /// Position in the stream, from the stream's own timestamps.
    pub pts: Duration,
    /// When it was seen: the wall clock live, the footage's recorded time in replay.
    pub wall: DateTime<Utc>,
    pub width: u32,
    pub height: u32,
    pub pixels: Pixels,
}

/// A picture's samples, in the form they came in.
#[derive(Clone, PartialEq)]
pub enum Pixels {
    /// Tightly packed RGB rows: stills, and pictures made in code.
    Rgb(Vec<u8>),
    /// YUV 4:2:0 as video decoders deliver it, kept so: turning a whole frame into RGB costs as
    /// much as decoding it, and the detector needs only its own input's size of it. A full-size Y
    /// plane, then the U and V planes at half size each way (rounded up), tightly packed.
    Yuv420 { planes: Vec<u8>, colour: YuvColour },
}

/// The size of a 4:2:0 picture's U and V planes.
pub fn chroma_size(width: u32, height: u32) -> (u32, u32) {
    (width.div_ceil(2), height.div_ceil(2))
}

/// A `width`×`height` 4:2:0 picture's Y, U and V planes, or `None` when `planes` is not exactly
/// their size.
pub fn yuv420_planes(planes: &[u8], width: u32, height: u32) -> Option<[&[u8]; 3]> {
    let (cw, ch) = chroma_size(width, height);
    let (luma, chroma) = (width as usize * height as usize, cw as usize * ch as usize);
    if planes.len() != luma + 2 * chroma {
        return None;
    }
    let (y, uv) = planes.split_at(luma);
    let (u, v) = uv.split_at(chroma);
    Some([y, u, v])
}

impl Frame {
    /// The picture as tightly packed RGB rows, converted when it is held as YUV; `None` when its
    /// YUV planes do not match its size.
    pub fn rgb(&self) -> Option<Cow<'_, [u8]>> {
        match &self.pixels {
            Pixels::Rgb(rgb) => Some(Cow::Borrowed(rgb)),
            Pixels::Yuv420 { planes, colour } => {
                colour.to_rgb(planes, self.width, self.height).map(Cow::Owned)
            }
        }
    }

    /// The grey level (0…255) at `x`, `y`: BT.601 luma of RGB pictures, Y stretched to full
    /// range for YUV ones.
    pub fn grey(&self, x: u32, y: u32) -> u8 {
        let at = (y * self.width + x) as usize;
        match &self.pixels {
            Pixels::Rgb(rgb) => luma(&rgb[3 * at..3 * at + 3]),
            Pixels::Yuv420 { planes, colour } => colour.grey(planes[at]),
        }
    }

    /// Every pixel's grey level, as [`Frame::grey`] gives it, row by row.
    pub fn grey_levels(&self) -> Vec<u8> {
        match &self.pixels {
            Pixels::Rgb(rgb) => rgb.chunks_exact(3).map(luma).collect(),
            Pixels::Yuv420 { planes, colour } => {
                let levels: Vec<u8> = (0..=255).map(|y| colour.grey(y)).collect();
                let luma_plane = &planes[..(self.width * self.height) as usize];
                luma_plane.iter().map(|&y| levels[y as usize]).collect()
            }
        }
    }
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frame")
            .field("camera", &self.camera)
            .field("pts", &self.pts)
            .field("wall", &self.wall)
            .field("size", &(self.width, self.height))
            .finish_non_exhaustive()
    }
}

/// ITU-R BT.601 luma of an RGB pixel, in integers.
fn luma(rgb: &[u8]) -> u8 {
    ((299 * rgb[0] as u32 + 587 * rgb[1] as u32 + 114 * rgb[2] as u32) / 1000) as u8
}

/// Where a camera's last analysed frame is kept, as JPEG, under the evidence folder:
/// `cameras/<camera>.jpg`. The pipeline of `gridwatch run` replaces it now and then; the
/// dispatcher beside it shows it on its cameras page. A camera id is safe as a file name.
pub fn last_frame_path(evidence_dir: &Path, camera: &CameraId) -> PathBuf {
    evidence_dir
        .join("cameras")
        .join(format!("{}.jpg", camera.as_str()))
}
