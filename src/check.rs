//! `gridwatch check CONFIG`: validates the configuration and the machine it would run on, and
//! prints what the configuration describes, so an operator sees the city as gridwatch will.

use std::{fmt::Write as _, path::Path};

use gridwatch_core::config::{Camera, DecodePolicy, LoadedConfig};
use gridwatch_dispatcher::grid::GridMap;
use gridwatch_pipeline::detect::runtime;

use crate::detectors;

/// Prints the summary on success; returns every problem found otherwise.
pub fn run(path: &Path) -> Result<(), Vec<String>> {
    let loaded = detectors::load_config(path)?;
    let runtime = runtime::init().map_err(|e| vec![e.to_string()])?;
    let model = match &loaded.config.model {
        Some(source) => {
            let detector = detectors::detectors(&loaded, source, 1)?.remove(0);
            let card = detector.card();
            format!(
                "model: {} {} ({} classes, {}x{} input, {:?} output, {} on {} thread(s))\n",
                card.name,
                card.version,
                card.classes.len(),
                card.input.width,
                card.input.height,
                card.output.layout,
                source.provider.name(),
                source.threads
            )
        }
        None => "model: none configured\n".to_owned(),
    };
    print!("{}{model}", summary(&loaded));
    println!(
        "ONNX Runtime: {}",
        runtime
            .path
            .canonicalize()
            .unwrap_or_else(|_| runtime.path.clone())
            .display()
    );
    println!("{}: ok", path.display());
    Ok(())
}

fn summary(loaded: &LoadedConfig) -> String {
    let config = &loaded.config;
    let grids = GridMap::new(loaded.grids.clone());
    let mut out = String::new();
    let _ = writeln!(out, "city: {} ({})", config.city.name, config.city.timezone.0);
    let _ = writeln!(out, "grids: {}", grids.grids().len());
    for grid in grids.grids() {
        let team = config
            .teams
            .iter()
            .find(|t| t.grid == grid.id)
            .expect("every grid has a team once checked");
        let _ = writeln!(
            out,
            "  {:<8} {:<28} leader {}, officer {}, {} assistant(s)",
            grid.id.as_str(),
            grid.name,
            team.leader.name,
            team.officer.name,
            team.assistants.len()
        );
    }
    let _ = writeln!(out, "cameras: {}", config.cameras.len());
    for camera in &config.cameras {
        let place = match grids.locate(camera.location) {
            Some(grid) => format!("grid {}", grid.id),
            None => "outside every grid (unassigned queue)".to_owned(),
        };
        let _ = writeln!(out, "  {:<16} {place}, {}", camera.id.as_str(), describe(camera));
    }
    let _ = writeln!(out, "rules: {}", config.rules.len());
    for rule in &config.rules {
        let subjects: Vec<&str> = rule.subjects.iter().map(|s| s.class.as_str()).collect();
        let _ = writeln!(
            out,
            "  {:<24} {} after {}: {}",
            rule.id.as_str(),
            rule.kind,
            humantime::format_duration(rule.dwell.0),
            subjects.join(", ")
        );
    }
    out
}

fn describe(camera: &Camera) -> String {
    let decode = match camera.decode {
        DecodePolicy::All => "every frame".to_owned(),
        DecodePolicy::Keyframes => "keyframes only".to_owned(),
        DecodePolicy::Fps(fps) => format!("{fps} fps"),
    };
    let zones = camera.zones.len();
    let calibrated = if camera.calibration.is_some() {
        ", calibrated"
    } else {
        ""
    };
    format!("{decode}, {zones} zone(s){calibrated}")
}
