//! Inference workers: batches from the [`Batcher`] are spread over N threads, each with its own
//! detector session, and every frame's detections come out tagged with the frame they belong to.

use std::{thread, time::Instant};

use crossbeam_channel::{bounded, Receiver, Sender};
use gridwatch_core::{CameraId, Frame};

use super::{Batcher, DetectError, Detection, Detector};
use crate::metrics::PipelineMetrics;

/// One analysed frame: which camera and moment, the picture, and what was found in it.
#[derive(Debug)]
pub struct Analysed {
    pub frame: Frame,
    pub detections: Vec<Detection>,
}

/// A batch that failed; the frames are named so that the failure can be traced.
#[derive(Debug)]
pub struct Failed {
    pub frames: Vec<(CameraId, std::time::Duration)>,
    pub error: DetectError,
}

/// Runs `batcher` on its own thread and `detectors.len()` workers, one per detector. Results and
/// failures go to `out`, each batch's size and time to `metrics` under its model's name; the
/// threads end when every camera has closed and all work is done.
pub fn spawn(
    batcher: Batcher,
    detectors: Vec<Detector>,
    out: Sender<Result<Analysed, Failed>>,
    metrics: &PipelineMetrics,
) -> Vec<thread::JoinHandle<()>> {
    assert!(!detectors.is_empty(), "at least one inference worker");
    // One batch waiting per worker keeps them busy without hoarding frames that go stale.
    let (work, jobs): (Sender<Vec<Frame>>, Receiver<Vec<Frame>>) = bounded(detectors.len());
    let mut handles = vec![thread::Builder::new()
        .name("batcher".into())
        .spawn(move || {
            let mut batcher = batcher;
            while let Some(batch) = batcher.next_batch() {
                if work.send(batch).is_err() {
                    break;
                }
            }
        })
        .expect("spawning the batcher")];
    for (i, detector) in detectors.into_iter().enumerate() {
        let (jobs, out) = (jobs.clone(), out.clone());
        let counted = metrics.model(&detector.card().name);
        let worker = move || {
            let mut detector = detector;
            for batch in jobs {
                let started = Instant::now();
                let result = detector.detect_frames(&batch);
                counted.batch(batch.len(), started.elapsed());
                let sent = match result {
                    Ok(found) => batch
                        .into_iter()
                        .zip(found)
                        .all(|(frame, detections)| out.send(Ok(Analysed { frame, detections })).is_ok()),
                    Err(error) => {
                        let frames = batch.iter().map(|f| (f.camera.clone(), f.pts)).collect();
                        out.send(Err(Failed { frames, error })).is_ok()
                    }
                };
                if !sent {
                    break;
                }
            }
        };
        handles.push(
            thread::Builder::new()
                .name(format!("inference-{i}"))
                .spawn(worker)
                .expect("spawning a worker"),
        );
    }
    handles
}
