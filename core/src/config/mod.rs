//! The configuration file: one TOML document describing a city's cameras, zones, rules, grids,
//! roster, model, storage and API.
//!
//! [`Config::load`] reads it in two passes. The first deserializes it; a syntax error, an unknown
//! key or a malformed value stops it there with the position of that one mistake. The second checks
//! the document as a whole (references, counts, geometry, the grids file) and reports every problem
//! it finds. Each error reads `file:line:column: sentence`. Nothing starts on a bad config.
//!
//! Relative paths in the file are relative to the file itself, and are made absolute on load.

mod camera;
pub(crate) mod diagnostic;
mod dispatch;
mod grid;
mod roster;
mod rule;
pub mod time;
mod validate;

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    path::{Path, PathBuf},
};

use serde::{de::Error as _, Deserialize, Deserializer};

pub use camera::{
    Analysis, AnalysisRegion, Calibration, Camera, DecodePolicy, Reconnect, Registration, Transport,
    ViewChecks, Zone, DEFAULT_ANALYSIS_PADDING, DEFAULT_CHECK_EVERY, DEFAULT_DARK_AFTER,
    DEFAULT_FROZEN_AFTER, DEFAULT_MOVED_PX,
};
pub use diagnostic::{ConfigError, ConfigErrors};
pub use dispatch::{CasePolicy, Dispatch, Front, Grading, Role, Shop, Token, Webhook};
pub use grid::{Grid, GridSource};
pub use roster::{Member, Shift, Team};
pub use rule::{Anchor, ClassMatch, Companion, Confirm, Exemption, Rule, ZoneMatch};
use time::TimeZone;

use crate::ViolationKind;

/// The whole file, as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub city: City,
    pub storage: Storage,
    pub api: Api,
    pub grids: GridSource,
    /// The detector; required by the commands that analyse video.
    #[serde(default)]
    pub model: Option<ModelSource>,
    /// Where events go besides the events file.
    #[serde(default)]
    pub output: Output,
    /// Where `gridwatch run` serves its Prometheus metrics.
    #[serde(default)]
    pub metrics: Metrics,
    /// How `gridwatch worker` processes share the cameras.
    #[serde(default)]
    pub workers: Workers,
    /// How detections are followed over time; the defaults suit most detectors.
    #[serde(default)]
    pub tracking: Tracking,
    /// Violation kinds beyond the built-in three, or new display names for those.
    #[serde(default)]
    pub kinds: BTreeMap<ViolationKind, KindInfo>,
    /// Named duty periods that team members work.
    #[serde(default)]
    pub shifts: BTreeMap<String, Shift>,
    #[serde(default)]
    pub teams: Vec<Team>,
    #[serde(default)]
    pub cameras: Vec<Camera>,
    #[serde(default)]
    pub rules: Vec<Rule>,
    #[serde(default)]
    pub dispatch: Dispatch,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct City {
    pub name: String,
    /// Time windows and shifts are in this zone.
    pub timezone: TimeZone,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Storage {
    /// `sqlite:PATH` (embedded; the path relative to this file) or `postgres://…`.
    pub database: String,
    /// Where evidence images and clips are kept.
    pub evidence_dir: PathBuf,
    /// How much of the stream an evidence clip holds before and after the violation's onset.
    #[serde(default = "default_clip_span")]
    pub clip_before: time::Span,
    #[serde(default = "default_clip_span")]
    pub clip_after: time::Span,
}

fn default_clip_span() -> time::Span {
    time::Span(std::time::Duration::from_secs(10))
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Api {
    /// Address and port the API and web pages listen on.
    #[serde(deserialize_with = "socket_addr")]
    pub bind: SocketAddr,
    /// Mark the sign-in cookie `Secure`, for pages served over HTTPS (behind a TLS proxy). Off by
    /// default: a city intranet often serves plain HTTP, where a secure cookie is never sent back.
    #[serde(default)]
    pub secure_cookies: bool,
    /// Open311 GeoReport v2 under `/open311/v2`.
    #[serde(default)]
    pub open311: Open311,
}

/// Open311 GeoReport v2: the civic standard through which the 12345 hotline and other systems
/// read cases and post tickets.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Open311 {
    /// Reads (services and requests) answer without a key, with the public fields only, as the
    /// standard has them. `false` asks a key or a signed-in session for every read.
    #[serde(default = "default_open311_public")]
    pub public: bool,
    /// Decimal places of a public request's latitude and longitude: 3 (about 100 m) places it on
    /// its street, not at a doorway.
    #[serde(default = "default_public_place_decimals")]
    pub public_place_decimals: u8,
}

impl Default for Open311 {
    fn default() -> Self {
        Self {
            public: default_open311_public(),
            public_place_decimals: default_public_place_decimals(),
        }
    }
}

fn default_open311_public() -> bool {
    true
}

fn default_public_place_decimals() -> u8 {
    3
}

fn socket_addr<'de, D: Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    let s = String::deserialize(d)?;
    s.parse().map_err(|_| {
        D::Error::custom(format!(
            "`{s}` is not an IP address and port such as `127.0.0.1:8080`"
        ))
    })
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSource {
    /// The model card (`*.model.toml`) that names the ONNX file and maps its classes.
    pub card: PathBuf,
    /// Where inference runs; anything but the CPU needs an ONNX Runtime built with it.
    #[serde(default)]
    pub provider: Provider,
    /// ONNX Runtime threads for one inference.
    #[serde(default = "one")]
    pub threads: usize,
    /// Inference workers, each with its own session.
    #[serde(default = "one")]
    pub workers: usize,
    /// Frames from several cameras analysed in one inference, at most.
    #[serde(default = "default_max_batch")]
    pub max_batch: usize,
    /// How long a frame may wait for others to fill its batch.
    #[serde(default = "default_max_wait_ms")]
    pub max_wait_ms: u64,
    /// Detections below this score are ignored.
    #[serde(default = "default_min_score")]
    pub min_score: f32,
}

fn one() -> usize {
    1
}
fn default_max_batch() -> usize {
    8
}
fn default_max_wait_ms() -> u64 {
    20
}
fn default_min_score() -> f32 {
    0.25
}

/// An ONNX Runtime execution provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    #[default]
    Cpu,
    Cuda,
    Tensorrt,
    Openvino,
}

