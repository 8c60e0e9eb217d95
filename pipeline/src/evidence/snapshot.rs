//! Frames as JPEG, plain or annotated with what the rule saw: the subject's box, the zone, and a
//! caption naming the kind, camera and time.

use gridwatch_core::{Frame, ImageBox};
use opencv::{
    core::{Mat, Point, Rect, Scalar, Vector, CV_8UC3},
    imgcodecs, imgproc,
    prelude::*,
};

use super::EvidenceError;

/// What to draw on a frame.
#[derive(Debug, Clone)]
pub struct Annotation {
    pub subject: ImageBox,
    /// The zone outline in frame pixels, when the rule matched one.
    pub zone: Option<Vec<[f64; 2]>>,
    /// One line, e.g. "street_vending · market-st · 2026-06-01 10:07:11".
    pub caption: String,
}

fn cv(e: opencv::Error) -> EvidenceError {
    EvidenceError::Encode(e.to_string())
}

/// The frame as a BGR matrix (OpenCV's channel order), copied.
fn to_mat(frame: &Frame) -> Result<Mat, EvidenceError> {
    let mut mat =
        Mat::new_rows_cols_with_default(frame.height as i32, frame.width as i32, CV_8UC3, Scalar::all(0.0))
            .map_err(cv)?;
    let bytes = mat.data_bytes_mut().map_err(cv)?;
    let rgb = frame
        .rgb()
        .ok_or_else(|| EvidenceError::Encode("the frame's YUV planes do not match its size".into()))?;
    for (dst, src) in bytes.chunks_exact_mut(3).zip(rgb.chunks_exact(3)) {
        dst.copy_from_slice(&[src[2], src[1], src[0]]);
    }
    Ok(mat)
}

fn jpeg(mat: &Mat) -> Result<Vec<u8>, EvidenceError> {
    let mut out = Vector::<u8>::new();
    let params = Vector::from_slice(&[imgcodecs::IMWRITE_JPEG_QUALITY, 90]);
    imgcodecs::imencode(".jpg", mat, &mut out, &params).map_err(cv)?;
    Ok(out.to_vec())
}

/// The frame exactly as delivered, as JPEG.
pub fn encode_jpeg(frame: &Frame) -> Result<Vec<u8>, EvidenceError> {
    jpeg(&to_mat(frame)?)
}

/// The frame with the annotation drawn on it, as JPEG.
pub fn annotate(frame: &Frame, note: &Annotation) -> Result<Vec<u8>, EvidenceError> {
    drawn(to_mat(frame)?, frame, note)
}

/// [`encode_jpeg`] and [`annotate`] of one frame, which is turned into a picture once.
pub fn plain_and_annotated(frame: &Frame, note: &Annotation) -> Result<(Vec<u8>, Vec<u8>), EvidenceError> {
    let mat = to_mat(frame)?;
    Ok((jpeg(&mat)?, drawn(mat, frame, note)?))
}

/// `mat` (the picture of `frame`) with the annotation drawn on it, as JPEG.
fn drawn(mut mat: Mat, frame: &Frame, note: &Annotation) -> Result<Vec<u8>, EvidenceError> {
    let thickness = (frame.width / 400).max(2) as i32;
    if let Some(zone) = &note.zone {
        let points: Vector<Point> = zone
            .iter()
            .map(|&[x, y]| Point::new(x as i32, y as i32))
            .collect();
        let outline: Vector<Vector<Point>> = Vector::from_iter([points]);
        imgproc::polylines(
            &mut mat,
            &outline,
            true,
            Scalar::new(255.0, 200.0, 0.0, 0.0),
            thickness,
            imgproc::LINE_AA,
            0,
        )
        .map_err(cv)?;
    }
    let b = note.subject;
    let rect = Rect::new(
        b.x1 as i32,
        b.y1 as i32,
        (b.x2 - b.x1) as i32,
        (b.y2 - b.y1) as i32,
    );
    imgproc::rectangle(
        &mut mat,
        rect,
        Scalar::new(0.0, 0.0, 255.0, 0.0),
        thickness,
        imgproc::LINE_AA,
        0,
    )
    .map_err(cv)?;
    let scale = frame.height as f64 / 900.0;
    let banner = Rect::new(0, 0, frame.width as i32, (40.0 * scale).max(20.0) as i32);
    imgproc::rectangle(&mut mat, banner, Scalar::all(0.0), -1, imgproc::LINE_8, 0).map_err(cv)?;
    let origin = Point::new(8, (28.0 * scale).max(14.0) as i32);
    imgproc::put_text(
        &mut mat,
        &note.caption,
        origin,
        imgproc::FONT_HERSHEY_SIMPLEX,
        scale.max(0.4),
        Scalar::all(255.0),
        1,
        imgproc::LINE_AA,
        false,
    )
    .map_err(cv)?;
    jpeg(&mat)
}
