//! `[[cameras]]`: where each camera's streams come from, where it stands, and its zones.

use std::time::Duration;

use serde::Deserialize;

use super::time::Span;
use crate::{CameraId, GeoPoint, Homography, ImagePoint, ImagePolygon, ZoneId, ZoneRole};

/// One camera.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Camera {
    pub id: CameraId,
    /// What operators call it, e.g. a street corner.
    #[serde(default)]
    pub name: Option<String>,
    /// The stream that is analysed (often the camera's low-resolution sub-stream): `rtsp://`,
    /// `rtsps://`, `http(s)://`, `file://` or a file path (relative to this config file).
    pub uri: String,
    /// The main stream, used only to cut evidence clips. Defaults to `uri`.
    #[serde(default)]
    pub record_uri: Option<String>,
    /// Where the camera stands; the place of its events when it has no calibration.
    pub location: GeoPoint,
    #[serde(default)]
    pub decode: DecodePolicy,
    /// How RTSP streams are carried.
    #[serde(default)]
    pub transport: Transport,
    /// For recordings played as live cameras: start again at the end instead of ending.
    #[serde(default)]
    pub looped: bool,
    #[serde(default)]
    pub reconnect: Reconnect,
    /// Connected but silent for this long is reported as stalled.
    #[serde(default = "default_stall_after")]
    pub stall_after: Span,
    /// Surveyed pixel ↔ ground pairs, for placing each violation on the map.
    #[serde(default)]
    pub calibration: Option<Calibration>,
    #[serde(default)]
    pub zones: Vec<Zone>,
    /// How the camera was lawfully set up and marked, for evidence packages; a package says
    /// plainly when a camera has none.
    #[serde(default)]
    pub registration: Option<Registration>,
}

/// The record of a camera's setting-up (设置审批): who approved it, under which reference, when
/// it was installed and whether the public is told by a sign. Every field is optional; what is
/// missing is said to be missing.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// Who approved the camera's setting-up, e.g. the bureau or its legal office.
    #[serde(default)]
    pub approved_by: Option<String>,
    /// The approval's document number.
    #[serde(default)]
    pub approval_ref: Option<String>,
    /// The day it was installed, e.g. `2026-03-01`.
    #[serde(default)]
    pub installed_on: Option<String>,
    /// Whether a sign in public view marks the camera (the lawful marking, 明显标识).
    #[serde(default)]
    pub sign_posted: Option<bool>,
    /// Where the sign stands or what it says.
    #[serde(default)]
    pub sign_note: Option<String>,
}

impl Camera {
    /// The image → ground mapping, when the camera is calibrated.
    pub fn homography(&self) -> Option<Homography> {
        let c = self.calibration.as_ref()?;
        Some(
            c.fit()
                .expect("calibrations are checked when the config is loaded"),
        )
    }
}

fn default_stall_after() -> Span {
    Span(Duration::from_secs(30))
}

/// RTSP transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// Interleaved in the RTSP connection: passes NAT and firewalls, no loss.
    #[default]
    Tcp,
    /// RTP over UDP: lower latency on clean networks.
    Udp,
}

/// Pauses between reconnection attempts: doubling from `initial` up to `max`, with ±`jitter`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Reconnect {
    pub initial: Span,
    pub max: Span,
    /// Fraction by which each pause is randomly stretched or shrunk, 0…1.
    pub jitter: f64,
}

impl Default for Reconnect {
    fn default() -> Self {
        Self {
            initial: Span(Duration::from_secs(1)),
            max: Span(Duration::from_secs(60)),
            jitter: 0.2,
        }
    }
}

/// Which frames reach the detector. Dwell-based rules need a look every second or two, not 25.
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DecodePolicy {
    /// Decode and analyse every frame.
    All,
    /// Only intra-coded frames reach the decoder: the cheapest choice.
    #[default]
    Keyframes,
    /// Decode everything, analyse `N` frames per second (`decode = { fps = 2 }`).
    Fps(f64),
}

/// Four or more image points with their surveyed ground positions, pair by pair.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// `[x, y]` pixels in the analysed stream.
    pub image: Vec<[f64; 2]>,
    pub geo: Vec<GeoPoint>,
}

impl Calibration {
    pub fn fit(&self) -> Result<Homography, crate::geometry::HomographyError> {
        let image: Vec<ImagePoint> = self.image.iter().map(|&[x, y]| ImagePoint::new(x, y)).collect();
        Homography::fit(&image, &self.geo)
    }
}

/// A named area of the image with a role that rules refer to.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    pub id: ZoneId,
    pub role: ZoneRole,
    /// The outline as `[x, y]` pixels of the analysed stream.
    pub points: Vec<[f64; 2]>,
}

impl Zone {
    pub fn outline(&self) -> ImagePolygon {
        ImagePolygon::new(&self.points).expect("zone outlines are checked when the config is loaded")
    }
}
