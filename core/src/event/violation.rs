//! A confirmed violation and the notice that it has ended.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::EvidenceRef;
use crate::{CameraId, GeoPoint, ImageBox, RuleId, ViolationKind, ZoneId};

/// Namespace of gridwatch's name-based (v5) event ids.
const EVENT_NAMESPACE: Uuid = Uuid::from_u128(0x6a1f_5c2e_93d4_4b7a_8e21_0c5f_d3a9_b7e4);

/// The identity of one violation: the same camera, kind, track and onset always give the same id,
/// so a re-sent event is recognised as the same one wherever it arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventId(Uuid);

impl EventId {
    /// Derives the id. The onset enters at millisecond precision, the precision of the JSON form.
    pub fn derive(camera: &CameraId, kind: &ViolationKind, track: u64, onset: DateTime<Utc>) -> Self {
        // Identifiers cannot contain '\n', so the joined name is unambiguous.
        let name = format!("{camera}\n{kind}\n{track}\n{}", onset.timestamp_millis());
        Self(Uuid::new_v5(&EVENT_NAMESPACE, name.as_bytes()))
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The detector that saw the violation, as named by its model card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelRef {
    pub name: String,
    pub version: String,
}

/// How an event's location was obtained, which tells the dispatcher how far to trust it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationSource {
    /// The violation's ground point, projected through the camera's calibrated homography.
    Projected,
    /// The camera's own position: the camera has no calibration.
    Camera,
}

/// A violation a rule has confirmed: evidence for a human, never a penalty by itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViolationEvent {
    pub id: EventId,
    pub kind: ViolationKind,
    pub camera: CameraId,
    /// The zone the rule matched; absent for rules of the form "outside every allowed zone".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<ZoneId>,
    pub rule: RuleId,
    pub track: u64,
    /// When the subject was first seen in violation.
    pub onset: DateTime<Utc>,
    /// When the rule's dwell and confirmation were satisfied.
    pub confirmed_at: DateTime<Utc>,
    /// The subject's box in source-frame pixels at confirmation.
    pub image_box: ImageBox,
    /// The boxes of everything else detected in the evidence frame that is not part of the case
    /// (passers-by, other vehicles): what copies leaving the system blur. Absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bystanders: Vec<ImageBox>,
    pub location: GeoPoint,
    pub location_source: LocationSource,
    /// The rule's confidence in the violation, 0…1.
    pub confidence: f64,
    pub model: ModelRef,
    pub evidence: Vec<EvidenceRef>,
}

/// The subjects of a violation have been gone for the rule's clearing time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViolationCleared {
    /// The id of the [`ViolationEvent`] that has ended.
    pub id: EventId,
    pub kind: ViolationKind,
    pub camera: CameraId,
    /// When the subjects were last seen.
    pub last_seen: DateTime<Utc>,
    /// When the rule declared the violation over.
    pub cleared_at: DateTime<Utc>,
}
