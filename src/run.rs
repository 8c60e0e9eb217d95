//! `gridwatch run`: the configuration's cameras live, through detection, tracking and the rules,
//! with camera health and violations written as JSON Lines and evidence stored.

use std::{
    net::SocketAddr,
    path::Path,
    sync::{atomic::AtomicBool, Arc},
    time::Duration,
};

use gridwatch_core::{redact::credentials, PipelineEvent};
use gridwatch_dispatcher::server::Local;
use gridwatch_pipeline::{
    evidence::LastFrames,
    metrics::{self, PipelineMetrics},
    sink::{JetStream, JsonLines, Sink, Sinks},
    topology::{self, Ran},
};

use crate::detectors;

pub fn run(config: &Path, events: &Path, seconds: Option<u64>) -> Result<(), Vec<String>> {
    let loaded = detectors::load_config(config)?;
    let model = detectors::required_model(&loaded, "running")?;
    let detectors = detectors::detectors(&loaded, model, model.workers)?;
    let file = JsonLines::open(events)
        .map_err(|e| vec![format!("{}: cannot write events: {e}", events.display())])?;
    let mut sinks: Vec<(String, Box<dyn Sink>)> = vec![(events.display().to_string(), Box::new(file))];
    let stop = stop_flag(seconds)?;
    let counted = PipelineMetrics::new();
    let _exporter = serve_metrics(loaded.config.metrics.listen, &counted)?;
    // One machine: the dispatcher runs here, fed through an in-process channel. With JetStream
    // configured, a dispatcher elsewhere consumes the stream instead.
    let local = match &loaded.config.output.nats {
        Some(n) => {
            let nats =
                JetStream::new(&n.url, &n.stream, &n.prefix, &n.spool).map_err(|e| vec![e.to_string()])?;
            sinks.push((format!("NATS {}", credentials(&n.url)), Box::new(nats)));
            None
        }
        None => {
            let local = Arc::new(Local::start(loaded.clone(), counted.registry()).map_err(|e| vec![e])?);
            println!("gridwatch: cases and API on http://{}", local.address);
            let dispatcher = local.clone();
            let send = move |event: &PipelineEvent| {
                dispatcher.send(event.clone());
                Ok(())
            };
            sinks.push(("dispatcher".to_owned(), Box::new(send)));
            Some(local)
        }
    };
    // The dispatcher's cameras page shows each camera's last analysed frame when it runs here,
    // reading the evidence folder they share.
    let last_frames = local
        .as_ref()
        .map(|_| LastFrames::start(&loaded.config.storage.evidence_dir));
    let ran = topology::run(
        &loaded.config,
        detectors,
        Sinks::start(sinks),
        &stop,
        last_frames,
        &counted,
    )
    .map_err(|e| vec![e.to_string()])?;
    if let Some(local) = local {
        // The sinks have finished: the dispatcher's is the only handle left.
        let local = Arc::into_inner(local).expect("the dispatcher's sink has finished");
        local.stop().map_err(|e| vec![e])?;
    }
    finished(ran)
}

/// Set on the first Ctrl-C or SIGTERM, or after `seconds` when given.
pub(crate) fn stop_flag(seconds: Option<u64>) -> Result<Arc<AtomicBool>, Vec<String>> {
    let stop = Arc::new(AtomicBool::new(false));
    stop_on_signal(&stop)?;
    if let Some(seconds) = seconds {
        let stop = stop.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(seconds));
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        });
    }
    Ok(stop)
}

/// `/metrics` on `listen`, when there is an address to listen on.
pub(crate) fn serve_metrics(
    listen: Option<SocketAddr>,
    counted: &PipelineMetrics,
) -> Result<Option<metrics::Exporter>, Vec<String>> {
    listen
        .map(|address| metrics::serve(address, counted.registry()))
        .transpose()
        .map_err(|e| vec![e])
}

/// What the run analysed, logged; what failed on the way, as its result.
pub(crate) fn finished(ran: Ran) -> Result<(), Vec<String>> {
    for (camera, frames) in &ran.analysed {
        tracing::info!(camera = %camera, frames, "frames analysed");
    }
    if ran.failures.is_empty() {
        Ok(())
    } else {
        Err(ran.failures)
    }
}

/// The first Ctrl-C (or SIGTERM) stops the run in order, so that evidence and events already
/// queued are still stored and written; a second one quits at once.
fn stop_on_signal(stop: &Arc<AtomicBool>) -> Result<(), Vec<String>> {
    let stop = stop.clone();
    ctrlc::set_handler(move || {
        if stop.swap(true, std::sync::atomic::Ordering::Relaxed) {
            std::process::exit(130);
        }
        tracing::info!("stopping: writing out what is queued (interrupt again to quit at once)");
    })
    .map_err(|e| vec![format!("cannot handle Ctrl-C: {e}")])
}
