//! A small town for dispatcher tests, and the two stores every test runs against: a SQLite file
//! and a fresh database on the local PostgreSQL server.

#![allow(dead_code)] // each test file uses its own part of this

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use gridwatch_core::{
    config::{Config, Role},
    CameraId, EventId, GeoPoint, ImageBox, LocationSource, MemberId, ModelRef, PipelineEvent, RuleId,
    SimulatedClock, ViolationCleared, ViolationEvent, ViolationKind, ZoneId,
};
use gridwatch_dispatcher::{grid::GridMap, Actor, Dispatcher, Store};
use sqlx::{Connection, Executor};

pub mod evidence;
pub mod web;

/// Two grids side by side; G01's team works days and nights, G02's days only.
pub const TOWN: &str = r#"
[city]
name = "Test Town"
timezone = "Asia/Shanghai"

[storage]
database = "sqlite:unused.db"
evidence_dir = "evidence"

[api]
bind = "127.0.0.1:0"

[grids]
geojson = "grids.geojson"

[shifts]
day = { start = "08:00", end = "20:00" }
night = { start = "20:00", end = "08:00" }

[[teams]]
grid = "G01"
leader = { id = "g01-lead", name = "Lead One", shifts = ["day"] }
officer = { id = "g01-officer", name = "Officer One", shifts = ["day"] }
assistants = [
  { id = "g01-day", name = "Day Assistant", shifts = ["day"] },
  { id = "g01-night", name = "Night Assistant", shifts = ["night"] },
]

[[teams]]
grid = "G02"
leader = { id = "g02-lead", name = "Lead Two", shifts = ["day"] }
officer = { id = "g02-officer", name = "Officer Two", shifts = ["day"] }

[kinds.street_vending]
name = "Street vending"
auto_dispatch_at = 0.7
accept_within = "30m"
handle_within = "2h"

[kinds.out_of_line_parking]
name = "Parking out of line"

[dispatch]
merge_radius_m = 25
recurrence_within = "7d"
"#;

pub const GRIDS: &str = r#"{"type": "FeatureCollection", "features": [
  {"type": "Feature", "properties": {"id": "G01"},
   "geometry": {"type": "Polygon", "coordinates": [[[119.00, 26.00], [119.01, 26.00], [119.01, 26.01], [119.00, 26.01], [119.00, 26.00]]]}},
  {"type": "Feature", "properties": {"id": "G02"},
   "geometry": {"type": "Polygon", "coordinates": [[[119.01, 26.00], [119.02, 26.00], [119.02, 26.01], [119.01, 26.01], [119.01, 26.00]]]}}]}"#;

/// 10:00 in Shanghai: the day shift is on.
pub fn morning() -> DateTime<Utc> {
    "2026-06-01T02:00:00Z".parse().unwrap()
}

/// The configuration `text`, with the town's grids beside it.
pub fn town(text: &str) -> (Config, GridMap, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("grids.geojson"), GRIDS).unwrap();
    let path = dir.path().join("town.toml");
    std::fs::write(&path, text).unwrap();
    let loaded = Config::load(&path).unwrap_or_else(|e| panic!("{e}"));
    (loaded.config, GridMap::new(loaded.grids), dir)
}

/// Where a test's data lives.
pub enum Backend {
    Sqlite(tempfile::TempDir),
    Postgres { admin: String, database: String },
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres { .. } => "postgres",
        }
    }

    pub fn url(&self) -> String {
        match self {
            Backend::Sqlite(dir) => format!("sqlite:{}", dir.path().join("cases.db").display()),
            Backend::Postgres { admin, database } => {
                format!("{}/{database}", admin.rsplit_once('/').unwrap().0)
            }
        }
    }

    /// Removes a PostgreSQL test database (SQLite's folder goes with the TempDir).
    pub async fn drop_database(&self) {
        if let Backend::Postgres { admin, database } = self {
            let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
            conn.execute(format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)").as_str())
                .await
                .unwrap();
        }
    }
}

