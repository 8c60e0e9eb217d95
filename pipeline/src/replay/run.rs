//! Playing a scenario's footage through the pipeline: decode, detect, then the camera's
//! analysis exactly as live running does it.

use std::{
    sync::Arc,
    thread,
    time::{Duration, Instant},
};

use gridwatch_core::Frame;

use super::{ReplayError, Scenario};
use crate::{
    analysis::{CameraAnalysis, Outlet, Setting},
    detect::{Detector, Image},
    rules::Finding,
    source::{play, FrameQueue, Next, Overflow, StreamSpec, Timeline},
};

/// What one replay produced.
#[derive(Debug)]
pub struct Replayed {
    pub findings: Vec<Finding>,
    /// Frames analysed.
    pub frames: u64,
    /// Frames dropped for being older than the last one analysed.
    pub dropped: u64,
    /// How long the replay took.
    pub elapsed: Duration,
}

/// Plays `scenario` on the footage's own clock, as fast as the machine decodes; every frame the
/// camera's decode policy lets through is analysed, none dropped, so two runs give the same
/// findings. `setting` holds the rules before the scenario's overrides. Events and evidence go
/// to `outlet`; `on_frame` sees each analysed frame (for progress).
pub fn replay(
    scenario: &Scenario,
    setting: &Setting,
    detector: &mut Detector,
    outlet: &Outlet,
    on_frame: &mut dyn FnMut(&Frame),
) -> Result<Replayed, ReplayError> {
    let started = Instant::now();
    let rules = scenario.rules(setting.rules)?;
    let area = scenario.camera.analysed_area(&rules); // where live analysis looks, too
    let setting = Setting {
        rules: &rules,
        ..setting.clone()
    };
    let mut analysis = CameraAnalysis::build(&scenario.camera, &setting, outlet)?;
    let queue = Arc::new(FrameQueue::new(4, Overflow::Wait));
    let player = {
        let (queue, camera, stream, start, clips) = (
            queue.clone(),
            scenario.camera.id.clone(),
            StreamSpec::detect_stream(&scenario.camera),
            scenario.start(),
            analysis.clip_ring(),
        );
        thread::spawn(move || {
            let result = play(&camera, &stream, Timeline::Replay { start }, &queue, clips);
            queue.close();
            result
        })
    };
    let mut findings = Vec::new();
    let outcome = loop {
        let frame = match queue.next(Duration::from_secs(60)) {
            Next::Frame(frame) => frame,
            Next::Closed => break Ok(()),
            Next::Timeout => break Err(ReplayError::Stalled(scenario.meta.name.clone())),
        };
        let detections = match detector.detect(&Image::from(&frame).within(area)) {
            Ok(d) => d,
            Err(e) => break Err(e.into()),
        };
        if let Some(found) = analysis.step(&frame, frame.pts, &detections, outlet) {
            findings.extend(found);
            on_frame(&frame);
        }
    };
    queue.close();
    let played = player
        .join()
        .map_err(|_| ReplayError::Stalled(scenario.meta.name.clone()))?;
    outcome?;
    played?;
    Ok(Replayed {
        findings,
        frames: analysis.analysed(),
        dropped: analysis.dropped(),
        elapsed: started.elapsed(),
    })
}
