//! No false alarms on the shipped footage: every committed replay fixture, decoded whole and
//! analysed five times a second as a camera set to `decode = { fps = 5 }` would see it, passes the view checks far stricter than their
//! defaults — no dark picture at all (the night scenes included), every comparison with the first
//! frame within the moved limit, and no picture repeated for a sixth of the default frozen time.
//!
//! The footage's encoder repeats a still scene exactly between keyframes (every 2 s), as a real
//! camera's does at a low bitrate, but each keyframe carries fresh sensor noise: runs of the same
//! picture are measured and must stay well short of the limit.

mod footage;

use std::{sync::Arc, thread, time::Duration};

use gridwatch_core::{
    config::{DecodePolicy, DEFAULT_FROZEN_AFTER},
    CameraState,
};
use gridwatch_pipeline::{
    replay::Scenario,
    source::{play, FrameQueue, Next, Overflow, StreamSpec, Timeline},
    view::{Samples, ViewLimits, ViewWatch, DARK_BRIGHTNESS, DARK_CONTRAST, SAME_PICTURE},
};

/// What one fixture's frames measured.
#[derive(Debug)]
struct Measured {
    frames: u64,
    /// The longest run of frames within [`SAME_PICTURE`] of the one before.
    longest_same: Duration,
    /// The darkest frame's brightness, and the least contrast of any frame.
    least_brightness: f64,
    least_contrast: f64,
}

#[test]
fn no_committed_fixture_is_ever_frozen_dark_or_moved() {
    let mut folders: Vec<_> = std::fs::read_dir(footage::fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("footage.mp4").is_file())
        .collect();
    folders.sort();
    assert!(folders.len() >= 10, "{folders:?}");
    for folder in folders {
        let scenario = Scenario::load(&folder).unwrap();
        let name = scenario.meta.name.clone();
        // One dark frame is enough, ten seconds of one picture too, compared every few seconds.
        let frozen_after = DEFAULT_FROZEN_AFTER / 6;
        let limits = ViewLimits {
            frozen_after,
            dark_after: Duration::from_millis(1),
            check_every: Duration::from_secs(5),
            ..ViewLimits::from_config(&scenario.camera)
        };
        let mut watch = ViewWatch::new(limits, None);
        let queue = Arc::new(FrameQueue::new(8, Overflow::Wait));
        let player = {
            let (queue, id, start) = (queue.clone(), scenario.camera.id.clone(), scenario.start());
            let stream = StreamSpec::new(scenario.camera.uri.clone(), DecodePolicy::Fps(5.0));
            thread::spawn(move || {
                let played = play(&id, &stream, Timeline::Replay { start }, &queue, None);
                queue.close();
                played
            })
        };
        let mut measured = Measured {
            frames: 0,
            longest_same: Duration::ZERO,
            least_brightness: f64::MAX,
            least_contrast: f64::MAX,
        };
        let mut previous: Option<Samples> = None;
        let mut same_since = None;
        loop {
            let frame = match queue.next(Duration::from_secs(120)) {
                Next::Frame(frame) => frame,
                Next::Closed => break,
                Next::Timeout => panic!("{name}: no frame within two minutes"),
            };
            let samples = Samples::of(&frame);
            let same = previous
                .as_ref()
                .and_then(|p| samples.difference(p))
                .is_some_and(|d| d < SAME_PICTURE);
            if same {
                let since = *same_since.get_or_insert(frame.pts);
                measured.longest_same = measured.longest_same.max(frame.pts - since);
            } else {
                same_since = Some(frame.pts);
            }
            measured.least_brightness = measured.least_brightness.min(samples.brightness());
            measured.least_contrast = measured.least_contrast.min(samples.contrast());
            previous = Some(samples);
            measured.frames += 1;
            if let Some(change) = watch.observe(&frame) {
                assert_eq!(
                    change.state,
                    CameraState::Online,
                    "{name}: frame {} at {:?}: {:?}",
                    measured.frames,
                    frame.pts,
                    change.detail
                );
            }
        }
        player.join().unwrap().unwrap();
        println!("{name}: {measured:?}");
        assert!(measured.frames > 100, "{name}: {measured:?}");
        assert!(
            measured.longest_same < frozen_after / 2,
            "{name}: one picture lasts near the frozen limit: {measured:?}"
        );
        assert!(
            measured.least_brightness > DARK_BRIGHTNESS || measured.least_contrast > 2.0 * DARK_CONTRAST,
            "{name}: a frame comes near dark: {measured:?}"
        );
    }
}
