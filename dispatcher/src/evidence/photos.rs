//! Photos a grid member uploads as proof of handling: each checked to be a JPEG, PNG or WebP image
//! of a sane size, stored under its SHA-256 in the evidence folder's `photos/`, and recorded in
//! the case's audit chain as a `photo` entry that leaves the case's state as it is. An upload is
//! all or nothing: one refused photo and none of the request's is stored or recorded.

use std::{io::Write, path::PathBuf};

use chrono::{DateTime, Utc};
use gridwatch_core::{config::Config, Sha256Hex};
use serde::{Deserialize, Serialize};

use super::{url, Artifact, ArtifactKind};
use crate::{
    cases::{audit::Entry, permissions, Action, Case, State},
    change::Change,
    Actor, DispatchError, Dispatcher,
};

/// The largest photo accepted, in bytes: a phone camera's full-resolution JPEG fits.
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;

/// The most photos one request may carry.
pub const MAX_PHOTOS_PER_UPLOAD: usize = 4;

/// The longest side, in pixels, a photo may have.
pub const MAX_SIDE: usize = 20_000;

/// The audit action that records a photo.
pub const AUDIT_ACTION: &str = "photo";

/// Where photos go, under the evidence folder.
const FOLDER: &str = "photos";

/// One uploaded file, as received.
pub struct Upload {
    /// The name the client gave the file, for messages and the record.
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// Why photos were not added.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    /// A photo is larger than [`MAX_PHOTO_BYTES`] (413).
    #[error("photo `{file_name}` is larger than the {max} MiB a photo may have", max = MAX_PHOTO_BYTES >> 20)]
    TooBig { file_name: String },
    /// More than [`MAX_PHOTOS_PER_UPLOAD`] photos in one request (413).
    #[error("at most {MAX_PHOTOS_PER_UPLOAD} photos may be uploaded at once")]
    TooMany,
    /// A photo is not a JPEG, PNG or WebP image of a sane size (415).
    #[error("photo `{file_name}` {why}; photos must be JPEG, PNG or WebP images")]
    NotAnImage { file_name: String, why: String },
    /// The case has ended (409).
    #[error("case {case} is {state}; photos can be added while a case is open")]
    Ended { case: String, state: State },
    /// The photo could not be written (500; the server's business).
    #[error("photo folder `{}`: {source}", folder.display())]
    Storage { folder: PathBuf, source: std::io::Error },
    /// The case cannot be read, or not changed by this caller.
    #[error(transparent)]
    Case(#[from] DispatchError),
}

/// What a `photo` audit entry records.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    sha256: Sha256Hex,
    media_type: String,
    bytes: u64,
    width: u32,
    height: u32,
    /// Relative to the evidence folder.
    path: String,
    file_name: String,
}

impl Record {
    fn artifact(self, case: &str, uploaded_by: &str, at: DateTime<Utc>) -> Artifact {
        Artifact {
            kind: ArtifactKind::Photo,
            url: url(case, &self.sha256),
            media_type: self.media_type,
            bytes: self.bytes,
            sha256: self.sha256,
            captured_at: at,
            event: None,
            uploaded_by: Some(uploaded_by.to_owned()),
            width: Some(self.width),
            height: Some(self.height),
            path: self.path,
        }
    }
}

/// The photo an audit entry records, if it records one.
pub(super) fn listed(case: &str, entry: &Entry) -> Option<Artifact> {
    if entry.action != AUDIT_ACTION {
        return None;
    }
    let record: Record = serde_json::from_str(&entry.detail).ok()?;
    let at = DateTime::<Utc>::from_timestamp_millis(entry.at)?;
    Some(record.artifact(case, &entry.actor, at))
}

/// A checked photo, ready to store.
struct Photo {
    bytes: Vec<u8>,
    record: Record,
}

impl Photo {
    /// `upload`, if its first bytes say JPEG, PNG or WebP and its header gives a sane size.
    fn check(upload: Upload) -> Result<Photo, PhotoError> {
        let refuse = |why: String| PhotoError::NotAnImage {
            file_name: upload.file_name.clone(),
            why,
        };
        let (media_type, ext) = match imagesize::image_type(&upload.bytes) {
            Ok(imagesize::ImageType::Jpeg) => ("image/jpeg", "jpg"),
            Ok(imagesize::ImageType::Png) => ("image/png", "png"),
            Ok(imagesize::ImageType::Webp) => ("image/webp", "webp"),
            _ => return Err(refuse("is not an image of a kind accepted".into())),
        };
        let size = imagesize::blob_size(&upload.bytes)
            .map_err(|e| refuse(format!("has a {media_type} header that cannot be read ({e})")))?;
        let sane = |side: usize| (1..=MAX_SIDE).contains(&side);
        if !sane(size.width) || !sane(size.height) {
            return Err(refuse(format!(
                "is {}×{} pixels; each side must be 1 to {MAX_SIDE}",
                size.width, size.height
            )));
        }
        let sha256 = Sha256Hex::of(&upload.bytes);
        let record = Record {
            path: format!("{FOLDER}/{sha256}.{ext}"),
            sha256,
            media_type: media_type.to_owned(),
            bytes: upload.bytes.len() as u64,
            // Both at most MAX_SIDE.
            width: size.width as u32,
            height: size.height as u32,
            file_name: upload.file_name,
        };
        Ok(Photo {
            bytes: upload.bytes,
            record,
        })
    }

