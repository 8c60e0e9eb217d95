//! Evidence packages for legal review (《行政处罚法》第四十一条): one zip file per export of a
//! case, holding the frames and clips its camera sealed (byte for byte), blurred copies of the
//! frames for anyone but the reviewer ([`privacy`]), the camera's registration, the model card,
//! the rule, how times were made, the human review ([`records`]), the case's whole audit trail
//! with its chain hashes, a printable page ([`summary`]), and a [`manifest`] of every member's
//! SHA-256. Each export is appended to the case's audit trail with the package's and the
//! manifest's digests; [`verify`] checks a package on its own, and against that record.

mod archive;
pub mod manifest;
mod privacy;
mod records;
mod summary;
mod verify;

use std::collections::BTreeSet;

use chrono::{DateTime, SecondsFormat, Utc};
use gridwatch_core::{
    config::{Config, Role},
    EvidenceKind, EvidenceRef, Sha256Hex, ViolationEvent,
};
use serde_json::json;

pub use privacy::Privacy;
pub use verify::{verify, Checked, Recorded, VerifyError};

use super::{under, Artifact, EvidenceError};
use crate::{
    cases::{audit::Entry, Case},
    store, Actor, DispatchError, Dispatcher,
};
use manifest::{CaseRef, Manifest, Member, Origin, FORMAT, MANIFEST, MANIFEST_DIGEST};
use privacy::Blur;

/// The audit action that records an export.
pub const AUDIT_ACTION: &str = "export";

/// Who may export a package: whoever reviews cases for the law.
pub const EXPORTERS: [Role; 3] = [Role::Command, Role::Auditor, Role::Admin];

/// Who may export without blurring: the legal reviewers.
pub const UNBLURRED: [Role; 2] = [Role::Auditor, Role::Admin];

/// An exported package.
#[derive(Debug)]
pub struct Package {
    /// The name to save it under: `case-12-evidence.zip`.
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub sha256: Sha256Hex,
    pub manifest_sha256: Sha256Hex,
    /// How many files it holds, the manifest and its digest included.
    pub members: usize,
}

/// Why a package was not exported.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// A sealed file is missing, outside the evidence folder, or no longer what was sealed
    /// (409): the package would not be true.
    #[error("{0}; no package was made (`gridwatch audit verify` lists every such file)")]
    Evidence(EvidenceError),
    #[error("evidence {digest} of case {case}: the file `{path}` has changed since it was sealed; no package was made")]
    Changed {
        case: String,
        digest: String,
        path: String,
    },
    /// A sealed frame cannot be blurred, or the zip cannot be written (500).
    #[error("case {case}: {why}")]
    Build { case: String, why: String },
    /// The case cannot be read, or not by this caller (403, 404).
    #[error(transparent)]
    Case(#[from] DispatchError),
}

/// Whether `actor` may export with `privacy`.
fn permitted(actor: &Actor, privacy: Privacy) -> Result<(), DispatchError> {
    if !EXPORTERS.contains(&actor.role) {
        return Err(DispatchError::Forbidden(format!(
            "{} accounts cannot export evidence packages; the command centre and auditors can",
            actor.role.as_str()
        )));
    }
    if privacy == Privacy::None && !UNBLURRED.contains(&actor.role) {
        return Err(DispatchError::Forbidden(format!(
            "only auditors may export without blurring (privacy `none`); choose {} or {}",
            Privacy::BlurBystanders.as_str(),
            Privacy::BlurAllButSubject.as_str()
        )));
    }
    Ok(())
}

/// A sealed file, read and checked.
struct SealedFile {
    event: usize,
    reference: EvidenceRef,
    bytes: Vec<u8>,
    /// Its member name.
    name: String,
}

/// Everything a package is made from, gathered off the store.
struct Inputs {
    config: std::sync::Arc<Config>,
    case: Case,
    events: Vec<ViolationEvent>,
    files: Vec<SealedFile>,
    entries: Vec<Entry>,
    card: Option<(String, Vec<u8>)>,
    privacy: Privacy,
    exported_by: String,
    exported_at: DateTime<Utc>,
}

