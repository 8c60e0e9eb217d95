//! Camera availability, as the command centre needs to see it: whether frames arrive, and whether
//! what they show can be trusted (a frozen, dark or turned camera delivers frames that are useless).

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
    /// Frames arrive, but the picture has not changed for longer than the configured limit (a
    /// stuck encoder repeating one frame).
    Frozen,
    /// The picture is black or covered: very dark and nearly uniform for longer than the
    /// configured limit.
    Dark,
    /// The scene no longer matches the reference picture its zones were drawn on (the camera was
    /// turned); its rules are paused until the view is restored.
    Moved,
}

impl CameraState {
    /// Every state, in the order pages and metrics list them.
    pub const ALL: [CameraState; 6] = [
        CameraState::Online,
        CameraState::Offline,
        CameraState::Stalled,
        CameraState::Frozen,
        CameraState::Dark,
        CameraState::Moved,
    ];

    /// The state as events and the store write it.
    pub fn as_str(self) -> &'static str {
        match self {
            CameraState::Online => "online",
            CameraState::Offline => "offline",
            CameraState::Stalled => "stalled",
            CameraState::Frozen => "frozen",
            CameraState::Dark => "dark",
            CameraState::Moved => "moved",
        }
    }

    /// Frames arrive but are useless until someone sees to the camera itself.
    pub fn needs_maintenance(self) -> bool {
        matches!(self, CameraState::Frozen | CameraState::Dark | CameraState::Moved)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_is_written_as_serde_writes_it() {
        for state in CameraState::ALL {
            assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
        }
    }
}
