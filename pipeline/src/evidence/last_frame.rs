//! Each camera's last analysed frame, kept as JPEG at [`last_frame_path`] for the dispatcher's
//! cameras page, so that a city checks its zones against what the camera sees now. Only live
//! running keeps them; a replay does not.
//!
//! A writer thread encodes and replaces the files: the analysis loop hands it a copy of a frame
//! at most every [`LAST_FRAME_INTERVAL`] per camera and never waits for it.

use std::{
    collections::{HashMap, HashSet},
    io::Write,
    path::Path,
    thread::JoinHandle,
    time::{Duration, Instant},
};

use crossbeam_channel::{bounded, Sender};
use gridwatch_core::{last_frame_path, CameraId, Frame};

use super::{encode_jpeg, EvidenceError};

/// How often a camera's last frame is replaced at most.
pub const LAST_FRAME_INTERVAL: Duration = Duration::from_secs(10);

/// Frames waiting for the writer; when it lags this far, a frame is skipped and a later one taken.
const WAITING: usize = 4;

/// The cameras' last frames under one evidence folder.
pub struct LastFrames {
    taken: HashMap<CameraId, Instant>,
    writer: Option<(Sender<Frame>, JoinHandle<()>)>,
}

impl LastFrames {
    /// Starts the writer of last frames under `evidence_dir`. Dropping the result waits for the
    /// frames handed over to be written.
    pub fn start(evidence_dir: &Path) -> Self {
        let (frames, waiting) = bounded::<Frame>(WAITING);
        let root = evidence_dir.to_path_buf();
        let writer = std::thread::spawn(move || {
            // A camera whose file cannot be written is logged once, and again only after a success.
            let mut failing = HashSet::new();
            for frame in waiting {
                match keep(&root, &frame) {
                    Ok(()) => {
                        failing.remove(&frame.camera);
                    }
                    Err(e) => {
                        if failing.insert(frame.camera.clone()) {
                            tracing::warn!(camera = %frame.camera, error = %e, "Last frame not kept");
                        }
                    }
                }
            }
        });
        Self {
            taken: HashMap::new(),
            writer: Some((frames, writer)),
        }
    }

    /// Called for every analysed frame at `now`: hands it to the writer when its camera's file
    /// was last replaced [`LAST_FRAME_INTERVAL`] ago or more, or never.
    pub fn offer(&mut self, frame: &Frame, now: Instant) {
        let due = self
            .taken
            .get(&frame.camera)
            .is_none_or(|&at| now.saturating_duration_since(at) >= LAST_FRAME_INTERVAL);
        let Some((frames, _)) = &self.writer else { return };
        if due && frames.try_send(frame.clone()).is_ok() {
            self.taken.insert(frame.camera.clone(), now);
        }
    }
}

impl Drop for LastFrames {
    fn drop(&mut self) {
        if let Some((frames, writer)) = self.writer.take() {
            drop(frames);
            let _ = writer.join();
        }
    }
}

/// Encodes `frame` and replaces its camera's file: written beside it and renamed, so the
/// dispatcher never reads half a file.
fn keep(root: &Path, frame: &Frame) -> Result<(), EvidenceError> {
    let path = last_frame_path(root, &frame.camera);
    let io = |e: std::io::Error| EvidenceError::Io {
        path: path.clone(),
        reason: e.to_string(),
    };
    let jpeg = encode_jpeg(frame)?;
    let folder = path.parent().expect("a last frame's path names its folder");
    std::fs::create_dir_all(folder).map_err(io)?;
    let mut file = tempfile::NamedTempFile::new_in(folder).map_err(io)?;
    file.write_all(&jpeg).map_err(io)?;
    file.persist(&path).map_err(|e| io(e.error))?;
    Ok(())
}
