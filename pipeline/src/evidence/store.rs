//! Writing evidence files under the store's root and sealing each with its SHA-256.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use gridwatch_core::{CameraId, EventId, EvidenceKind, EvidenceRef, Sha256Hex};

use super::EvidenceError;

pub struct EvidenceStore {
    root: PathBuf,
}

impl EvidenceStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder, relative to the root, that holds one violation's evidence.
    pub fn folder(onset: DateTime<Utc>, camera: &CameraId, event: &EventId) -> PathBuf {
        PathBuf::from(onset.format("%Y-%m-%d").to_string())
            .join(camera.as_str())
            .join(event.to_string())
    }

    /// Writes `bytes` as `name` in `folder` and returns its sealed reference.
    pub fn save(
        &self,
        folder: &Path,
        name: &str,
        bytes: &[u8],
        kind: EvidenceKind,
        media_type: &str,
        captured_at: DateTime<Utc>,
    ) -> Result<EvidenceRef, EvidenceError> {
        let relative = folder.join(name);
        let path = self.root.join(&relative);
        let io = |e: std::io::Error| EvidenceError::Io {
            path: path.clone(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(path.parent().expect("evidence files sit in a folder")).map_err(io)?;
        std::fs::write(&path, bytes).map_err(io)?;
        Ok(EvidenceRef {
            kind,
            path: relative.to_string_lossy().into_owned(),
            media_type: media_type.to_owned(),
            bytes: bytes.len() as u64,
            sha256: Sha256Hex::of(bytes),
            captured_at,
        })
    }
}
