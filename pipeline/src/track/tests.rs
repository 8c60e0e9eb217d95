use std::time::Duration;

use gridwatch_core::{Detection, ImageBox};

use super::{Track, Tracker, TrackerConfig};

fn det(class: u16, score: f32, x: f64, y: f64) -> Detection {
    Detection {
        class,
        score,
        bbox: ImageBox {
            x1: x,
            y1: y,
            x2: x + 40.0,
            y2: y + 100.0,
        },
    }
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

#[test]
fn a_still_object_keeps_one_track_and_becomes_stationary() {
    let mut tracker = Tracker::new(TrackerConfig::default());
    for i in 0..30 {
        // Half a frame a second, with a pixel or two of detector jitter.
        let jitter = if i % 2 == 0 { 1.5 } else { -1.0 };
        tracker.update(
            secs(i as f64 * 2.0),
            &[det(4, 0.8, 300.0 + jitter, 200.0 - jitter)],
        );
    }
    let tracks = tracker.tracks();
    assert_eq!(tracks.len(), 1);
    assert_eq!((tracks[0].id(), tracks[0].hits()), (1, 30));
    assert!(tracks[0].is_stationary(secs(20.0), 0.25));
}

#[test]
fn a_walker_is_followed_but_never_stationary() {
    let mut tracker = Tracker::new(TrackerConfig::default());
    // 5 fps, moving 8 px per frame: overlapping boxes, so one track.
    for i in 0..100 {
        tracker.update(
            secs(i as f64 * 0.2),
            &[det(0, 0.9, 100.0 + 8.0 * i as f64, 300.0)],
        );
    }
    let tracks = tracker.tracks();
    assert_eq!(tracks.len(), 1, "{tracks:?}");
    assert!(!tracks[0].is_stationary(secs(20.0), 0.25));
}

#[test]
fn prediction_keeps_a_steady_mover_at_low_frame_rates() {
    let mut tracker = Tracker::new(TrackerConfig::default());
    // 1 fps and 30 px a frame: consecutive boxes barely overlap, the predicted one does.
    for i in 0..10 {
        tracker.update(secs(i as f64), &[det(1, 0.9, 100.0 + 30.0 * i as f64, 300.0)]);
    }
    assert_eq!(tracker.tracks().len(), 1, "{:?}", tracker.tracks());
}

#[test]
fn a_short_occlusion_keeps_the_track_and_a_long_one_ends_it() {
    let mut tracker = Tracker::new(TrackerConfig::default());
    let stall = det(4, 0.8, 300.0, 200.0);
    tracker.update(secs(0.0), &[stall]);
    tracker.update(secs(8.0), &[stall]);
    assert_eq!(tracker.tracks()[0].id(), 1, "8 s hidden is within max_missed");
    tracker.update(secs(19.0), &[]);
    assert!(tracker.tracks().is_empty(), "11 s unseen ends the track");
    tracker.update(secs(20.0), &[stall]);
    assert_eq!(tracker.tracks()[0].id(), 2);
}

#[test]
fn weak_detections_keep_tracks_alive_but_do_not_start_them() {
    let mut tracker = Tracker::new(TrackerConfig::default());
    tracker.update(secs(0.0), &[det(4, 0.9, 300.0, 200.0)]);
    for i in 1..10 {
        // Half hidden by passers-by: the detector is unsure.
        tracker.update(
            secs(i as f64 * 2.0),
            &[det(4, 0.2, 301.0, 200.0), det(0, 0.3, 600.0, 200.0)],
        );
    }
    let tracks = tracker.tracks();
    assert_eq!(tracks.len(), 1, "the weak person started nothing: {tracks:?}");
    assert_eq!(tracks[0].hits(), 10);
}

#[test]
fn classes_never_share_a_track() {
    let mut tracker = Tracker::new(TrackerConfig::default());
    tracker.update(secs(0.0), &[det(1, 0.9, 300.0, 200.0)]);
    tracker.update(secs(1.0), &[det(2, 0.9, 300.0, 200.0)]);
    let ids: Vec<(u64, u16)> = tracker.tracks().iter().map(|t| (t.id(), t.class())).collect();
    assert_eq!(ids, [(1, 1), (2, 2)]);
}

#[test]
fn two_objects_side_by_side_keep_their_own_tracks() {
    let mut tracker = Tracker::new(TrackerConfig::default());
    for i in 0..10 {
        let t = secs(i as f64);
        let a = det(1, 0.9, 300.0, 200.0);
        let b = det(1, 0.9, 330.0, 200.0); // a neighbouring bicycle, boxes overlapping
        let order = if i % 2 == 0 { [a, b] } else { [b, a] };
        tracker.update(t, &order);
    }
    let tracks = tracker.tracks();
    assert_eq!(tracks.len(), 2);
    assert!(tracks.iter().all(|t| t.hits() == 10));
    let xs: Vec<f64> = tracks.iter().map(|t| t.bbox().x1).collect();
    assert_eq!(xs, [300.0, 330.0]);
}

#[test]
fn a_parked_object_keeps_one_id_for_half_an_hour_of_occlusions_at_half_a_frame_a_second() {
    let mut tracker = Tracker::new(TrackerConfig::default());
    let mut occluded_frames = 0;
    for i in 0..900 {
        let t = secs(i as f64 * 2.0);
        // Passers-by hide it for up to 8 s (four frames) every minute or so, and half hide it
        // (weak detections) for a while after.
        let phase = i % 29;
        let detections = match phase {
            0..=3 => {
                occluded_frames += 1;
                vec![]
            }
            4..=6 => vec![det(3, 0.3, 300.0, 200.0)],
            _ => vec![det(3, 0.85, 300.0 + (i % 3) as f64, 200.0 - (i % 2) as f64)],
        };
        tracker.update(t, &detections);
    }
    let tracks = tracker.tracks();
    assert!(occluded_frames > 100);
    assert_eq!(tracks.len(), 1);
    assert_eq!(tracks[0].id(), 1, "never lost for 30 minutes");
    assert_eq!(
        tracks[0].first_seen(),
        secs(14.0),
        "weak detections start no track: the first clear view does"
    );
    assert!(tracks[0].is_stationary(secs(20.0), 0.25));
}

#[test]
fn a_passing_rider_at_half_a_frame_a_second_is_never_stationary() {
    let mut tracker = Tracker::new(TrackerConfig::default());
    for i in 0..40 {
        // 6 m/s at about 40 px/m: 480 px between frames.
        let x = (i * 480 % 1800) as f64;
        let tracks = tracker.update(secs(i as f64 * 2.0), &[det(1, 0.9, x, 300.0)]);
        assert!(
            tracks.iter().all(|t| !t.is_stationary(secs(20.0), 0.25)),
            "frame {i}: {tracks:?}"
        );
    }
}

#[test]
fn a_frame_older_than_the_last_is_dropped_and_counted() {
    let mut tracker = Tracker::new(TrackerConfig::default());
    let stall = det(4, 0.8, 300.0, 200.0);
    tracker.update(secs(10.0), &[stall]);
    tracker.update(secs(12.0), &[stall]);
    // The wall clock stepped back, or another worker's result came in late.
    let late = tracker.try_update(secs(11.0), &[stall, det(1, 0.9, 600.0, 200.0)]);
    assert!(late.is_none());
    tracker.update(secs(14.0), &[stall]);
    assert_eq!(tracker.dropped(), 1);
    let tracks = tracker.tracks();
    assert_eq!(tracks.len(), 1, "the late frame started nothing: {tracks:?}");
    assert_eq!(tracks[0].hits(), 3);
    assert!(tracks[0].is_stationary(secs(4.0), 0.25));
}

#[test]
fn a_track_given_sightings_out_of_order_does_not_panic() {
    let stall = det(4, 0.8, 300.0, 200.0);
    let mut track = Track::start(1, secs(12.0), &stall);
    track.observe(secs(10.0), &stall, secs(20.0));
    assert_eq!(track.predicted(secs(13.0)), stall.bbox);
    assert!(!track.is_stationary(secs(20.0), 0.25));
}
