//! `gridwatch run`: the configuration's cameras live, through detection, tracking and the rules,
//! with camera health and violations written as JSON Lines and evidence stored.

use std::{
    path::Path,
    sync::{atomic::AtomicBool, Arc},
    time::Duration,
};

use gridwatch_core::config::Config;
use gridwatch_pipeline::{
    detect::{runtime, Detector, DetectorOptions, ModelCard},
    sink::JsonLines,
    topology,
};

pub fn run(config: &Path, events: &Path, seconds: Option<u64>) -> Result<(), Vec<String>> {
    let one = |e: &dyn std::fmt::Display| vec![e.to_string()];
    let loaded = Config::load(config)
        .map_err(|errors| errors.0.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    let model = loaded
        .config
        .model
        .as_ref()
        .ok_or_else(|| vec![format!("{}: running needs a [model] section", config.display())])?;
    let runtime = runtime::init().map_err(|e| one(&e))?;
    let card = ModelCard::load(&model.card).map_err(|e| one(&e))?;
    loaded
        .check_classes(&card.classes, &model.card)
        .map_err(|errors| errors.0.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    let detectors = (0..model.workers.max(1))
        .map(|_| Detector::load(runtime, card.clone(), DetectorOptions::from_config(model)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| one(&e))?;
    let mut sink = JsonLines::open(events)
        .map_err(|e| vec![format!("{}: cannot write events: {e}", events.display())])?;
    let stop = Arc::new(AtomicBool::new(false));
    if let Some(seconds) = seconds {
        let stop = stop.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(seconds));
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        });
    }
    let mut failed = None;
    let mut out = |event| {
        if let Err(e) = sink.write(&event) {
            failed.get_or_insert_with(|| format!("{}: cannot write events: {e}", events.display()));
        }
    };
    topology::run(&loaded.config, detectors, &mut out, &stop).map_err(|e| one(&e))?;
    failed.map_or(Ok(()), |f| Err(vec![f]))
}
