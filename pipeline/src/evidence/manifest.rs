//! One violation's manifest: every artifact with its SHA-256, so that an audit can tell whether
//! anything was changed or removed since.

use std::path::{Path, PathBuf};

use gridwatch_core::{EventId, EvidenceRef, Sha256Hex};
use serde::{Deserialize, Serialize};

use super::EvidenceError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub event: EventId,
    pub artifacts: Vec<EvidenceRef>,
}

/// What an audit found wrong with one artifact.
#[derive(Debug, Clone, PartialEq)]
pub enum Tampered {
    Missing(PathBuf),
    Altered(PathBuf),
}

impl Manifest {
    pub const FILE: &'static str = "manifest.json";

    /// Writes the manifest beside the artifacts, in `folder` under `root`.
    pub fn write(&self, root: &Path, folder: &Path) -> Result<(), EvidenceError> {
        let path = root.join(folder).join(Self::FILE);
        let json = serde_json::to_vec_pretty(self).expect("manifests serialize");
        std::fs::write(&path, json).map_err(|e| EvidenceError::Io {
            path,
            reason: e.to_string(),
        })
    }

    pub fn read(path: &Path) -> Result<Self, EvidenceError> {
        let bad = |reason: String| EvidenceError::Io {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
        serde_json::from_slice(&text).map_err(|e| bad(e.to_string()))
    }
}

/// Checks every artifact of `manifest` under `root` against its recorded size and hash.
pub fn verify(root: &Path, manifest: &Manifest) -> Vec<Tampered> {
    manifest
        .artifacts
        .iter()
        .filter_map(|a| {
            let path = root.join(&a.path);
            match std::fs::read(&path) {
                Err(_) => Some(Tampered::Missing(path)),
                Ok(bytes) if bytes.len() as u64 != a.bytes || Sha256Hex::of(&bytes) != a.sha256 => {
                    Some(Tampered::Altered(path))
                }
                Ok(_) => None,
            }
        })
        .collect()
}