/// The server tests use: `GRIDWATCH_TEST_POSTGRES`, or the local one.
pub fn postgres_admin_url() -> String {
    std::env::var("GRIDWATCH_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh SQLite file and a fresh PostgreSQL database.
pub async fn backends() -> Vec<Backend> {
    let admin = postgres_admin_url();
    let database = format!(
        "gridwatch_test_{}_{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap()
    );
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {admin} is needed for these tests: {e}"));
    conn.execute(format!("CREATE DATABASE {database}").as_str())
        .await
        .unwrap();
    vec![
        Backend::Sqlite(tempfile::tempdir().unwrap()),
        Backend::Postgres { admin, database },
    ]
}

/// A dispatcher for the town with `extra` configuration on `backend`, its clock at `start`.
pub async fn dispatcher(
    backend: &Backend,
    extra: &str,
    start: DateTime<Utc>,
) -> (Dispatcher, Arc<SimulatedClock>) {
    dispatcher_for(backend, &format!("{TOWN}\n{extra}"), start).await
}

/// A dispatcher for the configuration `text` on `backend`, its clock at `start`.
pub async fn dispatcher_for(
    backend: &Backend,
    text: &str,
    start: DateTime<Utc>,
) -> (Dispatcher, Arc<SimulatedClock>) {
    let (config, grids, _dir) = town(text);
    let store = Store::open(&backend.url()).await.unwrap();
    let clock = Arc::new(SimulatedClock::starting_at(start));
    (
        Dispatcher::new(store, Arc::new(config), grids, clock.clone()),
        clock,
    )
}

/// Moves the clock `minutes` further.
pub fn later(clock: &SimulatedClock, minutes: u64) {
    clock.advance_to(clock.elapsed() + Duration::from_secs(minutes * 60));
}

/// A point in grid G01 (or G02 with `x` ≥ 0.01), `x`/`y` degrees from its south-west corner.
pub fn place(x: f64, y: f64) -> GeoPoint {
    GeoPoint::new(119.0 + x, 26.0 + y).unwrap()
}

pub fn violation(
    kind: &str,
    camera: &str,
    zone: Option<&str>,
    track: u64,
    at: GeoPoint,
    confidence: f64,
) -> ViolationEvent {
    let (camera, kind) = (CameraId::new(camera).unwrap(), ViolationKind::new(kind).unwrap());
    let onset = morning() + chrono::TimeDelta::seconds(track as i64);
    ViolationEvent {
        id: EventId::derive(&camera, &kind, track, onset),
        kind,
        camera,
        zone: zone.map(|z| ZoneId::new(z).unwrap()),
        rule: RuleId::new("rule").unwrap(),
        track,
        onset,
        confirmed_at: onset + chrono::TimeDelta::minutes(5),
        image_box: ImageBox {
            x1: 10.0,
            y1: 10.0,
            x2: 50.0,
            y2: 80.0,
        },
        bystanders: Vec::new(),
        location: at,
        location_source: LocationSource::Projected,
        confidence,
        model: ModelRef {
            name: "test".into(),
            version: "1".into(),
        },
        evidence: Vec::new(),
    }
}

pub fn cleared(v: &ViolationEvent) -> PipelineEvent {
    PipelineEvent::ViolationCleared(ViolationCleared {
        id: v.id,
        kind: v.kind.clone(),
        camera: v.camera.clone(),
        last_seen: v.confirmed_at,
        cleared_at: v.confirmed_at + chrono::TimeDelta::minutes(1),
    })
}

pub fn command() -> Actor {
    Actor {
        name: "operator".into(),
        role: Role::Command,
        member: None,
    }
}

pub fn member(id: &str) -> Actor {
    Actor {
        name: id.into(),
        role: Role::Member,
        member: Some(MemberId::new(id).unwrap()),
    }
}

/// Tokens for every role; each secret is the role's name (the member tokens: the member's id).
pub const TOKENS: &str = r#"
[[dispatch.tokens]]
name = "operator"
sha256 = "SHA:command"
role = "command"

[[dispatch.tokens]]
name = "auditor"
sha256 = "SHA:auditor"
role = "auditor"

[[dispatch.tokens]]
name = "camera-gateway"
sha256 = "SHA:ingest"
role = "ingest"

[[dispatch.tokens]]
name = "g01-officer"
sha256 = "SHA:g01-officer"
role = "member"
member = "g01-officer"

[[dispatch.tokens]]
name = "g02-officer"
sha256 = "SHA:g02-officer"
role = "member"
member = "g02-officer"
"#;

/// [`TOKENS`] with the hashes filled in.
pub fn tokens() -> String {
    let mut text = TOKENS.to_owned();
    for secret in ["command", "auditor", "ingest", "g01-officer", "g02-officer"] {
        text = text.replace(
            &format!("SHA:{secret}\""),
            &format!("{}\"", gridwatch_dispatcher::api::token_hash(secret)),
        );
    }
    text
}
