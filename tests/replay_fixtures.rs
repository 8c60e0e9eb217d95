//! The committed replay scenarios are complete, consistent with gridwatch's configuration, small
//! enough to keep in the repository, and exactly reproducible by their generator.

mod common;

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use common::scenarios;
use gridwatch_core::{config::Config, ImagePolygon};
use gridwatch_pipeline::replay::Scenario;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

#[test]
fn scenarios_are_complete_and_consistent_with_the_demo_config() {
    let demo = Config::load(&root().join("examples/demo.toml")).unwrap().config;
    let rule_ids: Vec<String> = demo.rules.iter().map(|r| r.id.to_string()).collect();
    let (mut total_bytes, mut long, mut full_hd, mut kinds_by_light) = (0, false, false, Vec::new());
    for dir in scenarios() {
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let s = Scenario::load(&dir).unwrap_or_else(|e| panic!("{e}"));
        let truth = &s.truth;
        assert_eq!(s.meta.name, name);
        let footage = std::fs::metadata(&s.camera.uri).unwrap().len();
        total_bytes += footage;
        assert!(
            footage <= 8_000_000,
            "{name}: {footage} bytes is more than a few MB"
        );
        long |= s.meta.seconds >= 600.0;
        full_hd |= (s.meta.width, s.meta.height) == (1920, 1080);
        for zone in &s.camera.zones {
            ImagePolygon::new(&zone.points).unwrap_or_else(|e| panic!("{name}: zone {} {e}", zone.id));
        }
        s.camera.calibration.as_ref().unwrap().fit().unwrap();
        for rule in s.overrides.keys() {
            assert!(rule_ids.contains(rule), "{name} overrides unknown rule {rule}");
        }
        for e in &truth.expected {
            assert!(
                rule_ids.contains(&e.rule),
                "{name}: {} names unknown rule {}",
                e.actor,
                e.rule
            );
            assert!(demo.known_kinds().iter().any(|k| k.as_str() == e.kind));
            if let Some(zone) = &e.zone {
                assert!(
                    s.camera.zones.iter().any(|z| z.id.as_str() == zone),
                    "{name}: no zone {zone}"
                );
            }
            let end = s.meta.seconds;
            assert!(
                e.present[0] <= e.onset[0] && e.onset[1] <= e.confirmed[0] && e.confirmed[1] <= end,
                "{name}: {}",
                e.actor
            );
            assert!(
                e.cleared.is_none_or(|c| c[0] >= e.present[1] && c[1] <= end),
                "{name}: {}",
                e.actor
            );
            kinds_by_light.push((e.kind.clone(), s.meta.night));
        }
        assert!(!truth.must_not_fire.is_empty(), "{name} names what must not fire");
    }
    assert!(scenarios().len() >= 8);
    assert!(long && full_hd, "a clip of ten minutes or more, and one at 1080p");
    for (kind, night) in [
        ("street_vending", false),
        ("street_vending", true),
        ("out_of_line_parking", false),
        ("out_of_line_parking", true),
        ("roadside_barbecue", true),
    ] {
        assert!(
            kinds_by_light.contains(&(kind.to_owned(), night)),
            "{kind} by {}",
            if night { "night" } else { "day" }
        );
    }
    assert!(total_bytes < 40_000_000, "fixtures total {total_bytes} bytes");
}

#[test]
fn regenerating_a_scenario_gives_identical_labels() {
    let python = root().join(".venv/bin/python");
    assert!(
        python.is_file(),
        "the footage generator's environment is missing: run scripts/setup"
    );
    let out = tempfile::tempdir().unwrap();
    let names = ["vending-day", "barbecue-night", "shopfront-day"];
    let status = Command::new(&python)
        .arg(root().join("replay-fixtures/generator/generate.py"))
        .args(["labels", out.path().to_str().unwrap()])
        .args(names)
        .status()
        .unwrap();
    assert!(status.success());
    for name in names {
        let committed = root().join("replay-fixtures").join(name).join("labels");
        let mut compared = 0;
        for entry in std::fs::read_dir(&committed).unwrap() {
            let path = entry.unwrap().path();
            let again = out.path().join(name).join(path.file_name().unwrap());
            let (a, b) = (
                std::fs::read_to_string(&path).unwrap(),
                std::fs::read_to_string(&again).unwrap(),
            );
            assert!(!a.is_empty(), "{} labels something", path.display());
            assert_eq!(a, b, "{} differs when regenerated", path.display());
            compared += 1;
        }
        assert!(compared >= 3, "{name}");
    }
}
