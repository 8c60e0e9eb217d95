//! Matching a frame against the reference picture its zones were drawn on: ORB keypoints in both,
//! brute-force Hamming matches kept by Lowe's ratio test, and a RANSAC fit of a similarity
//! (shift, turn, zoom) from the reference to the frame. How far that fit carries the zones'
//! corners is how far the view has moved.
//!
//! Both pictures are matched at most [`ALIGN_WIDTH`] pixels wide: enough detail to place a
//! scene within a pixel or two of the stream, at a few milliseconds a comparison.

use std::path::Path;

use gridwatch_core::Frame;
use opencv::{
    calib3d,
    core::{no_array, DMatch, KeyPoint, Mat, Point2f, Size, Vector, NORM_HAMMING},
    features2d::{BFMatcher, ORB_ScoreType, ORB},
    imgcodecs, imgproc,
    prelude::*,
};

use super::{reference_error, ViewError};

/// The width pictures are matched at, at most.
pub const ALIGN_WIDTH: u32 = 640;
/// Keypoints looked for in each picture.
const FEATURES: i32 = 1000;
/// A picture with fewer keypoints than this has too little texture to be a reference.
const MIN_FEATURES: usize = 100;
/// Lowe's ratio: a match is kept when clearly better than the second best.
const RATIO: f32 = 0.75;
/// Fewer agreeing matches than this and the scene is not the reference's.
pub const MIN_INLIERS: usize = 15;
/// How far (in matched pixels) a match may lie from the fit and still agree with it.
const REPROJECTION_PX: f64 = 3.0;

/// What comparing a frame with the reference found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Alignment {
    /// The scene was found: the furthest a judged point moves, in stream pixels, with the
    /// number of matches that agree.
    Shifted { px: f64, inliers: usize },
    /// Too few features in common to place the scene at all.
    Lost { matches: usize },
}

/// The reference picture, grey, with its features at the size last matched.
pub struct Reference {
    picture: Mat,
    features: Option<(Size, Features)>,
}

/// ORB keypoints (in matched pixels) and their descriptors.
struct Features {
    points: Vec<Point2f>,
    descriptors: Mat,
}

impl Reference {
    /// Reads the picture at `path` (JPEG or PNG).
    pub fn read(path: &Path) -> Result<Self, ViewError> {
        let name = path
            .to_str()
            .ok_or_else(|| reference_error(path, "the path is not UTF-8"))?;
        if !path.is_file() {
            return Err(reference_error(path, "no such file"));
        }
        let picture = imgcodecs::imread(name, imgcodecs::IMREAD_GRAYSCALE)
            .map_err(|e| reference_error(path, e.to_string()))?;
        if picture.empty() {
            return Err(reference_error(path, "not a picture OpenCV can read"));
        }
        Ok(Self {
            picture,
            features: None,
        })
    }

    /// `frame` as the reference, when it has texture enough to be matched against.
    pub fn from_frame(frame: &Frame) -> Option<Self> {
        let picture = grey(frame).ok()?;
        let mut reference = Self {
            picture,
            features: None,
        };
        let size = matched_size(frame);
        let found = reference.features_at(size).ok()?.points.len();
        (found >= MIN_FEATURES).then_some(reference)
    }