impl Provider {
    pub const ALL: [Provider; 4] = [
        Provider::Cpu,
        Provider::Cuda,
        Provider::Tensorrt,
        Provider::Openvino,
    ];

    /// The name written in configuration.
    pub fn name(&self) -> &'static str {
        match self {
            Provider::Cpu => "cpu",
            Provider::Cuda => "cuda",
            Provider::Tensorrt => "tensorrt",
            Provider::Openvino => "openvino",
        }
    }
}

/// The live pipeline's Prometheus metrics. When the dispatcher runs in the same process (no
/// `[output.nats]`) its `/metrics` shows them; `listen` serves them on an address of their own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metrics {
    /// Address and port where `gridwatch run` serves `/metrics`, e.g. `127.0.0.1:9464`.
    #[serde(default, deserialize_with = "some_socket_addr")]
    pub listen: Option<SocketAddr>,
}

fn some_socket_addr<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SocketAddr>, D::Error> {
    socket_addr(d).map(Some)
}

/// `gridwatch worker` processes run from one configuration and share its cameras through leases
/// in a JetStream key-value bucket on the `[output.nats]` server.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Workers {
    /// The key-value bucket holding the leases, created if missing.
    pub bucket: String,
    /// How long a lease lasts unless renewed (every third of it): a dead worker's cameras are
    /// taken over by the others within about this long and a third.
    pub lease: time::Span,
    /// At most this many cameras per worker (every camera when not set); a worker's own
    /// `--max-cameras` overrides it.
    pub max_cameras: Option<usize>,
}

impl Default for Workers {
    fn default() -> Self {
        Self {
            bucket: "gridwatch-leases".to_owned(),
            lease: time::Span(std::time::Duration::from_secs(10)),
            max_cameras: None,
        }
    }
}

/// Event outputs.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    /// Publish events to NATS JetStream, for a dispatcher on another machine.
    #[serde(default)]
    pub nats: Option<NatsOutput>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsOutput {
    /// `nats://host:port` (or `tls://…`).
    pub url: String,
    /// The JetStream stream, created if missing.
    #[serde(default = "default_stream")]
    pub stream: String,
    /// Events go to `<prefix>.<camera>.<type>`.
    #[serde(default = "default_prefix")]
    pub prefix: String,
    /// Where events wait while the server cannot be reached.
    #[serde(default = "default_spool")]
    pub spool: PathBuf,
}

