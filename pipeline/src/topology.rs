//! Live running: the configuration's cameras, wired stage to stage.
//!
//! Each camera runs on its own thread into its own newest-wins queue; one batcher gathers frames
//! across cameras for the inference workers; per camera, a tracker, the rules and an evidence
//! recorder turn detections into events. Each analysed frame is also shown to the camera's view
//! watch (frozen, dark, moved), whose state is reported with the stream's as the camera's health,
//! and while a camera's view is moved its rules are not stepped. Camera health and violations
//! leave through `out`.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use crossbeam_channel::{select, unbounded};
use gridwatch_core::{config::Config, CameraId, CameraState, ModelRef, PipelineEvent};

use crate::{
    detect::{spawn_workers, Analysed, BatchPolicy, Batcher, Detector},
    evidence::{Clips, EvidenceStore, LastFrames, Recorder},
    metrics::PipelineMetrics,
    rules::{RuleEngine, RuleError},
    source::{spawn, Doorbell, FrameQueue, LiveCamera, Overflow},
    track::{Tracker, TrackerConfig},
    view::{ReportedHealth, ViewError, ViewWatch},
};

/// Why live running could not start.
#[derive(Debug, thiserror::Error)]
pub enum TopologyError {
    #[error(transparent)]
    Rules(#[from] RuleError),
    #[error("camera {camera}: {error}")]
    View { camera: CameraId, error: ViewError },
}

/// One camera's analysis state.
struct Analysis {
    tracker: Tracker,
    rules: RuleEngine,
    recorder: Recorder,
    view: ViewWatch,
    health: ReportedHealth,
}

/// Runs every camera of `config` until `stop` is set, handing each event to `out`. `detectors`
/// are the inference workers (one each); evidence goes under the configuration's evidence folder,
/// and so do the cameras' last analysed frames when `last_frames` keeps them. Every stage counts
/// into `metrics`.
pub fn run(
    config: &Config,
    detectors: Vec<Detector>,
    out: &mut dyn FnMut(PipelineEvent),
    stop: &Arc<AtomicBool>,
    mut last_frames: Option<LastFrames>,
    metrics: &PipelineMetrics,
) -> Result<(), TopologyError> {
    let out = &mut |event: PipelineEvent| {
        metrics.event(&event);
        out(event)
    };
    let card = detectors.first().expect("at least one detector").card().clone();
    let model = ModelRef {
        name: card.name.clone(),
        version: card.version.clone(),
    };
    let tz = config.city.timezone.0;
    let tracking = TrackerConfig::from(&config.tracking);
    let mut analysis = HashMap::new();
    let mut rings = HashMap::new();
    for camera in &config.cameras {
        let rules = RuleEngine::build(camera, &config.rules, &card.classes, tz, &tracking)?;
        let clips = Clips::new(config.storage.clip_before.0, config.storage.clip_after.0);
        rings.insert(camera.id.clone(), clips.ring.clone());
        let store = EvidenceStore::new(&config.storage.evidence_dir);
        let recorder = Recorder::new(store, camera, tz, Some(clips));
        let view = ViewWatch::build(camera).map_err(|error| TopologyError::View {
            camera: camera.id.clone(),
            error,
        })?;
        analysis.insert(
            camera.id.clone(),
            Analysis {
                tracker: Tracker::new(tracking.clone()),
                rules,
                recorder,
                view,
                health: ReportedHealth::new(camera.id.clone()),
            },
        );
    }

    let bell = Arc::new(Doorbell::default());
    let (health_tx, health) = unbounded();
    let mut queues = Vec::new();
    let mut cameras = Vec::new();
    for camera in &config.cameras {
        let queue = Arc::new(
            FrameQueue::new(1, Overflow::DropOldest)
                .with_doorbell(bell.clone())
                .with_metrics(metrics.camera(&camera.id)),
        );
        let live = LiveCamera {
            clips: rings.remove(&camera.id),
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
    let cameras_by_id: HashMap<CameraId, _> = config.cameras.iter().map(|c| (c.id.clone(), c)).collect();
    while !stop.load(Ordering::Relaxed) {
        select! {
            recv(health) -> event => if let Ok(event) = event {
                let Some(a) = analysis.get_mut(&event.camera) else { continue };
                if event.state != CameraState::Online {
                    a.view.interrupted();
                }
                if let Some(reported) = a.health.stream(event) {
                    out(PipelineEvent::CameraHealth(reported));
                }
            },
            recv(results) -> result => match result {
                Ok(Ok(Analysed { frame, detections })) => {
                    metrics.analysed(&frame.camera);
                    let Some(a) = analysis.get_mut(&frame.camera) else { continue };
                    let at = since_start(frame.wall);
                    let Some(tracks) = a.tracker.try_update(at, &detections) else {
                        // Logged at each doubling: a clock stepped back drops every frame until it
                        // has caught up.
                        let dropped = a.tracker.dropped();
                        if dropped.is_power_of_two() {
                            eprintln!(
                                "gridwatch: camera {}: {dropped} frame(s) dropped so far for being older than the last one analysed",
                                frame.camera
                            );
                        }
                        continue;
                    };
                    a.recorder.advance(frame.wall);
                    if let Some(last) = &mut last_frames {
                        last.offer(&frame, Instant::now());
                    }
                    if let Some(reported) = a.view.observe(&frame).and_then(|change| a.health.view(change)) {
                        out(PipelineEvent::CameraHealth(reported));
                    }
                    // A moved camera's zones no longer lie where they were drawn.
                    if a.view.rules_paused() {
                        continue;
                    }
                    for finding in a.rules.step(frame.wall, at, tracks, &detections) {
                        let evidence = a.recorder.observe(&finding, &frame).unwrap_or_else(|e| {
                            eprintln!("gridwatch: camera {}: evidence not stored: {e}", frame.camera);
                            None
                        });
                        let camera = cameras_by_id[&frame.camera];
                        if let Some(mut event) = finding.to_event(camera, &model) {
                            if let (PipelineEvent::Violation(v), Some(refs)) = (&mut event, evidence) {
                                v.evidence = refs;
                            }
                            out(event);
                        }
                    }
                }
                Ok(Err(failed)) => eprintln!("gridwatch: inference failed for {} frame(s): {}", failed.frames.len(), failed.error),
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
    Ok(())
}
