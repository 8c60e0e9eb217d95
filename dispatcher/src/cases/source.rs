//! Where a case came from: found by a camera, or reported by people — a 12345 hotline ticket
//! arriving through Open311, or a grid member's patrol report (巡查上报). Every source enters the
//! same loop; the source stays with the case so the bureau can see what the cameras add.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A camera's rules confirmed it.
    Camera,
    /// A citizen's complaint, forwarded by the 12345 hotline or another Open311 client.
    Hotline,
    /// A grid member reported it from the street.
    Patrol,
}

impl Source {
    pub const ALL: [Source; 3] = [Source::Camera, Source::Hotline, Source::Patrol];

    /// The name the store, the API and configuration use.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Camera => "camera",
            Source::Hotline => "hotline",
            Source::Patrol => "patrol",
        }
    }

    pub fn parse(name: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Reported by people rather than found by a machine.
    pub fn by_people(self) -> bool {
        self != Source::Camera
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
