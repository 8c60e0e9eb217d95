//! `gridwatch check` as an operator runs it: the demo passes, mistakes are reported one per line
//! with their position, and a missing ONNX Runtime names the command that installs it.

use std::{path::Path, process::Command};

fn gridwatch(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_gridwatch"));
    command.args(args).current_dir(root).env_remove("ORT_DYLIB_PATH");
    command.envs(env.iter().copied());
    let out = command.output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (out.status.code().unwrap(), text(out.stdout), text(out.stderr))
}

#[test]
fn demo_config_checks_out_and_shows_the_city() {
    let (code, stdout, stderr) = gridwatch(&["check", "examples/demo.toml"], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("grids: 4"), "{stdout}");
    assert!(
        stdout.contains("market-st        grid G01, keyframes only, 3 zone(s), calibrated"),
        "{stdout}"
    );
    assert!(stdout.contains("ONNX Runtime: "), "{stdout}");
    assert!(stdout.ends_with("examples/demo.toml: ok\n"), "{stdout}");
}

#[test]
fn bad_config_lists_every_problem_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let demo = std::fs::read_to_string("examples/demo.toml").unwrap();
    let bad = demo
        .replace(
            "[[100, 500], [500, 500], [480, 640], [60, 640]]",
            "[[100, 500], [500, 500]]",
        )
        .replace("kind = \"roadside_barbecue\"", "kind = \"barbecue\"");
    std::fs::copy(
        "examples/demo-grids.geojson",
        dir.path().join("demo-grids.geojson"),
    )
    .unwrap();
    let config = dir.path().join("city.toml");
    std::fs::write(&config, &bad).unwrap();

    let (code, stdout, stderr) = gridwatch(&["check", config.to_str().unwrap()], &[]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    let line_of = |needle: &str| bad.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    let prefix = format!("gridwatch: {}:", config.display());
    assert!(
        lines[0].starts_with(&format!("{prefix}{}:", line_of("[[100, 500], [500, 500]]"))),
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
