//! References to the artifacts that back a violation, each sealed with its SHA-256.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What an artifact shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// A decoded frame exactly as the camera delivered it.
    Frame,
    /// The same frame with boxes, zone outline, kind, camera and time drawn on it.
    AnnotatedFrame,
    /// Compressed footage from before to after the event, cut without re-encoding.
    Clip,
}

/// A lowercase hexadecimal SHA-256 digest.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sha256Hex(String);

impl TryFrom<String> for Sha256Hex {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Self(s))
        } else {
            Err(format!(
                "`{s}` is not a SHA-256 digest (64 lowercase hexadecimal digits)"
            ))
        }
    }
}

impl Sha256Hex {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        use sha2::{Digest, Sha256};
        Self(Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect())
    }
}

impl From<Sha256Hex> for String {
    fn from(h: Sha256Hex) -> String {
        h.0
    }
}

impl fmt::Display for Sha256Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Sha256Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.0)
    }
}

/// One stored artifact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceRef {
    pub kind: EvidenceKind,
    /// Path relative to the evidence store's root (`date/camera/event/file`).
    pub path: String,
    /// IANA media type, e.g. `image/jpeg`, `video/mp4`.
    pub media_type: String,
    pub bytes: u64,
    pub sha256: Sha256Hex,
    /// The stream time the artifact shows (a clip: its first frame).
    pub captured_at: DateTime<Utc>,
}
