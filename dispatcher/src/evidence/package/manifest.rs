//! The package's manifest (`manifest.json`): which case, who exported it when and with what
//! privacy, and every other member with its SHA-256, size and origin. The manifest's own digest
//! is kept beside it (`manifest.sha256`, in `sha256sum` form) and in the export's audit entry.

use gridwatch_core::Sha256Hex;
use serde::{Deserialize, Serialize};

use super::Privacy;

/// The format this manifest is written in.
pub const FORMAT: &str = "gridwatch-evidence-package/1";

/// The manifest's member name.
pub const MANIFEST: &str = "manifest.json";

/// The member that holds the manifest's SHA-256.
pub const MANIFEST_DIGEST: &str = "manifest.sha256";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub case: CaseRef,
    /// RFC 3339, UTC.
    pub exported_at: String,
    pub exported_by: String,
    pub privacy: Privacy,
    /// Every member but the manifest and its digest.
    pub members: Vec<Member>,
}

/// The case a package is of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseRef {
    pub id: String,
    pub number: i64,
    pub kind: String,
}

/// One file of the package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub name: String,
    pub sha256: Sha256Hex,
    pub bytes: u64,
    pub origin: Origin,
    /// For a derived file: the sealed member it was made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived_from: Option<String>,
    /// What was done to it or what it holds, in a few words.
    pub note: String,
}

/// Where a member comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A file the camera sealed, byte for byte; its digest is the one recorded in its event.
    Sealed,
    /// Made from a sealed file for this package (a blurred copy).
    Derived,
    /// A record written for this package from the store and the configuration.
    Record,
}

/// The text of `manifest.sha256` for a manifest whose digest is `sha256`.
pub fn digest_line(sha256: &Sha256Hex) -> String {
    format!("{sha256}  {MANIFEST}\n")
}

/// The digest a `manifest.sha256` text records, if it has the form [`digest_line`] writes.
pub fn recorded_digest(text: &[u8]) -> Option<Sha256Hex> {
    let text = std::str::from_utf8(text).ok()?;
    let hex = text.strip_suffix(&format!("  {MANIFEST}\n"))?;
    Sha256Hex::try_from(hex.to_owned()).ok()
}