impl NatsOutput {
    /// The stream this output's events travel in.
    pub fn event_stream(&self) -> EventStream {
        EventStream::new(&self.stream, &self.prefix)
    }
}

/// The JetStream stream of pipeline events, as the pipeline (publishing) and the dispatcher
/// (consuming) both declare it: whichever starts first creates it, so both ask for the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventStream {
    pub name: String,
    /// Every event under the prefix: `<prefix>.<camera>.<type>`.
    pub subjects: Vec<String>,
    /// How long the stream remembers message ids: an event re-sent within it (after a spool, a
    /// reconnect, a restarted worker) is stored once.
    pub duplicate_window: std::time::Duration,
}

impl EventStream {
    pub fn new(name: &str, prefix: &str) -> Self {
        Self {
            name: name.to_owned(),
            subjects: vec![format!("{prefix}.>")],
            duplicate_window: std::time::Duration::from_secs(3600),
        }
    }
}

fn default_stream() -> String {
    "GRIDWATCH".to_owned()
}
fn default_prefix() -> String {
    "gridwatch".to_owned()
}
fn default_spool() -> PathBuf {
    PathBuf::from("var/nats-spool.jsonl")
}

/// Tracker settings. Score thresholds depend on how the detector's scores are calibrated.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Tracking {
    /// Detections at least this confident are matched first and may start tracks.
    pub high_score: f32,
    /// Weaker detections down to this score only keep existing tracks alive.
    pub low_score: f32,
    /// A new track needs a detection at least this confident.
    pub new_track_score: f32,
    /// The least overlap between a track's predicted box and a detection for them to match.
    pub match_iou: f64,
    /// Without overlap, the farthest a detection may be from the prediction, in box heights.
    pub max_jump: f64,
    /// A track unseen this long is gone (covers occlusion by passers-by).
    pub max_missed: time::Span,
    /// How much of a track's past the stationary test looks at; a rule with a shorter dwell
    /// looks at its dwell.
    pub history: time::Span,
    /// A track whose ground point stays within this many box heights is stationary.
    pub stationary_drift: f64,
}

impl Default for Tracking {
    fn default() -> Self {
        use std::time::Duration;
        Self {
            high_score: 0.4,
            low_score: 0.1,
            new_track_score: 0.45,
            match_iou: 0.3,
            max_jump: 0.6,
            max_missed: time::Span(Duration::from_secs(10)),
            history: time::Span(Duration::from_secs(20)),
            stationary_drift: 0.25,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindInfo {
    /// How people call the kind, e.g. "Street vending (占道经营)".
    pub name: String,
    /// Cases at or above this confidence are filed and dispatched at once; the rest (and every
    /// case of a kind without it) wait for an operator to file or void them.
    #[serde(default)]
    pub auto_dispatch_at: Option<f64>,
    /// Graduated response: a violation in a registered shop's shopfront first notifies the shop
    /// (through the webhooks that take `notice`), which has this long to comply before dispatch.
    #[serde(default)]
    pub notice_grace: Option<time::Span>,
    /// A dispatched case not accepted within this is escalated.
    #[serde(default)]
    pub accept_within: Option<time::Span>,
    /// A dispatched case not handled within this is escalated.
    #[serde(default)]
    pub handle_within: Option<time::Span>,
}

/// A configuration that passed every check, with the grids it names read in.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub path: PathBuf,
    /// The file's text, kept so that later checks can point into it.
    text: String,
    pub config: Config,
    pub grids: Vec<Grid>,
}

impl LoadedConfig {
    /// Checks that every class the rules name is one the detector knows (`classes`, from its
    /// model card), pointing at each rule that names another.
    pub fn check_classes(&self, classes: &[String], card: &Path) -> Result<(), ConfigErrors> {
        let map = diagnostic::SourceMap::new(&self.path, &self.text);
        let errors = validate::classes(&self.config, classes, card, &map);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ConfigErrors(errors))
        }
    }
}

