//! What the end-to-end tests share: running the `gridwatch` binary, and copies of the demo
//! configuration that keep their data in a test's own folder.

#![allow(dead_code)] // each test file uses its own part of this

use std::{
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub fn gridwatch(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = gridwatch_command(args);
    command.envs(env.iter().copied());
    finished(command.output().unwrap())
}

/// `gridwatch ARGS` with `input` on its standard input, as a script feeds it (e.g. the password
/// of `gridwatch user set`).
pub fn gridwatch_fed(args: &[&str], input: &str) -> (i32, String, String) {
    let mut child = gridwatch_command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    finished(child.wait_with_output().unwrap())
}

/// The binary run from the repository's root, without the machine's ONNX Runtime override.
fn gridwatch_command(args: &[&str]) -> Command {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_gridwatch"));
    command.args(args).current_dir(root).env_remove("ORT_DYLIB_PATH");
    command
}

fn finished(out: std::process::Output) -> (i32, String, String) {
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (out.status.code().unwrap(), text(out.stdout), text(out.stderr))
}

/// The committed replay scenarios: every folder of `replay-fixtures/` with a `scenario.toml`, sorted.
pub fn scenarios() -> Vec<PathBuf> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("replay-fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("scenario.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// A copy of the demo config in `dir`, edited by `edit`, with the grids file beside it, the model
/// and recordings taken from the repository, and its database and evidence kept in `dir`.
pub fn demo_copy(dir: &Path, edit: impl Fn(String) -> String) -> (PathBuf, String) {
    let demo = std::fs::read_to_string("examples/demo.toml").unwrap();
    let text = edit(
        demo.replace("../models/", &format!("{}/models/", env!("CARGO_MANIFEST_DIR")))
            .replace(
                "../replay-fixtures/",
                &format!("{}/replay-fixtures/", env!("CARGO_MANIFEST_DIR")),
            )
            .replace("../var/", "var/"),
    );
    std::fs::copy("examples/demo-grids.geojson", dir.join("demo-grids.geojson")).unwrap();
    let path = dir.join("city.toml");
    std::fs::write(&path, &text).unwrap();
    (path, text)
}

/// A process a test started, killed when the test ends however it ends: a failed assertion
/// leaves nothing running.
pub struct Started(pub Child);

impl std::ops::Deref for Started {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Started {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Starts `gridwatch ARGS` and waits for its first line on stdout, which must start with
/// `announce`; returns the process and the rest of that line (e.g. the address it listens on).
pub fn start(args: &[&str], announce: &str) -> (Started, String) {
    let mut child = Started(
        Command::new(env!("CARGO_BIN_EXE_gridwatch"))
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let rest = line
        .trim()
        .strip_prefix(announce)
        .unwrap_or_else(|| panic!("expected `{announce}…`, got: {line}"))
        .to_owned();
    (child, rest)
}

/// Starts `gridwatch dispatcher` on `config`; returns it and the address of its API.
pub fn start_dispatcher(config: &Path) -> (Started, String) {
    start(
        &["dispatcher", "--config", config.to_str().unwrap()],
        "gridwatch dispatcher: listening on ",
    )
}

/// The demo's cameras.
pub const DEMO_CAMERAS: [&str; 3] = ["market-st", "metro-exit", "night-lane"];

/// What the metrics endpoint at `url` shows; empty while it does not answer.
pub fn scrape(url: &str) -> String {
    reqwest::blocking::get(url)
        .and_then(|r| r.text())
        .unwrap_or_default()
}

/// The value of the series `series` (name and labels) in a Prometheus exposition.
pub fn sample(exposition: &str, series: &str) -> Option<f64> {
    exposition
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.parse().ok())
}

/// Whether `exposition` shows every camera's frames decoded and analysed, the detector's batches
/// and every camera's queue.
pub fn counted_everywhere(exposition: &str) -> bool {
    let positive = |series: String| sample(exposition, &series).is_some_and(|v| v > 0.0);
    DEMO_CAMERAS.iter().all(|camera| {
        positive(format!(
            "gridwatch_source_frames_decoded_total{{camera=\"{camera}\"}}"
        )) && positive(format!(
            "gridwatch_pipeline_frames_analysed_total{{camera=\"{camera}\"}}"
        )) && sample(
            exposition,
            &format!("gridwatch_source_queue_depth{{camera=\"{camera}\"}}"),
        )
        .is_some()
    }) && positive("gridwatch_detect_inference_seconds_count{model=\"gridwatch-demo-int8\"}".into())
}

/// `n` violations over the demo town's four grids, from seven cameras: some close enough to merge
/// into one case.
pub fn violations(n: usize) -> Vec<gridwatch_core::PipelineEvent> {
    use chrono::{DateTime, TimeDelta, Utc};
    use gridwatch_core::{
        CameraId, EventId, GeoPoint, ImageBox, LocationSource, ModelRef, PipelineEvent, RuleId,
        ViolationEvent, ViolationKind,
    };
    let start: DateTime<Utc> = "2026-06-01T02:00:00Z".parse().unwrap();
    (0..n)
        .map(|i| {
            let camera = CameraId::new(format!("cam-{}", i % 7)).unwrap();
            let kind =
                ViolationKind::new(["street_vending", "out_of_line_parking", "roadside_barbecue"][i % 3])
                    .unwrap();
            let onset = start + TimeDelta::seconds(i as i64);
            let spot = (i % 150) as f64;
            let location = GeoPoint::new(
                119.281 + 0.0001 * (spot % 12.0) * 15.0,
                26.055 + 0.0001 * (spot / 12.0).floor() * 15.0,
            )
            .unwrap();
            PipelineEvent::Violation(ViolationEvent {
                id: EventId::derive(&camera, &kind, i as u64, onset),
                kind,
                camera,
                zone: None,
                rule: RuleId::new("rule").unwrap(),
                track: i as u64,
                onset,
                confirmed_at: onset + TimeDelta::minutes(5),
                image_box: ImageBox {
                    x1: 1.0,
                    y1: 1.0,
                    x2: 20.0,
                    y2: 40.0,
                },
                bystanders: Vec::new(),
                location,
                location_source: LocationSource::Projected,
                confidence: 0.5 + (i % 5) as f64 / 10.0,
                model: ModelRef {
                    name: "test".into(),
                    version: "1".into(),
                },
                evidence: Vec::new(),
            })
        })
        .collect()
}

/// Publishes `events` to the pipeline's event stream on the NATS server at `url`, as `gridwatch
/// worker` does, each stored by the server before the next.
pub fn publish(url: &str, spool: &Path, events: Vec<gridwatch_core::PipelineEvent>) {
    let mut publisher =
        gridwatch_pipeline::sink::JetStream::new(url, "GRIDWATCH", "gridwatch", spool).unwrap();
    for event in events {
        assert!(matches!(
            publisher.send(&event).unwrap(),
            gridwatch_pipeline::sink::Delivery::Stored { .. }
        ));
    }
}

/// Sightings stored so far by the dispatcher at `url`, summed over the cases (each event is one
/// sighting of one case).
pub fn sightings(client: &reqwest::blocking::Client, url: &str) -> i64 {
    let page: serde_json::Value = client
        .get(format!("{url}/api/v1/cases?per_page=200"))
        .bearer_auth("demo-command")
        .send()
        .and_then(|r| r.json())
        .unwrap_or_default();
    page["cases"].as_array().map_or(0, |cases| {
        cases.iter().map(|c| c["occurrences"].as_i64().unwrap()).sum()
    })
}

/// Polls `look` until what it sees is `done`, and returns that; the deadline only stops a test
/// that would hang (a cold, loaded machine is slow at everything).
pub fn wait_for<T: std::fmt::Debug>(what: &str, mut look: impl FnMut() -> T, done: impl Fn(&T) -> bool) -> T {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let seen = look();
        if done(&seen) {
            return seen;
        }
        assert!(Instant::now() < deadline, "{what}: still {seen:?}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Whether the dispatcher at `api` says (in its metrics) that it does the periodic work.
pub fn leads(client: &reqwest::blocking::Client, api: &str) -> bool {
    let exposition = client
        .get(format!("{api}/metrics"))
        .send()
        .and_then(|r| r.text())
        .unwrap_or_default();
    sample(&exposition, "gridwatch_dispatcher_leader") == Some(1.0)
}
