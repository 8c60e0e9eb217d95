//! Playing a scenario's footage through the pipeline: decode, detect, track, judge.

use std::{
    sync::Arc,
    thread,
    time::{Duration, Instant},
};

use chrono_tz::Tz;
use gridwatch_core::{config::Rule, Frame};

use super::{ReplayError, Scenario};
use crate::{
    detect::{Detector, Image},
    evidence::ClipRing,
    rules::{Finding, RuleEngine},
    source::{play, FrameQueue, Next, Overflow, StreamSpec, Timeline},
    track::{Tracker, TrackerConfig},
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

/// What sees each analysed frame with the findings made on it.
pub type OnFrame<'a> = dyn FnMut(&Frame, &[Finding]) -> Result<(), ReplayError> + 'a;

/// Plays `scenario` on the footage's own clock, as fast as the machine decodes; every frame the
/// camera's decode policy lets through is analysed, none dropped, so two runs give the same
/// findings. `on_frame` sees each analysed frame with the findings made on it (for evidence,
/// sinks); with `clips`, the footage's compressed packets go to that ring as it plays.
pub fn replay(
    scenario: &Scenario,
    rules: &[Rule],
    detector: &mut Detector,
    tz: Tz,
    tracking: &TrackerConfig,
    clips: Option<Arc<ClipRing>>,
    on_frame: &mut OnFrame,
) -> Result<Replayed, ReplayError> {
    let started = Instant::now();
    let rules = scenario.rules(rules)?;
    let area = scenario.camera.analysed_area(&rules); // where live analysis looks, too
    let mut engine = RuleEngine::build(&scenario.camera, &rules, &detector.card().classes, tz, tracking)?;
    let queue = Arc::new(FrameQueue::new(4, Overflow::Wait));
    let player = {
        let (queue, camera, stream, start) = (
            queue.clone(),
            scenario.camera.id.clone(),
            StreamSpec::detect_stream(&scenario.camera),
            scenario.start(),
        );
        thread::spawn(move || {
            let result = play(&camera, &stream, Timeline::Replay { start }, &queue, clips);
            queue.close();
            result
        })
    };
    let mut tracker = Tracker::new(tracking.clone());
    let (mut findings, mut frames) = (Vec::new(), 0);
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
        let Some(tracks) = tracker.try_update(frame.pts, &detections) else {
            continue;
        };
        let found = engine.step(frame.wall, frame.pts, tracks, &detections);
        if let Err(e) = on_frame(&frame, &found) {
            break Err(e);
        }
        findings.extend(found);
        frames += 1;
    };
    queue.close();
    let played = player
        .join()
        .map_err(|_| ReplayError::Stalled(scenario.meta.name.clone()))?;
    outcome?;
    played?;
    Ok(Replayed {
        findings,
        frames,
        dropped: tracker.dropped(),
        elapsed: started.elapsed(),
    })
}
