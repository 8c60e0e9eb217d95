//! A decoded frame as it leaves a camera's source.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use chrono::{DateTime, Utc};

use crate::CameraId;

/// One decoded picture: tightly packed RGB rows.
#[derive(Clone, PartialEq)]
pub struct Frame {
    pub camera: CameraId,
    /// Position in the stream, from the stream's own timestamps.
    pub pts: Duration,
    /// When it was seen: the wall clock live, the footage's recorded time in replay.
    pub wall: DateTime<Utc>,
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
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

/// Where a camera's last analysed frame is kept, as JPEG, under the evidence folder:
/// `cameras/<camera>.jpg`. The pipeline of `gridwatch run` replaces it now and then; the
/// dispatcher beside it shows it on its cameras page. A camera id is safe as a file name.
pub fn last_frame_path(evidence_dir: &Path, camera: &CameraId) -> PathBuf {
    evidence_dir
        .join("cameras")
        .join(format!("{}.jpg", camera.as_str()))
}
