//! `gridwatch replay` as an engineer runs it before changing a model or a rule.

mod common;
#[path = "../pipeline/tests/footage/mod.rs"]
mod footage;

use std::{path::Path, process::Command};

fn replay(args: &[&str]) -> (i32, String, String) {
    common::gridwatch(&[&["replay"], args].concat(), &[])
}

/// The report without its timings, which differ from run to run.
fn verdicts(report: &Path) -> serde_json::Value {
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    for scenario in json["scenarios"].as_array_mut().unwrap() {
        let scenario = scenario.as_object_mut().unwrap();
        scenario.remove("seconds");
        scenario.remove("speed");
    }
    json
}

#[test]
fn two_replays_give_identical_events() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    for report in [&a, &b] {
        let (code, _, stderr) = replay(&[
            "--report",
            report.to_str().unwrap(),
            "replay-fixtures/parking-day",
        ]);
        assert!(code == 0 || code == 1, "{stderr}");
    }
    let first = verdicts(&a);
    assert!(
        !first["scenarios"][0]["events"].as_array().unwrap().is_empty(),
        "parking-day yields events: {first}"
    );
    assert_eq!(first, verdicts(&b));
}

#[test]
fn every_scenario_meets_its_bar_and_nothing_fires_on_the_negatives() {
    let scenarios: Vec<String> = common::scenarios()
        .iter()
        .map(|p| p.to_str().unwrap().to_owned())
        .collect();
    assert!(scenarios.len() >= 8, "{scenarios:?}");
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("replay.xml");
    let mut args = vec!["--junit", junit.to_str().unwrap()];
    args.extend(scenarios.iter().map(String::as_str));
    let (code, stdout, stderr) = replay(&args);
    assert_eq!(code, 0, "{stdout}{stderr}");
    // The project's bar, whatever a scenario's own thresholds say: precision and recall ≥ 0.9 per kind.
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|cols| {
            cols.first()
                .is_some_and(|name| scenarios.iter().any(|s| s.ends_with(&format!("/{name}"))))
        })
        .collect();
    assert!(rows.len() >= scenarios.len(), "{stdout}");
    for cols in rows.iter().filter(|cols| cols[1] != "(none)") {
        for measure in &cols[5..7] {
            assert!(measure.parse::<f64>().unwrap() >= 0.9, "{cols:?}\n{stdout}");
        }
    }
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<testsuite name=\"parking-day\" tests=\"1\" failures=\"0\""),
        "{xml}"
    );
    assert!(
        xml.contains("<testsuite name=\"negatives-day\" tests=\"0\" failures=\"0\""),
        "{xml}"
    );
    let line = |scenario: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(scenario))
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        line("parking-day")[1..5],
        ["out_of_line_parking", "2", "0", "0"],
        "{stdout}"
    );
    assert_eq!(line("negatives-day")[1..5], ["(none)", "0", "0", "0"], "{stdout}");
    assert_eq!(
        line("barbecue-day")[1..5],
        ["(none)", "0", "0", "0"],
        "a grill in the afternoon is outside the rule's hours: {stdout}"
    );
}

#[test]
fn a_missing_scenario_is_reported_and_the_others_still_run() {
    let (code, stdout, stderr) = replay(&[
        "replay-fixtures/no-such-scenario",
        "replay-fixtures/negatives-day",
    ]);
    assert_eq!(code, 1);
    assert!(stdout.contains("negatives-day"), "{stdout}");
    assert!(
        stderr.starts_with(
            "gridwatch: scenario `replay-fixtures/no-such-scenario/scenario.toml`: No such file"
        ),
        "{stderr}"
    );
}

/// Decodes an MP4 clip with GStreamer: the frames in it and the last one's time.
fn decode_clip(path: &Path) -> (u32, std::time::Duration) {
    let (mut frames, mut last) = (0, std::time::Duration::ZERO);
    footage::pull(
        &format!(
            "filesrc location=\"{}\" ! qtdemux ! decodebin ! appsink name=sink sync=false",
            path.display()
        ),
        |sample| {
            frames += 1;
            let pts = sample.buffer().and_then(|b| b.pts()).unwrap();
            last = last.max(std::time::Duration::from_nanos(pts.nseconds()));
            true
        },
    );
    (frames, last)
}

#[test]
fn confirmed_violations_carry_sealed_evidence() {
    use gridwatch_pipeline::evidence::{verify, Manifest};
    let dir = tempfile::tempdir().unwrap();
    let (events, evidence) = (dir.path().join("events.jsonl"), dir.path().join("evidence"));
    let (code, _, stderr) = replay(&[
        "--events",
        events.to_str().unwrap(),
        "--evidence",
        evidence.to_str().unwrap(),
        "replay-fixtures/parking-day",
    ]);
    assert!(code == 0 || code == 1, "{stderr}");
    let mut violations = 0;
    for line in std::fs::read_to_string(&events).unwrap().lines() {
        let gridwatch_core::PipelineEvent::Violation(v) = serde_json::from_str(line).unwrap() else {
            continue;
        };
        violations += 1;
        let names: Vec<&str> = v
            .evidence
            .iter()
            .map(|e| e.path.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "onset.jpg",
                "onset-annotated.jpg",
                "confirmed.jpg",
                "confirmed-annotated.jpg",
                "clip.mp4"
            ]
        );
        assert!(v.evidence[0].captured_at <= v.confirmed_at && v.evidence[2].captured_at == v.confirmed_at);
        // The clip decodes from its first frame and covers the onset.
        let clip = &v.evidence[4];
        let (frames, length) = decode_clip(&evidence.join(&clip.path));
        assert!(frames > 0, "{} decodes to no frames", clip.path);
        let end = clip.captured_at + length;
        assert!(
            clip.captured_at <= v.onset && v.onset <= end,
            "clip {}..{end} misses onset {}",
            clip.captured_at,
            v.onset
        );
        let folder = Path::new(&v.evidence[0].path).parent().unwrap().to_path_buf();
        let manifest = Manifest::read(&evidence.join(&folder).join(Manifest::FILE)).unwrap();
        assert_eq!(manifest.artifacts, v.evidence);
        assert!(verify(&evidence, &manifest).is_empty());
    }
    assert!(violations >= 1);
    // Last analysed frames are live running's, for the cameras page; a replay keeps none.
    assert!(!evidence.join("cameras").exists());
}