    /// Writes the photo under `evidence_dir`: to a temporary file beside its final name, synced,
    /// then renamed, so a reader never finds half a photo. The same photo uploaded again is the
    /// same file.
    fn store(&self, evidence_dir: &std::path::Path) -> std::io::Result<()> {
        let folder = evidence_dir.join(FOLDER);
        std::fs::create_dir_all(&folder)?;
        let mut file = tempfile::NamedTempFile::new_in(&folder)?;
        file.write_all(&self.bytes)?;
        file.as_file().sync_all()?;
        file.persist(evidence_dir.join(&self.record.path))
            .map_err(|e| e.error)?;
        Ok(())
    }
}

/// Whether `actor` may add photos to `case`: whoever may handle it, while it is open.
fn permitted(actor: &Actor, case: &Case, config: &Config) -> Result<(), PhotoError> {
    permissions::may_see(actor, case, config)?;
    permissions::may(actor, case, Action::Handle, config)?;
    if !case.state.is_open() {
        return Err(PhotoError::Ended {
            case: case.id.clone(),
            state: case.state,
        });
    }
    Ok(())
}

impl Dispatcher {
    /// Case `id`, if `actor` may add photos to it: checked before an upload is read.
    pub async fn may_add_photos(&self, actor: &Actor, id: &str) -> Result<Case, PhotoError> {
        let case = self.case(actor, id).await?;
        permitted(actor, &case, &self.config)?;
        Ok(case)
    }

    /// Checks `uploads` and writes them to the evidence folder, off the async runtime; they
    /// belong to no case until a change records them. All or nothing: one refused photo and none
    /// is kept. Files written before a later failure stay: named by their content, they are the
    /// same files a retry writes.
    pub async fn keep_photos(&self, uploads: Vec<Upload>) -> Result<Kept, PhotoError> {
        if uploads.len() > MAX_PHOTOS_PER_UPLOAD {
            return Err(PhotoError::TooMany);
        }
        let evidence_dir = self.config.storage.evidence_dir.clone();
        let folder = evidence_dir.join(FOLDER);
        tokio::task::spawn_blocking(move || {
            let photos = uploads
                .into_iter()
                .map(Photo::check)
                .collect::<Result<Vec<_>, _>>()?;
            for photo in &photos {
                photo.store(&evidence_dir).map_err(|source| PhotoError::Storage {
                    folder: evidence_dir.join(FOLDER),
                    source,
                })?;
            }
            Ok::<_, PhotoError>(Kept(photos))
        })
        .await
        .map_err(|e| PhotoError::Storage {
            folder,
            source: std::io::Error::other(e),
        })?
    }

    /// Checks and stores `uploads` as photos of case `id`, each recorded in the case's audit
    /// chain; returns them as the case's evidence lists them.
    pub async fn add_photos(
        &self,
        actor: &Actor,
        id: &str,
        uploads: Vec<Upload>,
    ) -> Result<Vec<Artifact>, PhotoError> {
        if uploads.len() > MAX_PHOTOS_PER_UPLOAD {
            return Err(PhotoError::TooMany);
        }
        self.may_add_photos(actor, id).await?;
        let kept = self.keep_photos(uploads).await?;
        let mut change = self.change().await?;
        // The case may have moved on while the photos were written.
        let case = change.case(id).await?;
        permitted(actor, &case, &self.config)?;
        let case = Case {
            updated_at: change.now_ms(),
            ..case
        };
        change.record_photos(&case, actor, &kept).await?;
        // As the audit entry keeps it: to the millisecond.
        let at = DateTime::<Utc>::from_timestamp_millis(change.now_ms()).unwrap_or(change.now);
        change.commit().await?;
        Ok(kept
            .0
            .into_iter()
            .map(|p| p.record.artifact(id, &actor.name, at))
            .collect())
    }
}

/// Photos checked and written to the evidence folder, not yet recorded on a case.
pub struct Kept(Vec<Photo>);

impl Change<'_> {
    /// Records each of `kept` in `case`'s audit chain as added by `actor`.
    pub(crate) async fn record_photos(
        &mut self,
        case: &Case,
        actor: &Actor,
        kept: &Kept,
    ) -> Result<(), DispatchError> {
        for photo in &kept.0 {
            let detail = serde_json::to_value(&photo.record).expect("records serialize");
            self.note(case, actor, AUDIT_ACTION, detail).await?;
        }
        Ok(())
    }
}
