//! Live running: the configuration's cameras, wired stage to stage.
//!
//! Each camera runs on its own thread into its own newest-wins queue; one batcher gathers frames
//! across cameras for the inference workers; per camera, a [`CameraAnalysis`] turns each analysed
//! frame into camera health, violations and evidence, exactly as replay does. What it makes
//! leaves through the [`Output`] thread, which stores evidence and feeds the sinks, so a slow
//! disk or an unreachable server never holds up analysis.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use crossbeam_channel::{select, unbounded};
use gridwatch_core::{config::Config, CameraId};

use crate::{
    analysis::{AnalysisError, CameraAnalysis, Output, Setting},
    detect::{spawn_workers, Analysed, BatchPolicy, Batcher, Detector},
    evidence::{EvidenceStore, LastFrames, WhenFull},
    metrics::PipelineMetrics,
    sink::Sinks,
    source::{spawn, Doorbell, FrameQueue, LiveCamera, Overflow},
};

/// Why live running could not start.
#[derive(Debug, thiserror::Error)]
pub enum TopologyError {
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Ran {
    /// Frames analysed per camera.
    pub analysed: BTreeMap<CameraId, u64>,
    /// What failed in the output on the way: each sink's first failure, the first evidence not
    /// stored. Analysis went on regardless.
    pub failures: Vec<String>,
}

/// Runs every camera of `config` until `stop` is set, handing each event to `sinks`. `detectors`
/// are the inference workers (one each); evidence goes under the configuration's evidence folder,
/// and so do the cameras' last analysed frames when `last_frames` keeps them. Every stage counts
/// into `metrics`. Returns once everything analysed is stored and written.
pub fn run(
    config: &Config,
    detectors: Vec<Detector>,
    sinks: Sinks,
    stop: &Arc<AtomicBool>,
    mut last_frames: Option<LastFrames>,
    metrics: &PipelineMetrics,
) -> Result<Ran, TopologyError> {
    let card = detectors.first().expect("at least one detector").card().clone();
    let setting = Setting::new(config, &card);
    // Live analysis keeps the cameras' pace: evidence a slow disk cannot take is skipped.
    let store = EvidenceStore::new(&config.storage.evidence_dir);
    let output = Output::start(sinks, Some((store, WhenFull::Skip)), Some(metrics.clone()));
    let outlet = output.outlet();
    let mut analysis = HashMap::new();
    for camera in &config.cameras {
        match CameraAnalysis::build(camera, &setting, outlet) {
            Ok(a) => analysis.insert(camera.id.clone(), a),
            Err(e) => {
                output.finish();
                return Err(e.into());
            }
        };
    }

    let bell = Arc::new(Doorbell::default());
    let (health_tx, health) = unbounded();
    let mut queues = Vec::new();
    let mut cameras = Vec::new();
    // Each camera's series, looked up once: counting a frame is then an atomic add.
    let mut counted = HashMap::new();
    for camera in &config.cameras {
        let camera_metrics = metrics.camera(&camera.id);
        counted.insert(camera.id.clone(), camera_metrics.analysed.clone());
        let queue = Arc::new(
            FrameQueue::new(1, Overflow::DropOldest)
                .with_doorbell(bell.clone())
                .with_metrics(camera_metrics),
        );
        let live = LiveCamera {
            clips: analysis[&camera.id].clip_ring(),
            ..LiveCamera::from_config(camera)
        };
        cameras.push(spawn(live, queue.clone(), health_tx.clone(), stop.clone()));
        queues.push(queue);
    }
    drop(health_tx);
    let batching = config
        .model
        .as_ref()
        .map_or_else(BatchPolicy::default, |m| BatchPolicy {
            max_batch: m.max_batch,
            max_wait: Duration::from_millis(m.max_wait_ms),
        });
    let (results_tx, results) = unbounded();
    let workers = spawn_workers(
        Batcher::new(queues.clone(), bell, batching),
        detectors,
        results_tx,
        metrics,
    );

    // Live frames restart their timestamps when a recording loops: the tracker runs on the time
    // since start instead.
    let started = (Instant::now(), Utc::now());
    let since_start = |wall: DateTime<Utc>| (wall - started.1).to_std().unwrap_or(started.0.elapsed());
    while !stop.load(Ordering::Relaxed) {
        select! {
            recv(health) -> event => if let Ok(event) = event {
                if let Some(a) = analysis.get_mut(&event.camera) {
                    a.stream(event, outlet);
                }
            },
            recv(results) -> result => match result {
                Ok(Ok(Analysed { frame, detections })) => {
                    let Some(a) = analysis.get_mut(&frame.camera) else { continue };
                    counted[&frame.camera].inc();
                    if a.step(&frame, since_start(frame.wall), &detections, outlet).is_some() {
                        if let Some(last) = &mut last_frames {
                            last.offer(&frame, Instant::now());
                        }
                    }
                }
                Ok(Err(failed)) => tracing::warn!(
                    frames = failed.frames.len(),
                    error = %failed.error,
                    "inference failed"
                ),
                Err(_) => break,
            },
            default(Duration::from_millis(200)) => {}
        }
    }
    stop.store(true, Ordering::Relaxed);
    queues.iter().for_each(|q| q.close());
    cameras.into_iter().chain(workers).for_each(|h| {
        let _ = h.join();
    });
    Ok(Ran {
        analysed: analysis
            .iter()
            .map(|(id, a)| (id.clone(), a.analysed()))
            .collect(),
        failures: output.finish(),
    })
}