/// Deserializes `text`, read from `file`: a document other than the configuration that embeds
/// parts of it (a replay scenario), with the configuration's positioned errors.
pub fn parse_document<T: serde::de::DeserializeOwned>(file: &Path, text: &str) -> Result<T, ConfigErrors> {
    diagnostic::SourceMap::new(file, text)
        .parse()
        .map_err(|e| ConfigErrors(vec![e]))
}

/// Checks `camera`, written under the table `key` of such a document, as the configuration's
/// cameras are checked.
pub fn check_camera(file: &Path, text: &str, key: &str, camera: &Camera) -> Result<(), ConfigErrors> {
    let map = diagnostic::SourceMap::new(file, text);
    let mut errors = Vec::new();
    validate::camera(diagnostic::at![key], camera, &map, &mut |e| errors.push(e));
    if errors.is_empty() {
        return Ok(());
    }
    errors.sort_by_key(|e| (e.line, e.column));
    Err(ConfigErrors(errors))
}

impl Config {
    /// Reads, checks and resolves a configuration file.
    pub fn load(path: &Path) -> Result<LoadedConfig, ConfigErrors> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigErrors(vec![ConfigError {
                file: path.to_path_buf(),
                line: 1,
                column: 1,
                message: format!("cannot read the configuration file: {e}"),
            }])
        })?;
        Self::parse(path, &text)
    }

    /// Checks and resolves configuration `text` read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<LoadedConfig, ConfigErrors> {
        let map = diagnostic::SourceMap::new(path, text);
        let mut config: Config = map.parse().map_err(|e| ConfigErrors(vec![e]))?;
        config.resolve_paths(path.parent().unwrap_or(Path::new("")));
        let (grids, mut errors) = validate::check(&config, &map);
        if errors.is_empty() {
            return Ok(LoadedConfig {
                path: path.to_path_buf(),
                text: text.to_owned(),
                config,
                grids,
            });
        }
        errors.sort_by_key(|e| (e.line, e.column));
        Err(ConfigErrors(errors))
    }

    /// How cases of `kind` are reviewed and timed: its `[kinds]` entry over the defaults.
    pub fn case_policy(&self, kind: &ViolationKind) -> CasePolicy {
        let default = CasePolicy::default();
        let Some(info) = self.kinds.get(kind) else {
            return default;
        };
        CasePolicy {
            auto_dispatch_at: info.auto_dispatch_at,
            notice_grace: info.notice_grace,
            accept_within: info.accept_within.unwrap_or(default.accept_within),
            handle_within: info.handle_within.unwrap_or(default.handle_within),
        }
    }

    /// The name `[kinds.KIND] name` gives `kind`, if any.
    pub fn kind_name(&self, kind: &str) -> Option<&str> {
        let named = self.kinds.iter().find(|(k, _)| k.as_str() == kind);
        named.map(|(_, info)| info.name.as_str())
    }

    /// Every kind the rules may name: the built-in three and those declared under `[kinds]`.
    pub fn known_kinds(&self) -> Vec<ViolationKind> {
        let built_in = ViolationKind::BUILT_IN
            .iter()
            .map(|k| ViolationKind::new(*k).expect("valid id"));
        let mut kinds: Vec<ViolationKind> = built_in.chain(self.kinds.keys().cloned()).collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }

    fn resolve_paths(&mut self, base: &Path) {
        let base = std::path::absolute(base).unwrap_or_else(|_| base.to_path_buf());
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        resolve(&mut self.grids.geojson);
        resolve(&mut self.storage.evidence_dir);
        if let Some(model) = &mut self.model {
            resolve(&mut model.card);
        }
        if let Some(nats) = &mut self.output.nats {
            resolve(&mut nats.spool);
        }
        if let Some(path) = self.storage.database.strip_prefix("sqlite:") {
            let path = path.trim_start_matches("//");
            if !path.starts_with('/') && !path.starts_with(":memory:") {
                self.storage.database = format!("sqlite:{}", base.join(path).display());
            }
        }
        for camera in &mut self.cameras {
            if let Some(reference) = &mut camera.view.reference {
                resolve(reference);
            }
            for uri in std::iter::once(&mut camera.uri).chain(camera.record_uri.as_mut()) {
                if !uri.contains("://") && Path::new(uri.as_str()).is_relative() {
                    *uri = base.join(&*uri).display().to_string();
                }
            }
        }
    }
}
