//! `gridwatch run`: the configuration's cameras live, through detection, tracking and the rules,
//! with camera health and violations written as JSON Lines and evidence stored.

use std::{
    path::Path,
    sync::{atomic::AtomicBool, Arc},
    time::Duration,
};

use gridwatch_core::PipelineEvent;
use gridwatch_dispatcher::server::Local;
use gridwatch_pipeline::{
    evidence::LastFrames,
    metrics::{self, PipelineMetrics},
    sink::{JetStream, JsonLines},
    topology,
};

use crate::detectors;

pub fn run(config: &Path, events: &Path, seconds: Option<u64>) -> Result<(), Vec<String>> {
    let loaded = detectors::load_config(config)?;
    let model = detectors::required_model(&loaded, "running")?;
    let detectors = detectors::detectors(&loaded, model, model.workers)?;
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
    let counted = PipelineMetrics::new();
    let _exporter = loaded
        .config
        .metrics
        .listen
        .map(|address| metrics::serve(address, counted.registry()))
        .transpose()
        .map_err(|e| vec![e])?;
    let mut nats = match &loaded.config.output.nats {
        Some(n) => {
            Some(JetStream::new(&n.url, &n.stream, &n.prefix, &n.spool).map_err(|e| vec![e.to_string()])?)
        }
        None => None,
    };
    // One machine: the dispatcher runs here, fed through an in-process channel. With JetStream
    // configured, a dispatcher elsewhere consumes the stream instead.
    let local = match nats {
        Some(_) => None,
        None => {
            let local = Local::start(loaded.clone(), counted.registry()).map_err(|e| vec![e])?;
            println!("gridwatch: cases and API on http://{}", local.address);
            Some(local)
        }
    };
    let mut failed = None;
    let mut out = |event: PipelineEvent| {
        if let Err(e) = sink.write(&event) {
            failed.get_or_insert_with(|| format!("{}: cannot write events: {e}", events.display()));
        }
        // Undeliverable events wait in the spool; only a spool that cannot be written is an error.
        if let Some(Err(e)) = nats.as_mut().map(|n| n.send(&event)) {
            failed.get_or_insert_with(|| e.to_string());
        }
        if let Some(local) = &local {
            local.send(event);
        }
    };
    // The dispatcher's cameras page shows each camera's last analysed frame when it runs here,
    // reading the evidence folder they share.
    let last_frames = local
        .as_ref()
        .map(|_| LastFrames::start(&loaded.config.storage.evidence_dir));
    topology::run(&loaded.config, detectors, &mut out, &stop, last_frames, &counted)
        .map_err(|e| vec![e.to_string()])?;
    if let Some(local) = local {
        local.stop().map_err(|e| vec![e])?;
    }
    failed.map_or(Ok(()), |f| Err(vec![f]))
}