    /// Compares `frame` with the reference; `points` (stream pixels) are the points whose
    /// displacement is measured, the frame's corners and centre when there are none.
    pub fn align(&mut self, frame: &Frame, points: &[[f64; 2]]) -> Result<Alignment, opencv::Error> {
        let size = matched_size(frame);
        let scale = size.width as f64 / frame.width as f64;
        let seen = features(&scaled(&grey(frame)?, size)?)?;
        let reference = self.features_at(size)?;
        if seen.points.is_empty() || reference.points.is_empty() {
            return Ok(Alignment::Lost { matches: 0 });
        }
        let matcher = BFMatcher::new(NORM_HAMMING, false)?;
        let mut pairs = Vector::<Vector<DMatch>>::new();
        matcher.knn_train_match(
            &reference.descriptors,
            &seen.descriptors,
            &mut pairs,
            2,
            &no_array(),
            false,
        )?;
        let (mut from, mut to) = (Vector::<Point2f>::new(), Vector::<Point2f>::new());
        for pair in &pairs {
            let Ok(best) = pair.get(0) else { continue };
            if pair
                .get(1)
                .is_ok_and(|second| best.distance >= RATIO * second.distance)
            {
                continue;
            }
            from.push(reference.points[best.query_idx as usize]);
            to.push(seen.points[best.train_idx as usize]);
        }
        if from.len() < MIN_INLIERS {
            return Ok(Alignment::Lost { matches: from.len() });
        }
        let mut agreeing = Mat::default();
        let fit = calib3d::estimate_affine_partial_2d(
            &from,
            &to,
            &mut agreeing,
            calib3d::RANSAC,
            REPROJECTION_PX,
            2000,
            0.99,
            10,
        )?;
        let inliers = opencv::core::count_non_zero(&agreeing)? as usize;
        if fit.empty() || inliers < MIN_INLIERS {
            return Ok(Alignment::Lost { matches: inliers });
        }
        let m = |r: i32, c: i32| fit.at_2d::<f64>(r, c).copied();
        let (a, b, tx) = (m(0, 0)?, m(0, 1)?, m(0, 2)?);
        let (c, d, ty) = (m(1, 0)?, m(1, 1)?, m(1, 2)?);
        let (w, h) = (frame.width as f64, frame.height as f64);
        let frame_points = [[0.0, 0.0], [w, 0.0], [w, h], [0.0, h], [w / 2.0, h / 2.0]];
        let judged = if points.is_empty() {
            &frame_points[..]
        } else {
            points
        };
        let px = judged
            .iter()
            .map(|&[x, y]| {
                let (x, y) = (x * scale, y * scale);
                let (nx, ny) = (a * x + b * y + tx, c * x + d * y + ty);
                (nx - x).hypot(ny - y) / scale
            })
            .fold(0.0, f64::max);
        Ok(Alignment::Shifted { px, inliers })
    }

    /// The reference's features when matched at `size`, computed once per size.
    fn features_at(&mut self, size: Size) -> Result<&Features, opencv::Error> {
        if self.features.as_ref().is_none_or(|(at, _)| *at != size) {
            let found = features(&scaled(&self.picture, size)?)?;
            self.features = Some((size, found));
        }
        Ok(&self.features.as_ref().expect("just computed").1)
    }
}

/// The size a frame is matched at: its own, or [`ALIGN_WIDTH`] wide with its aspect kept.
fn matched_size(frame: &Frame) -> Size {
    let scale = (ALIGN_WIDTH as f64 / frame.width as f64).min(1.0);
    Size::new(
        ((frame.width as f64 * scale).round() as i32).max(1),
        ((frame.height as f64 * scale).round() as i32).max(1),
    )
}

/// The frame in grey levels, as an OpenCV matrix.
fn grey(frame: &Frame) -> Result<Mat, opencv::Error> {
    let levels = frame.grey_levels();
    Mat::new_rows_cols_with_data(frame.height as i32, frame.width as i32, &levels)?.try_clone()
}

/// `picture` at `size` (a reference of another size or shape is stretched to the stream's).
fn scaled(picture: &Mat, size: Size) -> Result<Mat, opencv::Error> {
    if picture.size()? == size {
        return picture.try_clone();
    }
    let mut out = Mat::default();
    imgproc::resize(picture, &mut out, size, 0.0, 0.0, imgproc::INTER_AREA)?;
    Ok(out)
}

fn features(picture: &Mat) -> Result<Features, opencv::Error> {
    let mut orb = ORB::create(FEATURES, 1.2, 8, 31, 0, 2, ORB_ScoreType::HARRIS_SCORE, 31, 20)?;
    let mut keypoints = Vector::<KeyPoint>::new();
    let mut descriptors = Mat::default();
    orb.detect_and_compute(picture, &no_array(), &mut keypoints, &mut descriptors, false)?;
    Ok(Features {
        points: keypoints.iter().map(|k| k.pt()).collect(),
        descriptors,
    })
}
