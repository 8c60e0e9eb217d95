//! `[[cameras]]`: where each camera's streams come from, where it stands, and its zones.

use std::{path::PathBuf, time::Duration};

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
    /// Checks that the camera still sees what its zones were drawn on.
    #[serde(default)]
    pub view: ViewChecks,
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

/// `view = { … }`: when a camera that delivers frames is still useless — frozen on one picture,
/// dark or covered, or turned away from the scene its zones were drawn on.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ViewChecks {
    /// The picture the zones were drawn on (JPEG or PNG, relative to this file), to tell that the
    /// camera was turned. Without it, the first good frame after start is the reference for that
    /// run.
    pub reference: Option<PathBuf>,
    /// The same picture for this long is reported frozen.
    pub frozen_after: Span,
    /// A dark, nearly uniform picture for this long is reported dark.
    pub dark_after: Span,
    /// The view is reported moved when a zone point would move this many pixels (of the analysed
    /// stream) to match the reference; the camera's rules pause until it is back.
    pub moved_px: f64,
    /// How often the view is compared with the reference.
    pub check_every: Span,
}

/// The default of `view.frozen_after`.
pub const DEFAULT_FROZEN_AFTER: Duration = Duration::from_secs(60);
/// The default of `view.dark_after`.
pub const DEFAULT_DARK_AFTER: Duration = Duration::from_secs(30);
/// The default of `view.moved_px`.
pub const DEFAULT_MOVED_PX: f64 = 40.0;
/// The default of `view.check_every`.
pub const DEFAULT_CHECK_EVERY: Duration = Duration::from_secs(30);

impl Default for ViewChecks {
    fn default() -> Self {
        Self {
            reference: None,
            frozen_after: Span(DEFAULT_FROZEN_AFTER),
            dark_after: Span(DEFAULT_DARK_AFTER),
            moved_px: DEFAULT_MOVED_PX,
            check_every: Span(DEFAULT_CHECK_EVERY),
        }
    }
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
