//! Which of a case's evidence pictures a list shows, and in what order: the annotated frames
//! first (the box tells the reviewer what the camera saw), then the plain frames. Clips and
//! other files are left to the case page.

use futures_util::future::join_all;

use crate::{
    cases::Case,
    evidence::{Artifact, ArtifactKind},
    Dispatcher,
};

/// A picture a browser may show inline, as a thumbnail: a list shows many at once, often on a
/// phone's data plan. The case page shows the full files.
pub struct Picture {
    pub url: String,
    pub annotated: bool,
}

/// The pictures of each of `cases` (read already, as the visitor may see them), in the same order.
/// A case whose evidence cannot be read shows none: the list is still worth seeing.
pub async fn of_cases(d: &Dispatcher, cases: &[Case]) -> Vec<Vec<Picture>> {
    join_all(cases.iter().map(|c| async move {
        d.sealed_artifacts(c)
            .await
            .map(|artifacts| pictures(&artifacts))
            .unwrap_or_default()
    }))
    .await
}

fn pictures(artifacts: &[Artifact]) -> Vec<Picture> {
    let shown = |kind: ArtifactKind| {
        artifacts
            .iter()
            .filter(move |a| a.kind == kind)
            .filter_map(move |a| {
                Some(Picture {
                    url: a.thumbnail_url()?,
                    annotated: kind == ArtifactKind::AnnotatedFrame,
                })
            })
    };
    shown(ArtifactKind::AnnotatedFrame)
        .chain(shown(ArtifactKind::Frame))
        .collect()
}