impl Dispatcher {
    /// Exports case `id` as a package with `privacy`, if `actor` may, and records the export in
    /// the case's audit trail. Reading, blurring and zipping run off the async runtime.
    pub async fn export_package(
        &self,
        actor: &Actor,
        id: &str,
        privacy: Privacy,
    ) -> Result<Package, PackageError> {
        permitted(actor, privacy)?;
        let case = self.case(actor, id).await?;
        let events: Vec<_> = self
            .violations_of(&case)
            .await?
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        let entries = store::audit::entries(self.store.pool(), Some(&case.id))
            .await
            .map_err(DispatchError::from)?;
        let inputs = Inputs {
            config: self.config.clone(),
            files: Vec::new(),
            events,
            entries,
            card: None,
            privacy,
            exported_by: actor.name.clone(),
            exported_at: self.now(),
            case,
        };
        let case_id = id.to_owned();
        let package = tokio::task::spawn_blocking(move || build(read(inputs)?))
            .await
            .map_err(|e| PackageError::Build {
                case: case_id,
                why: format!("making the package failed: {e}"),
            })??;

        let mut change = self.change().await?;
        // The case may have moved on while the package was made; the entry says where it is now.
        let case = change.case(id).await?;
        let detail = json!({
            "package_sha256": package.sha256,
            "manifest_sha256": package.manifest_sha256,
            "privacy": privacy.as_str(),
            "file_name": package.file_name,
            "bytes": package.bytes.len(),
            "members": package.members,
        });
        change
            .audit(&case, actor, AUDIT_ACTION, Some(case.state), detail)
            .await?;
        change.commit().await?;
        Ok(package)
    }
}

/// Reads every sealed file and the model card into `inputs`, checking each file against its seal.
fn read(mut inputs: Inputs) -> Result<Inputs, PackageError> {
    let root = inputs.config.storage.evidence_dir.clone();
    let case = inputs.case.id.clone();
    let mut names = BTreeSet::new();
    for (i, event) in inputs.events.iter().enumerate() {
        for reference in &event.evidence {
            let artifact = Artifact::sealed(&case, &event.id.to_string(), reference);
            let fail = |e: EvidenceError| PackageError::Evidence(e);
            let (digest, recorded) = (reference.sha256.to_string(), reference.path.clone());
            let Some(path) = under(&root, &reference.path) else {
                return Err(fail(EvidenceError::Outside {
                    case,
                    digest,
                    path: recorded,
                }));
            };
            let Ok(bytes) = std::fs::read(&path) else {
                return Err(fail(EvidenceError::Missing {
                    case,
                    digest,
                    path: recorded,
                }));
            };
            if Sha256Hex::of(&bytes) != reference.sha256 {
                return Err(PackageError::Changed {
                    case,
                    digest,
                    path: recorded,
                });
            }
            let name = sealed_name(&event.id.to_string(), &artifact, &reference.path, &mut names);
            inputs.files.push(SealedFile {
                event: i,
                reference: reference.clone(),
                bytes,
                name,
            });
        }
    }
    // The card is documentation here: unreadable, the record says there is none.
    inputs.card = inputs.config.model.as_ref().and_then(|m| {
        let bytes = std::fs::read(&m.card).ok()?;
        let name = m.card.file_name()?.to_string_lossy().into_owned();
        Some((name, bytes))
    });
    Ok(inputs)
}

/// The member name of a sealed file: `sealed/<event>/<its file name>` when that name is plain,
/// else one made from its kind; never one already taken.
fn sealed_name(event: &str, artifact: &Artifact, recorded: &str, taken: &mut BTreeSet<String>) -> String {
    let plain = |n: &str| {
        !n.is_empty()
            && !n.starts_with('.')
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    };
    let file = recorded.rsplit('/').next().filter(|n| plain(n));
    let base = match file {
        Some(file) => file.to_owned(),
        None => artifact.download_name(0).replacen("case-0-", "", 1),
    };
    let mut name = format!("sealed/{event}/{base}");
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("sealed/{event}/{n}-{base}");
        n += 1;
    }
    taken.insert(name.clone());
    name
}

