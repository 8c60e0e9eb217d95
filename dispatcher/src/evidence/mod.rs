//! A case's evidence: the artifacts the pipeline sealed for each violation that raised or joined
//! the case, and the [`photos`] grid members upload as proof of handling. This module lists them,
//! finds the file behind a digest, keeps every file inside the evidence folder and says which
//! media types a browser may show; [`check`] verifies the stored files against their hashes
//! (`gridwatch audit verify`); [`thumbnails`] makes and keeps the small copies lists show;
//! [`package`] puts a case's evidence in one file for legal review and checks such a file.
//!
//! Nothing here is new state: a pipeline artifact is known from its event, a photo from its
//! `photo` entry in the case's audit chain.

pub mod package;
pub mod photos;
mod seals;
pub mod thumbnails;

use std::path::{Component, Path, PathBuf};

use chrono::{DateTime, Utc};
use gridwatch_core::{EvidenceKind, EvidenceRef, Sha256Hex, ViolationEvent};
use serde::Serialize;

pub use seals::check;

use crate::{
    cases::{audit::Entry, Case},
    store, Actor, DispatchError, Dispatcher,
};

/// What an artifact shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactKind {
    Frame,
    AnnotatedFrame,
    Clip,
    /// Uploaded by a grid member as proof of handling.
    Photo,
}

impl ArtifactKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactKind::Frame => "frame",
            ArtifactKind::AnnotatedFrame => "annotated_frame",
            ArtifactKind::Clip => "clip",
            ArtifactKind::Photo => "photo",
        }
    }
}

impl From<EvidenceKind> for ArtifactKind {
    fn from(kind: EvidenceKind) -> Self {
        match kind {
            EvidenceKind::Frame => ArtifactKind::Frame,
            EvidenceKind::AnnotatedFrame => ArtifactKind::AnnotatedFrame,
            EvidenceKind::Clip => ArtifactKind::Clip,
        }
    }
}

/// One artifact of a case, as the API lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Artifact {
    pub kind: ArtifactKind,
    /// As recorded; see [`Artifact::shown_as`] for what it is served as.
    pub media_type: String,
    pub bytes: u64,
    pub sha256: Sha256Hex,
    /// What the camera's stream time says for pipeline artifacts; the upload time for photos.
    pub captured_at: DateTime<Utc>,
    /// The violation event the artifact backs (pipeline artifacts).
    pub event: Option<String>,
    /// Who uploaded it (photos).
    pub uploaded_by: Option<String>,
    /// A photo's size in pixels.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Where the API serves the file.
    pub url: String,
    /// The file, relative to the evidence folder, as recorded.
    #[serde(skip)]
    pub path: String,
}

/// The media types served for display, with the file extension each gets. A file of any other
/// type is only ever a download: a stored file must not become a page in the browser.
const SHOWN: [(&str, &str); 4] = [
    ("image/jpeg", "jpg"),
    ("image/png", "png"),
    ("image/webp", "webp"),
    ("video/mp4", "mp4"),
];

impl Artifact {
    /// A pipeline artifact of `event`, a violation linked to `case`.
    fn sealed(case: &str, event: &str, e: &EvidenceRef) -> Self {
        Self {
            kind: e.kind.into(),
            media_type: e.media_type.clone(),
            bytes: e.bytes,
            url: url(case, &e.sha256),
            sha256: e.sha256.clone(),
            captured_at: e.captured_at,
            event: Some(event.to_owned()),
            uploaded_by: None,
            width: None,
            height: None,
            path: e.path.clone(),
        }
    }

    /// The media type to serve the file as, when a browser may show it.
    pub fn shown_as(&self) -> Option<&'static str> {
        SHOWN.iter().find(|(t, _)| *t == self.media_type).map(|(t, _)| *t)
    }

    /// The name a download of this artifact of case number `number` gets: `case-12-clip.mp4`.
    pub fn download_name(&self, number: i64) -> String {
        let ext = SHOWN
            .iter()
            .find(|(t, _)| *t == self.media_type)
            .map_or("bin", |(_, ext)| *ext);
        format!("case-{number}-{}.{ext}", self.kind.as_str())
    }
}

/// Where the API serves the artifact `sha256` of `case`.
fn url(case: &str, sha256: &Sha256Hex) -> String {
    format!("/api/v1/cases/{case}/evidence/{sha256}")
}

/// Whether `path` is a plain relative path that stays inside the folder it is joined to: not
/// empty, not absolute, without `..`. Evidence paths come from events that any ingest token may
/// post, so `../../etc/passwd` must never reach the file system.
pub fn stays_inside(path: &str) -> bool {
    let components = || Path::new(path).components();
    components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        && components().any(|c| matches!(c, Component::Normal(_)))
}

/// The file an artifact's recorded `path` names under `root`, if it stays inside.
fn under(root: &Path, path: &str) -> Option<PathBuf> {
    stays_inside(path).then(|| root.join(path))
}

/// An artifact and where its file lies.
#[derive(Debug)]
pub struct EvidenceFile {
    pub case: Case,
    pub artifact: Artifact,
    pub path: PathBuf,
}

