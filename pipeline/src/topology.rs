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
        Arc, Mutex,
    },
    thread::JoinHandle,
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use crossbeam_channel::{select, unbounded, Receiver, Sender};
use gridwatch_core::{config::Config, CameraHealth, CameraId};

use crate::{
    analysis::{AnalysisError, CameraAnalysis, Outlet, Output, Setting},
    detect::{spawn_workers, Analysed, BatchPolicy, Batcher, Detector, Joiner},
    evidence::{EvidenceStore, LastFrames, WhenFull},
    metrics::PipelineMetrics,
    rules::Carried,
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

/// Which cameras a run analyses: a worker starts and stops cameras as it gains and gives up their
/// leases.
#[derive(Debug, Clone)]
pub enum Assignment {
    /// Analyse this camera of the configuration (again, if it was stopped), following on from
    /// the violations confirmed on it before.
    Start(CameraId, Vec<Carried>),
    /// Stop analysing it.
    Stop(CameraId),
}

/// Each running camera's confirmed violations, as analysis last left them: what a worker hands
/// over with the camera.
pub type Handover = Arc<Mutex<BTreeMap<CameraId, Vec<Carried>>>>;

/// How a worker steers a run.
pub struct Steering {
    pub assignments: Receiver<Assignment>,
    /// Where the cameras' confirmed violations are kept for hand-over; none on one machine.
    pub handover: Option<Handover>,
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
    last_frames: Option<LastFrames>,
    metrics: &PipelineMetrics,
) -> Result<Ran, TopologyError> {
    let (assign, assignments) = unbounded();
    for camera in &config.cameras {
        let _ = assign.send(Assignment::Start(camera.id.clone(), Vec::new()));
    }
    drop(assign);
    let steering = Steering {
        assignments,
        handover: None,
    };
    run_steered(config, detectors, sinks, stop, last_frames, metrics, steering)
}

/// As [`run`], for the cameras `steering` starts and stops, keeping each one's confirmed
/// violations in its handover if it has one; once the assignments' sender is gone no camera
/// joins, and the run ends when `stop` is set or the cameras it runs have all ended.
pub fn run_steered(
    config: &Config,
    detectors: Vec<Detector>,
    sinks: Sinks,
    stop: &Arc<AtomicBool>,
    mut last_frames: Option<LastFrames>,
    metrics: &PipelineMetrics,
    steering: Steering,
) -> Result<Ran, TopologyError> {
    let Steering {
        assignments,
        handover,
    } = steering;
    let card = detectors.first().expect("at least one detector").card().clone();
    let setting = Setting::new(config, &card);
    // Live analysis keeps the cameras' pace: evidence a slow disk cannot take is skipped.
    let store = EvidenceStore::new(&config.storage.evidence_dir);
    let output = Output::start(sinks, Some((store, WhenFull::Skip)), Some(metrics.clone()));
    let outlet = output.outlet();
    // Every camera's analysis is built first, so a camera the rules cannot run fails the run at
    // its start, not when a worker takes it over.
    let mut ready = HashMap::new();
    for camera in &config.cameras {
        match CameraAnalysis::build(camera, &setting, outlet) {
            Ok(a) => ready.insert(camera.id.clone(), a),
            Err(e) => {
                output.finish();
                return Err(e.into());
            }
        };
    }

    let bell = Arc::new(Doorbell::default());
    let (health_tx, health) = unbounded();
    let batching = config
        .model
        .as_ref()
        .map_or_else(BatchPolicy::default, |m| BatchPolicy {
            max_batch: m.max_batch,
            max_wait: Duration::from_millis(m.max_wait_ms),
        });
    let (batcher, joiner) = Batcher::joinable(bell.clone(), batching);
    let (results_tx, results) = unbounded();
    let workers = spawn_workers(batcher, detectors, results_tx, metrics);
    let mut running = Running {
        config,
        setting: &setting,
        metrics,
        bell,
        health: health_tx,
        joiner: Some(joiner),
        ready,
        cameras: HashMap::new(),
        stopping: Vec::new(),
        ended: BTreeMap::new(),
    };

    // Live frames restart their timestamps when a recording loops: the tracker runs on the time
    // since start instead.
    let started = (Instant::now(), Utc::now());
    let since_start = |wall: DateTime<Utc>| (wall - started.1).to_std().unwrap_or(started.0.elapsed());
    let mut assignments = Some(assignments);
    while !stop.load(Ordering::Relaxed) {
        let assigned = assignments.clone().unwrap_or_else(crossbeam_channel::never);
        select! {
            recv(assigned) -> assignment => match assignment {
                Ok(Assignment::Start(id, carried)) => running.start(&id, &carried, outlet),
                Ok(Assignment::Stop(id)) => {
                    running.stop(&id);
                    if let Some(handover) = &handover {
                        handover.lock().expect("handover lock poisoned").remove(&id);
                    }
                }
                Err(_) => {
                    assignments = None;
                    running.joiner = None;
                }
            },
            recv(health) -> event => if let Ok(event) = event {
                if let Some(camera) = running.cameras.get_mut(&event.camera) {
                    camera.analysis.stream(event, outlet);
                }
            },
            recv(results) -> result => match result {
                Ok(Ok(Analysed { frame, detections })) => {
                    let Some(camera) = running.cameras.get_mut(&frame.camera) else { continue };
                    camera.analysed.inc();
                    let Some(findings) = camera.analysis.step(&frame, since_start(frame.wall), &detections, outlet) else {
                        continue;
                    };
                    if let Some(last) = &mut last_frames {
                        last.offer(&frame, Instant::now());
                    }
                    // Kept while a violation lasts, so that the worker that takes the camera
                    // over knows when it was last seen.
                    if let Some(handover) = handover.as_ref().filter(|_| !findings.is_empty() || camera.carrying) {
                        let carried = camera.analysis.carried();
                        camera.carrying = !carried.is_empty();
                        handover.lock().expect("handover lock poisoned").insert(frame.camera.clone(), carried);
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
    let ids: Vec<_> = running.cameras.keys().cloned().collect();
    for id in ids {
        running.stop(&id);
    }
    running.joiner = None;
    std::mem::take(&mut running.stopping)
        .into_iter()
        .chain(workers)
        .for_each(|h| {
            let _ = h.join();
        });
    Ok(Ran {
        analysed: running.ended,
        failures: output.finish(),
    })
}

/// The cameras a run is analysing now.
struct Running<'a> {
    config: &'a Config,
    setting: &'a Setting<'a>,
    metrics: &'a PipelineMetrics,
    bell: Arc<Doorbell>,
    health: Sender<CameraHealth>,
    joiner: Option<Joiner>,
    /// Analyses built and not yet started.
    ready: HashMap<CameraId, CameraAnalysis>,
    cameras: HashMap<CameraId, RunningCamera>,
    /// Threads of stopped cameras, until they have ended.
    stopping: Vec<JoinHandle<()>>,
    /// Frames analysed per camera, over every time it ran.
    ended: BTreeMap<CameraId, u64>,
}

struct RunningCamera {
    analysis: CameraAnalysis,
    queue: Arc<FrameQueue>,
    /// Stops this camera alone.
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
    /// The camera's analysed-frames series, looked up once: counting a frame is an atomic add.
    analysed: prometheus_client::metrics::counter::Counter,
    /// Whether it has confirmed violations to hand over.
    carrying: bool,
}

impl Running<'_> {
    fn start(&mut self, id: &CameraId, carried: &[Carried], outlet: &Outlet) {
        let Some(joiner) = &self.joiner else { return };
        if self.cameras.contains_key(id) {
            return;
        }
        let Some(camera) = self.config.cameras.iter().find(|c| c.id == *id) else {
            tracing::warn!(camera = %id, "not a camera of this configuration: not started");
            return;
        };
        // A camera started again starts afresh: what it tracked before is out of date.
        let mut analysis = match self.ready.remove(id) {
            Some(analysis) => analysis,
            None => match CameraAnalysis::build(camera, self.setting, outlet) {
                Ok(analysis) => analysis,
                Err(e) => {
                    // It built when the run started, from the same configuration.
                    tracing::error!(camera = %id, error = %e, "cannot analyse this camera");
                    return;
                }
            },
        };
        analysis.carry_on(carried, outlet);
        let camera_metrics = self.metrics.camera(id);
        let analysed = camera_metrics.analysed.clone();
        let queue = Arc::new(
            FrameQueue::new(1, Overflow::DropOldest)
                .with_doorbell(self.bell.clone())
                .with_metrics(camera_metrics),
        );
        let live = LiveCamera {
            clips: analysis.clip_ring(),
            ..LiveCamera::from_config(camera)
        };
        let stop = Arc::new(AtomicBool::new(false));
        let thread = spawn(live, queue.clone(), self.health.clone(), stop.clone());
        joiner.add(queue.clone());
        tracing::info!(camera = %id, "camera started");
        self.cameras.insert(
            id.clone(),
            RunningCamera {
                analysis,
                queue,
                stop,
                thread,
                analysed,
                carrying: !carried.is_empty(),
            },
        );
    }

    /// Stops the camera; its thread ends once its stream has stopped.
    fn stop(&mut self, id: &CameraId) {
        let Some(camera) = self.cameras.remove(id) else {
            return;
        };
        camera.stop.store(true, Ordering::Relaxed);
        camera.queue.close();
        *self.ended.entry(id.clone()).or_default() += camera.analysis.analysed();
        tracing::info!(camera = %id, "camera stopped");
        self.stopping.retain(|t| !t.is_finished());
        self.stopping.push(camera.thread);
    }
}
