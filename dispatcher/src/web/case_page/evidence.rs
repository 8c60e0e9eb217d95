//! The case's evidence as the page shows it: each sighting's frames at first sighting and at
//! confirmation (annotated first, the plain frame beside), its clip, and each file's size and
//! SHA-256 for the legal reviewers.

use std::collections::BTreeMap;

use super::{words::CaseWords, Clock, Shot, Shown, Sighting};
use crate::evidence::{Artifact, ArtifactKind};

pub(super) fn short(sha: &str) -> String {
    sha.chars().take(12).collect()
}

fn size_words(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.0} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

pub(super) fn shown(a: &Artifact, clock: &Clock) -> Shown {
    let sha256 = a.sha256.to_string();
    Shown {
        download: format!("{}?download=1", a.url),
        url: a.url.clone(),
        sha_short: short(&sha256),
        sha256,
        inline: a.shown_as().is_some(),
        size: size_words(a.bytes),
        at: clock.local(a.captured_at.timestamp_millis()),
        by: a.uploaded_by.clone().unwrap_or_default(),
    }
}

/// The pipeline's artifacts by event, in arrival order; within one, the n-th plain frame pairs
/// with the n-th annotated one (the recorder saves them so: first sighting, then confirmation).
pub(super) fn sightings(artifacts: &[Artifact], t: &CaseWords, clock: &Clock) -> Vec<Sighting> {
    let mut order: Vec<&str> = Vec::new();
    let mut by_event: BTreeMap<&str, Vec<&Artifact>> = BTreeMap::new();
    for a in artifacts.iter().filter(|a| a.kind != ArtifactKind::Photo) {
        let event = a.event.as_deref().unwrap_or_default();
        if !by_event.contains_key(event) {
            order.push(event);
        }
        by_event.entry(event).or_default().push(a);
    }
    order
        .iter()
        .enumerate()
        .map(|(i, event)| {
            let of = |kind| -> Vec<&Artifact> {
                by_event[event]
                    .iter()
                    .copied()
                    .filter(|a| a.kind == kind)
                    .collect()
            };
            let (plain, annotated) = (of(ArtifactKind::Frame), of(ArtifactKind::AnnotatedFrame));
            let count = plain.len().max(annotated.len());
            let shots = (0..count)
                .map(|n| Shot {
                    label: match (count, n) {
                        (1, _) => t.frame,
                        (_, 0) => t.first_sighting,
                        (c, n) if n == c - 1 => t.confirmation,
                        _ => t.frame,
                    },
                    annotated: annotated.get(n).map(|a| shown(a, clock)),
                    plain: plain.get(n).map(|a| shown(a, clock)),
                })
                .collect();
            let first = by_event[event]
                .first()
                .map(|a| clock.local(a.captured_at.timestamp_millis()));
            Sighting {
                poster: annotated.last().map(|a| a.url.clone()).unwrap_or_default(),
                label: format!("{} {} · {}", t.sighting, i + 1, first.unwrap_or_default()),
                shots,
                clips: of(ArtifactKind::Clip).iter().map(|a| shown(a, clock)).collect(),
            }
        })
        .collect()
}
