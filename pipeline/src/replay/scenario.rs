//! A replay scenario folder: `scenario.toml` (the camera, when the footage starts, rule
//! overrides) and `truth.toml` (what the footage must and must not yield).

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use chrono::{DateTime, FixedOffset, Utc};
use gridwatch_core::config::{check_camera, parse_document, time::Span, Camera, Rule};
use serde::Deserialize;

use super::ReplayError;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    scenario: Meta,
    camera: Camera,
    #[serde(default)]
    rules: BTreeMap<String, Overrides>,
    #[serde(default)]
    thresholds: Thresholds,
}

/// The least precision and recall each kind must reach for the scenario to pass.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    pub precision: f64,
    pub recall: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            precision: 0.9,
            recall: 0.9,
        }
    }
}

/// Facts about the footage.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub name: String,
    pub seed: u64,
    #[serde(deserialize_with = "datetime")]
    pub start: DateTime<FixedOffset>,
    pub seconds: f64,
    pub fps: u32,
    pub width: u32,
    pub height: u32,
    pub night: bool,
}

fn datetime<'de, D: serde::Deserializer<'de>>(d: D) -> Result<DateTime<FixedOffset>, D::Error> {
    let value = toml::value::Datetime::deserialize(d)?;
    DateTime::parse_from_rfc3339(&value.to_string()).map_err(serde::de::Error::custom)
}

/// Rule settings a scenario shortens so that its footage can stay short.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    pub dwell: Option<Span>,
    pub clear_after: Option<Span>,
    pub cooldown: Option<Span>,
}

/// What the footage must yield.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Truth {
    #[serde(default)]
    pub expected: Vec<Expected>,
    #[serde(default)]
    pub must_not_fire: Vec<Negative>,
}

/// A violation the footage contains. Times are seconds from the first frame.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    pub actor: String,
    pub kind: String,
    pub rule: String,
    #[serde(default)]
    pub zone: Option<String>,
    /// When the subject is in place.
    pub present: [f64; 2],
    /// Where the event's onset must fall.
    pub onset: [f64; 2],
    /// Where its confirmation is expected.
    pub confirmed: [f64; 2],
    #[serde(default)]
    pub cleared: Option<[f64; 2]>,
}

/// Something in the footage that must not produce an event, and why.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Negative {
    pub actor: String,
    pub reason: String,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub rule: Option<String>,
    #[serde(default)]
    pub zone: Option<String>,
    #[serde(default)]
    pub present: Option<[f64; 2]>,
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub dir: PathBuf,
    pub meta: Meta,
    /// The camera, its stream path resolved against the scenario folder.
    pub camera: Camera,
    pub overrides: BTreeMap<String, Overrides>,
    pub thresholds: Thresholds,
    pub truth: Truth,
}

impl Scenario {
    /// Reads a scenario folder; its camera is checked as a configuration's cameras are.
    pub fn load(dir: &Path) -> Result<Self, ReplayError> {
        let read = |name: &str| {
            let path = dir.join(name);
            let text = std::fs::read_to_string(&path).map_err(|e| ReplayError::Scenario {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            Ok::<_, ReplayError>((path, text))
        };
        let (path, text) = read("scenario.toml")?;
        let file: File = parse_document(&path, &text)?;
        check_camera(&path, &text, "camera", &file.camera)?;
        let (path, text) = read("truth.toml")?;
        let truth: Truth = parse_document(&path, &text)?;
        let mut camera = file.camera;
        if !camera.uri.contains("://") {
            camera.uri = dir.join(&camera.uri).display().to_string();
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            meta: file.scenario,
            camera,
            overrides: file.rules,
            thresholds: file.thresholds,
            truth,
        })
    }

    /// The first frame's wall-clock time.
    pub fn start(&self) -> DateTime<Utc> {
        self.meta.start.with_timezone(&Utc)
    }

    /// The configuration's rules with this scenario's overrides applied; an override naming a
    /// rule the configuration lacks is an error.
    pub fn rules(&self, configured: &[Rule]) -> Result<Vec<Rule>, ReplayError> {
        for id in self.overrides.keys() {
            if !configured.iter().any(|r| r.id.as_str() == id) {
                return Err(ReplayError::Scenario {
                    path: self.dir.join("scenario.toml"),
                    reason: format!("overrides rule `{id}`, which the configuration does not have"),
                });
            }
        }
        Ok(configured
            .iter()
            .map(|rule| {
                let mut rule = rule.clone();
                if let Some(o) = self.overrides.get(rule.id.as_str()) {
                    rule.dwell = o.dwell.unwrap_or(rule.dwell);
                    rule.clear_after = o.clear_after.unwrap_or(rule.clear_after);
                    rule.cooldown = o.cooldown.unwrap_or(rule.cooldown);
                }
                rule
            })
            .collect())
    }
}
