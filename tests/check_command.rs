//! `gridwatch check` as an operator runs it: the demo passes, mistakes are reported one per line
//! with their position, and a missing ONNX Runtime names the command that installs it.

mod common;

use std::path::Path;

use common::{demo_copy, gridwatch};

#[test]
fn demo_config_checks_out_and_shows_the_city() {
    let (code, stdout, stderr) = gridwatch(&["check", "examples/demo.toml"], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("grids: 4"), "{stdout}");
    assert!(
        stdout.contains("market-st        grid G01, keyframes only, 5 zone(s), calibrated"),
        "{stdout}"
    );
    assert!(stdout.contains("ONNX Runtime: "), "{stdout}");
    assert!(
        stdout.contains(
            "model: gridwatch-demo-int8 6 (11 classes, 640x384 input, Yolov8 output, cpu on 1 thread(s))"
        ),
        "{stdout}"
    );
    assert!(stdout.ends_with("examples/demo.toml: ok\n"), "{stdout}");
}

#[test]
fn bad_config_lists_every_problem_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let (config, bad) = demo_copy(dir.path(), |demo| {
        demo.replace(
            "[[511.8, 363.7], [616.3, 343.9], [477.4, 261.0], [389.1, 273.6]]",
            "[[511.8, 363.7], [616.3, 343.9]]",
        )
        .replace("kind = \"roadside_barbecue\"", "kind = \"barbecue\"")
    });

    let (code, stdout, stderr) = gridwatch(&["check", config.to_str().unwrap()], &[]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    let line_of = |needle: &str| bad.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    let prefix = format!("gridwatch: {}:", config.display());
    assert!(
        lines[0].starts_with(&format!(
            "{prefix}{}:",
            line_of("[[511.8, 363.7], [616.3, 343.9]]")
        )),
        "{stderr}"
    );
    assert!(
        lines[0].ends_with("zone `bay-1` of camera `metro-exit` has 2 points; a polygon needs at least 3"),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with(&format!("{prefix}{}:", line_of("kind = \"barbecue\""))),
        "{stderr}"
    );
    assert!(lines[1].contains("unknown kind `barbecue`"), "{stderr}");
}

#[test]
fn missing_config_file_is_one_clear_line() {
    let (code, _, stderr) = gridwatch(&["check", "no/such.toml"], &[]);
    assert_eq!(code, 1);
    assert_eq!(stderr, "gridwatch: no/such.toml:1:1: cannot read the configuration file: No such file or directory (os error 2)\n");
}

#[test]
fn missing_onnx_runtime_names_the_install_command() {
    let (code, _, stderr) = gridwatch(
        &["check", "examples/demo.toml"],
        &[("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so")],
    );
    assert_eq!(code, 1);
    let setup = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/setup");
    assert_eq!(
        stderr,
        format!(
            "gridwatch: ORT_DYLIB_PATH is `/nonexistent/libonnxruntime.so`, which does not exist; point it at a \
             libonnxruntime.so, or unset it and run `{}` to install the project's copy\n",
            setup.display()
        )
    );
}

#[test]
fn a_rule_naming_a_class_the_model_lacks_is_pointed_at() {
    let dir = tempfile::tempdir().unwrap();
    let (config, bad) = demo_copy(dir.path(), |demo| {
        demo.replace("{ class = \"umbrella\" }", "{ class = \"parasol\" }")
    });

    let (code, _, stderr) = gridwatch(&["check", config.to_str().unwrap()], &[]);
    assert_eq!(code, 1);
    let line = bad.lines().position(|l| l.contains("\"parasol\"")).unwrap() + 1;
    let column = bad.lines().nth(line - 1).unwrap().find("\"parasol\"").unwrap() + 1;
    assert!(stderr.starts_with(&format!("gridwatch: {}:{line}:{column}: rule `vending-on-pavement` names class `parasol`, which model card `", config.display())), "{stderr}");
    assert!(stderr.trim_end().ends_with("its classes are: person, bicycle, ebike, tricycle, vending_cart, umbrella, table, goods, grill, smoke, car"), "{stderr}");
}

#[test]
fn run_brings_every_demo_camera_online_and_stops_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    // No NATS server listens on port 9: events must wait in the spool, and the run go on.
    let (config, _) = demo_copy(dir.path(), |demo| {
        format!("{demo}\n[output.nats]\nurl = \"nats://127.0.0.1:9\"\nspool = \"spool.jsonl\"\n")
    });
    let events = dir.path().join("events.jsonl");
    let (code, _, stderr) = gridwatch(
        &[
            "run",
            "--config",
            config.to_str().unwrap(),
            "--events",
            events.to_str().unwrap(),
            "--seconds",
            "8",
        ],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    let mut online: Vec<String> = std::fs::read_to_string(&events)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<gridwatch_core::PipelineEvent>(l).unwrap())
        .filter_map(|e| match e {
            gridwatch_core::PipelineEvent::CameraHealth(h)
                if h.state == gridwatch_core::CameraState::Online =>
            {
                Some(h.camera.to_string())
            }
            _ => None,
        })
        .collect();
    online.sort();
    assert_eq!(online, ["market-st", "metro-exit", "night-lane"]);
    let spooled = std::fs::read_to_string(dir.path().join("spool.jsonl")).unwrap();
    assert_eq!(
        spooled,
        std::fs::read_to_string(&events).unwrap(),
        "every event waits for NATS"
    );
}

#[test]
fn a_batch_of_no_frames_is_pointed_at() {
    let dir = tempfile::tempdir().unwrap();
    let (config, bad) = demo_copy(dir.path(), |demo| demo.replace("max_batch = 8", "max_batch = 0"));

    let (code, stdout, stderr) = gridwatch(&["check", config.to_str().unwrap()], &[]);
    assert_eq!((code, stdout.as_str()), (1, ""), "{stderr}");
    let line = bad.lines().position(|l| l.contains("max_batch = 0")).unwrap() + 1;
    assert_eq!(
        stderr,
        format!(
            "gridwatch: {}:{line}:13: model max_batch must be at least 1 frame\n",
            config.display()
        )
    );
}