/// Why an artifact cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// No artifact of the case has that digest (404).
    #[error("case {case} has no evidence with SHA-256 `{digest}`")]
    Unknown { case: String, digest: String },
    /// The recorded path leads out of the evidence folder (404). Intake refuses such paths; this
    /// is an event stored before it did.
    #[error(
        "evidence {digest} of case {case}: its recorded path `{path}` is not inside the evidence folder"
    )]
    Outside {
        case: String,
        digest: String,
        path: String,
    },
    /// The file is not on disk (404).
    #[error("evidence {digest} of case {case}: the file `{path}` is missing from the evidence folder")]
    Missing {
        case: String,
        digest: String,
        path: String,
    },
    /// The artifact is not a picture, or its file cannot be decoded as one (404).
    #[error("evidence {digest} of case {case} has no thumbnail: {why}")]
    NoThumbnail {
        case: String,
        digest: String,
        why: String,
    },
    /// The case itself cannot be read, or not by this caller.
    #[error(transparent)]
    Case(#[from] DispatchError),
}

/// The photos uploaded for case `case`, as its audit `entries` record them, in upload order.
pub fn photos_in<'e>(case: &'e str, entries: &'e [Entry]) -> impl Iterator<Item = Artifact> + 'e {
    entries
        .iter()
        .filter_map(move |entry| photos::listed(case, entry))
}

impl Dispatcher {
    /// Every artifact of case `id`, if `actor` may see the case: each violation's in the order
    /// they arrived, then the photos in the order they were uploaded.
    pub async fn evidence(&self, actor: &Actor, id: &str) -> Result<Vec<Artifact>, DispatchError> {
        let case = self.case(actor, id).await?;
        self.artifacts_of(&case).await
    }

    async fn artifacts_of(&self, case: &Case) -> Result<Vec<Artifact>, DispatchError> {
        let entries = store::audit::entries(self.store.pool(), Some(&case.id)).await?;
        let mut artifacts = self.sealed_artifacts(case).await?;
        artifacts.extend(photos_in(&case.id, &entries));
        Ok(artifacts)
    }

    /// What the cameras sealed for `case`, a case the caller already may see: the frames and
    /// clips of its violations, in the order they arrived.
    pub async fn sealed_artifacts(&self, case: &Case) -> Result<Vec<Artifact>, DispatchError> {
        let mut artifacts = Vec::new();
        for (event, v) in self.violations_of(case).await? {
            artifacts.extend(v.evidence.iter().map(|e| Artifact::sealed(&case.id, &event, e)));
        }
        Ok(artifacts)
    }

    /// The violations that raised or joined `case`, with their stored ids, in the order they
    /// arrived. A body that no longer parses is `audit verify`'s to report; it is left out here.
    pub(crate) async fn violations_of(
        &self,
        case: &Case,
    ) -> Result<Vec<(String, ViolationEvent)>, DispatchError> {
        let stored = store::events::violations_of_case(self.store.pool(), &case.id).await?;
        Ok(stored
            .into_iter()
            .filter_map(|(event, body)| Some((event, serde_json::from_str(&body).ok()?)))
            .collect())
    }

    /// The artifact of case `id` whose SHA-256 is `digest`, and its file under the evidence
    /// folder, if `actor` may see the case and the file is there.
    pub async fn evidence_file(
        &self,
        actor: &Actor,
        id: &str,
        digest: &str,
    ) -> Result<EvidenceFile, EvidenceError> {
        let case = self.case(actor, id).await?;
        let unknown = || EvidenceError::Unknown {
            case: id.to_owned(),
            digest: digest.to_owned(),
        };
        let digest = Sha256Hex::try_from(digest.to_owned()).map_err(|_| unknown())?;
        let artifact = self
            .artifacts_of(&case)
            .await?
            .into_iter()
            .find(|a| a.sha256 == digest)
            .ok_or_else(unknown)?;
        let (case_id, digest, recorded) = (id.to_owned(), digest.to_string(), artifact.path.clone());
        let Some(path) = under(&self.config.storage.evidence_dir, &artifact.path) else {
            return Err(EvidenceError::Outside {
                case: case_id,
                digest,
                path: recorded,
            });
        };
        if !tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_file()) {
            return Err(EvidenceError::Missing {
                case: case_id,
                digest,
                path: recorded,
            });
        }
        Ok(EvidenceFile { case, artifact, path })
    }
}

#[cfg(test)]
mod tests {
    use super::stays_inside;

    #[test]
    fn evidence_paths_stay_inside_the_evidence_folder() {
        for inside in [
            "2026-06-01/cam-1/e/frame.jpg",
            "photos/a.jpg",
            "./a.jpg",
            "a..b/c",
        ] {
            assert!(stays_inside(inside), "{inside}");
        }
        for outside in ["", ".", "../x", "a/../../x", "a/..", "/etc/passwd", "//host/x"] {
            assert!(!stays_inside(outside), "{outside}");
        }
    }
}
