//! Checking a package end to end. On its own ([`verify`]): it is a zip whose every member reads
//! back as written, the manifest's digest is the one `manifest.sha256` holds, every member the
//! manifest lists is there with its SHA-256 and size, nothing else is, and each audit entry's
//! hash matches its fields. Against the store ([`Dispatcher::check_package`]): the case's audit
//! trail records an export with this package's and this manifest's digests, the package's audit
//! entries are the store's, and the whole chain holds.

use std::collections::BTreeMap;

use gridwatch_core::Sha256Hex;
use serde::Deserialize;

use super::{
    archive,
    manifest::{recorded_digest, Manifest, FORMAT, MANIFEST, MANIFEST_DIGEST},
    Privacy, AUDIT_ACTION,
};
use crate::{
    cases::audit::{self, Entry},
    store, DispatchError, Dispatcher,
};

/// The member holding the case's audit trail.
const AUDIT: &str = "audit.json";

/// A package that checked out on its own.
#[derive(Debug, Clone)]
pub struct Checked {
    pub sha256: Sha256Hex,
    pub manifest_sha256: Sha256Hex,
    pub manifest: Manifest,
    /// The audit entries the package carries.
    pub entries: Vec<Entry>,
}

/// The export entry a package was found under.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub seq: i64,
    pub by: String,
    /// Milliseconds since the epoch.
    pub at: i64,
    pub privacy: Privacy,
}

/// Why a package does not check out. Each says, in one line, which member is at fault.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Unreadable(#[from] archive::ReadError),
    #[error("member `{name}`: {why}")]
    Member { name: String, why: String },
    /// The store has no export with this package's digests, or it disagrees with the package.
    #[error("{0}")]
    Unrecorded(String),
    #[error(transparent)]
    Store(#[from] DispatchError),
}

fn member(name: &str, why: impl Into<String>) -> VerifyError {
    VerifyError::Member {
        name: name.to_owned(),
        why: why.into(),
    }
}

/// The audit member's shape.
#[derive(Deserialize)]
struct AuditRecord {
    entries: Vec<Entry>,
}

/// Checks the package `bytes` on its own.
pub fn verify(bytes: &[u8]) -> Result<Checked, VerifyError> {
    let mut members: BTreeMap<String, Vec<u8>> = archive::read(bytes)?.into_iter().collect();
    let manifest_bytes = members
        .remove(MANIFEST)
        .ok_or_else(|| member(MANIFEST, "missing; this is not an evidence package"))?;
    let digest_text = members
        .remove(MANIFEST_DIGEST)
        .ok_or_else(|| member(MANIFEST_DIGEST, "missing; the manifest is not sealed"))?;
    let sealed = recorded_digest(&digest_text).ok_or_else(|| {
        member(
            MANIFEST_DIGEST,
            format!("is not `<SHA-256>  {MANIFEST}` on one line; it was changed"),
        )
    })?;
    let manifest_sha256 = Sha256Hex::of(&manifest_bytes);
    if manifest_sha256 != sealed {
        return Err(member(
            MANIFEST,
            format!("its SHA-256 {manifest_sha256} is not the {sealed} that `{MANIFEST_DIGEST}` records; one of them was changed"),
        ));
    }
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| member(MANIFEST, format!("cannot be read as a manifest: {e}")))?;
    if manifest.format != FORMAT {
        return Err(member(
            MANIFEST,
            format!(
                "is of format `{}`; this verifier reads `{FORMAT}`",
                manifest.format
            ),
        ));
    }
    let mut audit = None;
    for listed in &manifest.members {
        let content = members
            .remove(&listed.name)
            .ok_or_else(|| member(&listed.name, "listed in the manifest but missing"))?;
        let sha256 = Sha256Hex::of(&content);
        if sha256 != listed.sha256 || content.len() as u64 != listed.bytes {
            return Err(member(
                &listed.name,
                format!(
                    "its SHA-256 is {sha256}, not the {} the manifest lists; it was changed",
                    listed.sha256
                ),
            ));
        }
        if listed.name == AUDIT {
            audit = Some(content);
        }
    }
    if let Some(extra) = members.keys().next() {
        return Err(member(extra, "not listed in the manifest; it was added"));
    }
    let audit = audit.ok_or_else(|| member(AUDIT, "not listed in the manifest"))?;
    Ok(Checked {
        sha256: Sha256Hex::of(bytes),
        manifest_sha256,
        entries: audit_entries(&audit)?,
        manifest,
    })
}

/// The audit entries of the audit member, each hash checked against its fields.
fn audit_entries(content: &[u8]) -> Result<Vec<Entry>, VerifyError> {
    let record: AuditRecord = serde_json::from_slice(content)
        .map_err(|e| member(AUDIT, format!("cannot be read as an audit trail: {e}")))?;
    for entry in &record.entries {
        if entry.hash != entry.expected_hash() {
            return Err(member(
                AUDIT,
                format!("entry {}: its hash does not match its contents", entry.seq),
            ));
        }
    }
    Ok(record.entries)
}

impl Dispatcher {
    /// Checks a package that verified on its own against this store: an export of its case
    /// recorded with its digests, its audit entries the store's, the whole chain intact.
    pub async fn check_package(&self, checked: &Checked) -> Result<Recorded, VerifyError> {
        let case = &checked.manifest.case;
        let chain = store::audit::entries(self.store.pool(), None)
            .await
            .map_err(DispatchError::from)?;
        audit::verify(&chain)
            .map_err(|e| VerifyError::Unrecorded(format!("the store's audit chain is broken: {e}")))?;
        let export = chain
            .iter()
            .filter(|e| e.case_id == case.id && e.action == AUDIT_ACTION)
            .find(|e| {
                let detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
                detail["package_sha256"] == checked.sha256.to_string()
            })
            .ok_or_else(|| {
                VerifyError::Unrecorded(format!(
                    "case #{}: no export with this package's SHA-256 {} is recorded in its audit trail",
                    case.number, checked.sha256
                ))
            })?;
        let detail: serde_json::Value = serde_json::from_str(&export.detail).unwrap_or_default();
        if detail["manifest_sha256"] != checked.manifest_sha256.to_string() {
            return Err(member(
                MANIFEST,
                format!(
                    "its SHA-256 {} is not the one export entry {} recorded",
                    checked.manifest_sha256, export.seq
                ),
            ));
        }
        for entry in &checked.entries {
            if !chain.iter().any(|c| c.seq == entry.seq && c.hash == entry.hash) {
                return Err(member(
                    AUDIT,
                    format!("entry {} is not the store's entry {}", entry.seq, entry.seq),
                ));
            }
        }
        let privacy = detail["privacy"]
            .as_str()
            .and_then(Privacy::parse)
            .unwrap_or(checked.manifest.privacy);
        Ok(Recorded {
            seq: export.seq,
            by: export.actor.clone(),
            at: export.at,
            privacy,
        })
    }
}
