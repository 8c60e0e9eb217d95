//! Camera availability, as the command centre needs to see it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::CameraId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraState {
    /// Frames are arriving.
    Online,
    /// The stream has failed or ended; the pipeline is reconnecting.
    Offline,
    /// Connected, but no frame has arrived for longer than the configured limit.
    Stalled,
}

/// A camera changed state. Sent on transitions only, not as a heartbeat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CameraHealth {
    pub camera: CameraId,
    pub state: CameraState,
    pub at: DateTime<Utc>,
    /// What went wrong, in the operator's words (e.g. the GStreamer error), when not online.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}
