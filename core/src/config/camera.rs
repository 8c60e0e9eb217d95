//! `[[cameras]]`: where each camera's streams come from, where it stands, and its zones.

use std::{path::PathBuf, time::Duration};

use serde::Deserialize;

use super::{time::Span, Rule, ZoneMatch};
use crate::{CameraId, GeoPoint, Homography, ImageBox, ImagePoint, ImagePolygon, ZoneId, ZoneRole};

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
    /// The part of the picture the detector is shown.
    #[serde(default)]
    pub analysis: Analysis,
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

    /// The part of the frame the detector is shown, in pixels of the analysed stream, before it
    /// is clipped to the frame (whose size is known only when frames arrive); `None` is the
    /// whole frame. Without an explicit `analysis.region` it is the bounding box of the zones,
    /// padded, unless one of `rules` that applies to this camera matches outside zones (anything
    /// in the picture may then matter), or the camera has no zones.
    pub fn analysed_area(&self, rules: &[Rule]) -> Option<ImageBox> {
        match self.analysis.region {
            Some(AnalysisRegion::Full) => None,
            Some(AnalysisRegion::Pixels([x1, y1, x2, y2])) => Some(ImageBox { x1, y1, x2, y2 }),
            None => {
                let looks_outside = rules.iter().any(|rule| {
                    matches!(rule.zone, ZoneMatch::Outside(_))
                        && rule.cameras.as_ref().is_none_or(|ids| ids.contains(&self.id))
                });
                if looks_outside {
                    return None;
                }
                let points = self.zones.iter().flat_map(|z| &z.points);
                let (xs, ys): (Vec<f64>, Vec<f64>) = points.map(|&[x, y]| (x, y)).unzip();
                let min = |v: &[f64]| v.iter().copied().reduce(f64::min);
                let max = |v: &[f64]| v.iter().copied().reduce(f64::max);
                let pad = self.analysis.padding();
                Some(ImageBox {
                    x1: min(&xs)? - pad,
                    y1: min(&ys)? - pad,
                    x2: max(&xs)? + pad,
                    y2: max(&ys)? + pad,
                })
            }
        }
    }
}

/// `analysis = { … }`: cropping each frame to where the rules look, before it is scaled to the
/// model's input, gives the model more pixels per object for the same cost.
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Analysis {
    /// `[x0, y0, x1, y1]` in pixels of the analysed stream, or `"full"`. Without it, the
    /// bounding box of the camera's zones, padded (see [`Camera::analysed_area`]).
    #[serde(default)]
    pub region: Option<AnalysisRegion>,
    /// Pixels added on every side of the zones' bounding box.
    #[serde(default)]
    pub padding: Option<f64>,
}

/// The default of `analysis.padding`. Objects standing in a zone rise above it, and a zone's top
/// edge is its far side, where they are smallest: 128 pixels keeps a person standing at that edge
/// of a D1 or 720p stream whole.
pub const DEFAULT_ANALYSIS_PADDING: f64 = 128.0;

impl Analysis {
    pub fn padding(&self) -> f64 {
        self.padding.unwrap_or(DEFAULT_ANALYSIS_PADDING)
    }
}

/// `analysis.region`: the whole frame, or a rectangle of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AnalysisRegion {
    Full,
    /// `[x0, y0, x1, y1]`: the left, top, right and bottom edges.
    Pixels([f64; 4]),
}

impl<'de> Deserialize<'de> for AnalysisRegion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Word(String),
            Pixels([f64; 4]),
        }
        let expected = "an analysis region is \"full\" or [x0, y0, x1, y1] in pixels";
        match Written::deserialize(d).map_err(|_| serde::de::Error::custom(expected))? {
            Written::Word(word) if word == "full" => Ok(Self::Full),
            Written::Word(word) => Err(serde::de::Error::custom(format!("`{word}`: {expected}"))),
            Written::Pixels(edges) => Ok(Self::Pixels(edges)),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A camera with two zones whose bounding box is 100…700 × 300…500, and `extra` keys.
    fn camera(extra: &str) -> Camera {
        toml::from_str(&format!(
            r#"
            id = "east-gate"
            uri = "rtsp://10.0.0.5/sub"
            location = {{ lon = 119.3, lat = 26.07 }}
            zones = [
              {{ id = "pavement", role = "pavement", points = [[100, 400], [400, 300], [400, 500]] }},
              {{ id = "bay", role = "parking_bay", points = [[500, 350], [700, 350], [700, 450]] }},
            ]
            {extra}
            "#
        ))
        .unwrap()
    }

    fn rule(zone: &str, cameras: &str) -> Rule {
        toml::from_str(&format!(
            r#"
            id = "r"
            kind = "street_vending"
            subjects = [{{ class = "cart" }}]
            zone = {zone}
            dwell = "5m"
            {cameras}
            "#
        ))
        .unwrap()
    }

    fn area(x1: f64, y1: f64, x2: f64, y2: f64) -> Option<ImageBox> {
        Some(ImageBox { x1, y1, x2, y2 })
    }

    #[test]
    fn by_default_the_zones_bounding_box_is_analysed_padded() {
        let inside = [rule(r#"{ inside = ["pavement"] }"#, "")];
        let pad = DEFAULT_ANALYSIS_PADDING;
        assert_eq!(
            camera("").analysed_area(&inside),
            area(100.0 - pad, 300.0 - pad, 700.0 + pad, 500.0 + pad)
        );
        assert_eq!(
            camera("analysis = { padding = 0 }").analysed_area(&inside),
            area(100.0, 300.0, 700.0, 500.0)
        );
        assert_eq!(
            camera("analysis = { padding = 10 }").analysed_area(&[]),
            area(90.0, 290.0, 710.0, 510.0),
            "no rules look outside zones"
        );
    }

    #[test]
    fn a_rule_looking_outside_zones_on_this_camera_makes_the_default_the_whole_frame() {
        let outside = r#"{ outside = ["parking_bay"] }"#;
        assert_eq!(camera("").analysed_area(&[rule(outside, "")]), None);
        let here = rule(outside, r#"cameras = ["north", "east-gate"]"#);
        assert_eq!(camera("").analysed_area(&[here]), None);
        let elsewhere = rule(outside, r#"cameras = ["north"]"#);
        assert_eq!(
            camera("analysis = { padding = 0 }").analysed_area(&[elsewhere]),
            area(100.0, 300.0, 700.0, 500.0),
            "a rule for other cameras does not widen this one's"
        );
    }

    #[test]
    fn a_camera_without_zones_is_analysed_whole() {
        let mut bare = camera("");
        bare.zones.clear();
        assert_eq!(bare.analysed_area(&[]), None);
    }

    #[test]
    fn an_explicit_region_replaces_the_default() {
        let outside = [rule(r#"{ outside = ["parking_bay"] }"#, "")];
        assert_eq!(
            camera("analysis = { region = [0, 200, 1280, 720] }").analysed_area(&outside),
            area(0.0, 200.0, 1280.0, 720.0),
            "the city knows best"
        );
        assert_eq!(
            camera(r#"analysis = { region = "full" }"#).analysed_area(&[]),
            None
        );
    }

    #[test]
    fn a_region_is_full_or_four_edges() {
        for written in [r#""whole""#, "[0, 0, 10]", "7"] {
            let error = toml::from_str::<Analysis>(&format!("region = {written}")).unwrap_err();
            assert!(
                error
                    .message()
                    .contains(r#"an analysis region is "full" or [x0, y0, x1, y1] in pixels"#),
                "{written}: {error}"
            );
        }
    }
}
