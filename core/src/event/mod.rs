//! The events that leave the pipeline and enter the dispatcher, over any transport.
//!
//! Their JSON shape is documented, with examples that a test parses, in `docs/events.md`.
//! Readers ignore fields they do not know, so a newer pipeline can add fields without breaking an
//! older dispatcher.

mod evidence;
mod health;
mod violation;

pub use evidence::{EvidenceKind, EvidenceRef, Sha256Hex};
pub use health::{CameraHealth, CameraState};
pub use violation::{EventId, LocationSource, ModelRef, ViolationCleared, ViolationEvent};

use serde::{Deserialize, Serialize};

/// Any event a pipeline emits, tagged by `"type"` so one stream can carry all of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
// A few hundred bytes per event, moved a handful of times per confirmed violation: boxing the
// violation would cost every producer and consumer a pattern change for nothing measurable.
#[allow(clippy::large_enum_variant)]
pub enum PipelineEvent {
    Violation(ViolationEvent),
    ViolationCleared(ViolationCleared),
    CameraHealth(CameraHealth),
}
