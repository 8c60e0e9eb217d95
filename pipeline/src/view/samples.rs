//! A frame as a sparse grid of grey levels: enough to tell a dark picture and a repeated one,
//! at a cost that does not depend on the stream's resolution.
//!
//! The samples are single pixels, not averages, so the sensor noise of a live picture stays in
//! them: two frames of a real scene differ by that noise even when nothing moves, while frames
//! repeated by a stuck encoder do not differ at all.

use gridwatch_core::Frame;

/// How many samples are taken across a frame (and proportionally down it).
const ACROSS: u32 = 160;

/// The grey levels of a frame at fixed points.
#[derive(Debug, Clone, PartialEq)]
pub struct Samples {
    size: (u32, u32),
    grey: Vec<u8>,
}

impl Samples {
    /// Samples `frame` on a regular grid of about [`ACROSS`] points per row.
    pub fn of(frame: &Frame) -> Self {
        let (w, h) = (frame.width, frame.height);
        let step = (w / ACROSS).max(1);
        let mut grey = Vec::with_capacity(((w / step) * (h / step)) as usize);
        for y in (step / 2..h).step_by(step as usize) {
            for x in (step / 2..w).step_by(step as usize) {
                grey.push(frame.grey(x, y));
            }
        }
        Self { size: (w, h), grey }
    }

    /// The mean grey level, 0…255.
    pub fn brightness(&self) -> f64 {
        self.grey.iter().map(|&g| g as f64).sum::<f64>() / self.grey.len().max(1) as f64
    }

    /// The standard deviation of the grey levels: how much the picture varies.
    pub fn contrast(&self) -> f64 {
        let mean = self.brightness();
        let variance =
            self.grey.iter().map(|&g| (g as f64 - mean).powi(2)).sum::<f64>() / self.grey.len().max(1) as f64;
        variance.sqrt()
    }

    /// The mean absolute difference in grey level from `other` at the same points; `None` when
    /// the frames differ in size (the stream changed).
    pub fn difference(&self, other: &Samples) -> Option<f64> {
        (self.size == other.size).then(|| {
            let total: u32 = self
                .grey
                .iter()
                .zip(&other.grey)
                .map(|(&a, &b)| a.abs_diff(b) as u32)
                .sum();
            total as f64 / self.grey.len().max(1) as f64
        })
    }
}