/// What blurring a sealed file needs: `None` for files that are not frames or when nothing is
/// blurred.
fn blur_of<'e>(file: &SealedFile, event: &'e ViolationEvent, privacy: Privacy) -> Option<Blur<'e>> {
    let frame = matches!(
        file.reference.kind,
        EvidenceKind::Frame | EvidenceKind::AnnotatedFrame
    ) && file.reference.media_type.starts_with("image/");
    match privacy {
        _ if !frame => None,
        Privacy::None => None,
        Privacy::BlurAllButSubject => Some(Blur::AllButSubject),
        // The bystanders are those of the confirming frame; elsewhere they are not known.
        Privacy::BlurBystanders if file.reference.captured_at == event.confirmed_at => {
            Some(Blur::Boxes(&event.bystanders))
        }
        Privacy::BlurBystanders => Some(Blur::AllButSubject),
    }
}

/// Makes the package from everything read.
fn build(inputs: Inputs) -> Result<Package, PackageError> {
    let Inputs {
        config,
        case,
        events,
        files,
        entries,
        card,
        privacy,
        exported_by,
        exported_at,
    } = inputs;
    let failed = |why: String| PackageError::Build {
        case: case.id.clone(),
        why,
    };
    let mut members: Vec<(Member, Vec<u8>)> = Vec::new();
    let record = |name: &str, note: &str, bytes: Vec<u8>| {
        (
            Member {
                name: name.to_owned(),
                sha256: Sha256Hex::of(&bytes),
                bytes: bytes.len() as u64,
                origin: Origin::Record,
                derived_from: None,
                note: note.to_owned(),
            },
            bytes,
        )
    };
    let json_bytes = |v: &serde_json::Value| serde_json::to_vec_pretty(v).expect("JSON values serialize");

    let mut derived = Vec::new();
    // The frame the summary shows: the last annotated frame (the confirmation), as exported.
    let mut shown: Option<(Vec<u8>, String)> = None;
    for file in &files {
        let event = &events[file.event];
        members.push((
            Member {
                name: file.name.clone(),
                sha256: file.reference.sha256.clone(),
                bytes: file.bytes.len() as u64,
                origin: Origin::Sealed,
                derived_from: None,
                note: format!(
                    "{} of event {}, sealed by the camera, captured {}",
                    super::ArtifactKind::from(file.reference.kind).as_str(),
                    event.id,
                    file.reference
                        .captured_at
                        .to_rfc3339_opts(SecondsFormat::Millis, true)
                ),
            },
            file.bytes.clone(),
        ));
        let annotated = file.reference.kind == EvidenceKind::AnnotatedFrame;
        match blur_of(file, event, privacy) {
            Some(blur) => {
                let copy = privacy::blurred(&file.bytes, &event.image_box, blur)
                    .map_err(|why| failed(format!("evidence {}: {why}", file.reference.sha256)))?;
                let name = derived_name(&file.name);
                let note = match blur {
                    Blur::Boxes(b) => {
                        format!("{} bystander box(es) pixelated; the subject left sharp", b.len())
                    }
                    Blur::AllButSubject => "everything outside the subject's box pixelated".to_owned(),
                };
                if annotated {
                    shown = Some((copy.clone(), name.clone()));
                }
                derived.push(name.clone());
                members.push((
                    Member {
                        name,
                        sha256: Sha256Hex::of(&copy),
                        bytes: copy.len() as u64,
                        origin: Origin::Derived,
                        derived_from: Some(file.name.clone()),
                        note,
                    },
                    copy,
                ));
            }
            None if annotated && privacy == Privacy::None && file.reference.media_type == "image/jpeg" => {
                shown = Some((file.bytes.clone(), file.name.clone()));
            }
            None => {}
        }
    }

    let case_record = json!({
        "case": case,
        "events": events,
        "note": "The case as the store holds it (times in milliseconds since 1970-01-01 UTC) and every violation event that raised or joined it, as received. / 案件及其全部违法事件。",
    });
    members.push(record(
        "case.json",
        "the case and its violation events",
        json_bytes(&case_record),
    ));
    members.push(record(
        "registration.json",
        "the camera: place, calibration, zones, setting-up record",
        json_bytes(&records::registration(&config, &case.camera)),
    ));
    let card_table = card
        .as_ref()
        .and_then(|(_, bytes)| std::str::from_utf8(bytes).ok()?.parse::<toml::Table>().ok());
    let card_name = card.as_ref().map(|(name, _)| format!("model/{name}"));
    members.push(record(
        "model.json",
        "the detector the events name and its model card's measured accuracy",
        json_bytes(&records::model(
            &events,
            card_table.as_ref(),
            card_name.as_deref(),
        )),
    ));
    if let (Some((_, bytes)), Some(name)) = (&card, &card_name) {
        members.push(record(
            name,
            "the model card as configured, byte for byte",
            bytes.clone(),
        ));
    }
    members.push(record(
        "rule.json",
        "the rules that confirmed the events, as configured",
        json_bytes(&records::rules(&config, &events)),
    ));
    members.push(record(
        "time.json",
        "how the times were made",
        json_bytes(&records::time_source(&config)),
    ));
    let reviews = records::reviews(&entries);
    members.push(record(
        "review.json",
        "who reviewed the finding, when, with what note",
        json_bytes(&records::review_record(&reviews)),
    ));
    let audit = json!({
        "note": "The case's entries of the dispatcher's audit chain. Each hash covers the entry's fields and prev_hash, the hash of the chain's entry before it (which may be another case's). / 本案审计记录及其链式哈希。",
        "entries": entries,
    });
    members.push(record(
        "audit.json",
        "the case's audit trail with its chain hashes",
        json_bytes(&audit),
    ));

    let map50 = card_table
        .as_ref()
        .and_then(|c| c.get("accuracy")?.get("map50")?.as_float());
    // The summary counts itself among the members.
    let member_count = members.len() + 1;
    let summary = summary::render(&summary::Facts {
        config: &config,
        case: &case,
        event: events.first(),
        reviews: &reviews,
        entries: &entries,
        frame: shown
            .as_ref()
            .map(|(bytes, name)| (bytes.as_slice(), name.as_str())),
        privacy,
        derived: &derived,
        member_count,
        exported_at,
        exported_by: &exported_by,
        map50,
    })
    .map_err(|e| failed(format!("the summary cannot be drawn: {e}")))?;
    members.push(record(
        "summary.html",
        "the printable summary",
        summary.into_bytes(),
    ));

    let manifest = Manifest {
        format: FORMAT.to_owned(),
        case: CaseRef {
            id: case.id.clone(),
            number: case.number,
            kind: case.kind.clone(),
        },
        exported_at: exported_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        exported_by,
        privacy,
        members: members.iter().map(|(m, _)| m.clone()).collect(),
    };
    let manifest_bytes = serde_json::to_vec_pretty(&manifest).expect("manifests serialize");
    let manifest_sha256 = Sha256Hex::of(&manifest_bytes);
    let digest = manifest::digest_line(&manifest_sha256).into_bytes();
    let mut files: Vec<(String, Vec<u8>)> = vec![
        (MANIFEST.to_owned(), manifest_bytes),
        (MANIFEST_DIGEST.to_owned(), digest),
    ];
    files.extend(members.into_iter().map(|(m, bytes)| (m.name, bytes)));
    let bytes = archive::write(&files).map_err(|e| failed(format!("the zip cannot be written: {e}")))?;
    Ok(Package {
        file_name: format!("case-{}-evidence.zip", case.number),
        sha256: Sha256Hex::of(&bytes),
        manifest_sha256,
        members: files.len(),
        bytes,
    })
}

/// The blurred copy's member name: `sealed/e/onset.jpg` → `derived/e/onset-blurred.jpg`.
fn derived_name(sealed: &str) -> String {
    let inside = sealed.strip_prefix("sealed/").unwrap_or(sealed);
    let stem = inside.rsplit_once('.').map_or(inside, |(stem, _)| stem);
    format!("derived/{stem}-blurred.jpg")
}