#[test]
fn a_terminal_shows_progress_and_a_pipe_gets_none() {
    // `script` gives the replay a pseudo-terminal, as an engineer's shell would.
    let command = format!(
        "{} replay replay-fixtures/parking-night",
        env!("CARGO_BIN_EXE_gridwatch")
    );
    let out = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("parking-night [") && shown.contains("% of the footage"),
        "{shown}"
    );
    let (_, stdout, stderr) = replay(&["replay-fixtures/parking-night"]);
    assert!(
        !stdout.contains("% of the footage") && !stderr.contains("% of the footage"),
        "{stderr}"
    );
}

/// A copy of `parking-day`'s scenario in `dir`, playing the original footage, its scenario.toml
/// edited by `edit`; returns the folder and the edited text.
fn scenario_copy(dir: &Path, edit: impl Fn(&str) -> String) -> (std::path::PathBuf, String) {
    let original = Path::new(env!("CARGO_MANIFEST_DIR")).join("replay-fixtures/parking-day");
    let copy = dir.join("parking-day");
    std::fs::create_dir(&copy).unwrap();
    std::fs::copy(original.join("truth.toml"), copy.join("truth.toml")).unwrap();
    let footage = format!("uri = \"{}\"", original.join("footage.mp4").display());
    let text = std::fs::read_to_string(original.join("scenario.toml")).unwrap();
    let text = edit(&text.replace("uri = \"footage.mp4\"", &footage));
    std::fs::write(copy.join("scenario.toml"), &text).unwrap();
    (copy, text)
}

/// Replays `scenario` and returns its one error line, after checking that nothing panicked.
fn refused(scenario: &Path) -> String {
    let (code, _, stderr) = replay(&[scenario.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    lines[0].to_owned()
}

/// `file:line:column:` of the first `needle` in `text`, as an error names it.
fn place(file: &Path, text: &str, needle: &str) -> String {
    let before = &text[..text.find(needle).unwrap()];
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    format!(
        "{}:{}:{column}:",
        file.display(),
        before.matches('\n').count() + 1
    )
}

#[test]
fn a_scenario_zone_of_two_points_is_pointed_at() {
    let dir = tempfile::tempdir().unwrap();
    let bay = "[[511.8, 363.7], [616.3, 343.9], [477.4, 261.0], [389.1, 273.6]]";
    let (scenario, text) = scenario_copy(dir.path(), |s| s.replace(bay, "[[511.8, 363.7], [616.3, 343.9]]"));
    let file = scenario.join("scenario.toml");
    assert_eq!(
        refused(&scenario),
        format!(
            "gridwatch: {} zone `bay-1` of camera `metro-exit` has 2 points; a polygon needs at least 3",
            place(&file, &text, "[[511.8, 363.7], [616.3, 343.9]]")
        )
    );
}

#[test]
fn a_degenerate_scenario_calibration_is_pointed_at() {
    let dir = tempfile::tempdir().unwrap();
    // Four image points on one line.
    let (scenario, text) = scenario_copy(dir.path(), |s| {
        s.replace(
            "image = [[853.7, 593.7], [1149.2, 493.6], [557.5, 221.2], [365.4, 246.3]]",
            "image = [[100, 100], [200, 200], [300, 300], [400, 400]]",
        )
    });
    let file = scenario.join("scenario.toml");
    assert_eq!(
        refused(&scenario),
        format!(
            "gridwatch: {} calibration of camera `metro-exit` points do not span the plane (three or more of them lie on one line)",
            place(&file, &text, "{ image = [[100, 100]")
        )
    );
}

#[test]
fn every_clearing_carries_the_id_its_violation_was_reported_with() {
    use gridwatch_core::PipelineEvent;
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    let scenarios: Vec<String> = common::scenarios()
        .iter()
        .map(|p| p.to_str().unwrap().to_owned())
        .collect();
    let mut args = vec!["--events", events.to_str().unwrap()];
    args.extend(scenarios.iter().map(String::as_str));
    let (code, stdout, stderr) = replay(&args);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (mut reported, mut cleared) = (Vec::new(), 0);
    for line in std::fs::read_to_string(&events).unwrap().lines() {
        match serde_json::from_str(line).unwrap() {
            PipelineEvent::Violation(v) => reported.push(v.id),
            PipelineEvent::ViolationCleared(c) => {
                cleared += 1;
                assert!(
                    reported.contains(&c.id),
                    "{} cleared on camera {} was never reported",
                    c.id,
                    c.camera
                );
            }
            PipelineEvent::CameraHealth(_) => {}
        }
    }
    assert!(cleared >= 5, "the scenarios clear violations: {cleared} cleared");
}
