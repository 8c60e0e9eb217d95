//! `gridwatch worker`: the pipeline alone, for the cameras this worker holds leases on, with its
//! events going to NATS JetStream for the dispatchers. Several workers run from one configuration
//! and share its cameras (see `gridwatch_pipeline::lease`).

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use gridwatch_core::{redact::credentials, WorkerId};
use gridwatch_pipeline::{
    lease::{Holder, Leases},
    metrics::PipelineMetrics,
    sink::{JetStream, Sinks},
    topology::{self, Handover, Steering},
};

use crate::{detectors, run};

/// How this worker differs from the others run from the same configuration.
pub struct Own {
    pub id: Option<String>,
    pub max_cameras: Option<usize>,
    /// Where its `/metrics` are served, instead of `[metrics] listen`.
    pub metrics: Option<SocketAddr>,
}

pub fn run(config: &Path, own: Own, seconds: Option<u64>) -> Result<(), Vec<String>> {
    let Own {
        id,
        max_cameras,
        metrics,
    } = own;
    let loaded = detectors::load_config(config)?;
    let Some(nats) = loaded.config.output.nats.clone() else {
        return Err(vec![format!(
            "{}: a worker sends its events to NATS JetStream, and shares the cameras through it; the configuration has no [output.nats]",
            config.display()
        )]);
    };
    let id = match id {
        Some(id) => WorkerId::new(id).map_err(|e| vec![format!("--id: {e}")])?,
        None => default_id(),
    };
    if max_cameras == Some(0) {
        return Err(vec![
            "--max-cameras: a worker that may hold no camera does nothing".to_owned(),
        ]);
    }
    let capacity = max_cameras
        .or(loaded.config.workers.max_cameras)
        .unwrap_or(loaded.config.cameras.len());
    let model = detectors::required_model(&loaded, "running a worker")?;
    let detectors = detectors::detectors(&loaded, model, model.workers)?;
    let stop = run::stop_flag(seconds)?;
    let (counted, held) = PipelineMetrics::worker();
    let exporter = run::serve_metrics(metrics.or(loaded.config.metrics.listen), &counted)?;
    if exporter.is_none() {
        tracing::warn!("no [metrics] listen address: this worker's metrics are not served");
    }
    // Workers on one machine share the configuration but not a spool.
    let spool = own_spool(&nats.spool, &id);
    let sink =
        JetStream::new(&nats.url, &nats.stream, &nats.prefix, &spool).map_err(|e| vec![e.to_string()])?;
    let (assign, assignments) = crossbeam_channel::unbounded();
    let handover = Handover::default();
    let cameras = loaded.config.cameras.iter().map(|c| c.id.clone()).collect();
    let holder = Holder {
        id: id.clone(),
        url: nats.url.clone(),
        settings: loaded.config.workers.clone(),
        capacity,
        cameras,
        handover: handover.clone(),
    };
    let leases = Leases::start(holder, assign, stop.clone(), held).map_err(|e| vec![e])?;
    println!(
        "gridwatch: worker {id} shares {} cameras through {} (at most {capacity} here)",
        loaded.config.cameras.len(),
        credentials(&nats.url)
    );
    let sinks = Sinks::start(vec![(format!("NATS {}", credentials(&nats.url)), Box::new(sink))]);
    let ran = topology::run_steered(
        &loaded.config,
        detectors,
        sinks,
        &stop,
        None,
        &counted,
        Steering {
            assignments,
            handover: Some(handover),
        },
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    leases.join();
    run::finished(ran.map_err(|e| vec![e.to_string()])?)
}

/// The host's name and the process id: unique while the process lives.
fn default_id() -> WorkerId {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let host: String = host
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(40)
        .collect();
    let host = host.trim_start_matches('-');
    let host = if host.is_empty() { "worker" } else { host };
    WorkerId::new(format!("{host}-{}", std::process::id())).expect("made of id characters")
}

/// `var/nats-spool.jsonl` becomes `var/nats-spool-<worker>.jsonl`.
fn own_spool(spool: &Path, id: &WorkerId) -> PathBuf {
    let stem = spool.file_stem().unwrap_or_default().to_string_lossy();
    let name = match spool.extension() {
        Some(ext) => format!("{stem}-{id}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{id}"),
    };
    spool.with_file_name(name)
}
