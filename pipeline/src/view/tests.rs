use std::time::Duration;

use gridwatch_core::{CameraId, CameraState, Frame, Pixels};

use super::*;

const W: u32 = 640;
const H: u32 = 360;

/// A textured street-like scene: blocks of pseudo-random grey, seen `shift` pixels to the left
/// of where the reference saw it, with the sensor noise of frame `n`.
fn scene(pattern: u32, shift: i32, n: u32) -> Frame {
    let hash = |a: u32, b: u32, c: u32| {
        let mut h = a.wrapping_mul(0x9E37_79B1) ^ b.wrapping_mul(0x85EB_CA77) ^ c.wrapping_mul(0xC2B2_AE3D);
        h ^= h >> 15;
        h = h.wrapping_mul(0x2C1B_3C6D);
        h ^ (h >> 12)
    };
    let mut rgb = Vec::with_capacity((W * H * 3) as usize);
    for y in 0..H {
        for x in 0..W {
            let sx = (x as i32 + shift).rem_euclid(4096) as u32;
            let block = hash(sx / 12, y / 12, pattern) % 200 + 30;
            let noise = hash(x, y, n.wrapping_add(1000)) % 7;
            let v = (block + noise).min(255) as u8;
            rgb.extend_from_slice(&[v, v, v]);
        }
    }
    frame(n, rgb)
}

/// A covered lens: near-black with a grey level of noise.
fn covered(n: u32) -> Frame {
    let rgb = (0..W * H * 3)
        .map(|i| 4 + ((i.wrapping_mul(2_654_435_761) ^ n) % 3) as u8)
        .collect();
    frame(n, rgb)
}

/// Frame `n`, two seconds after frame `n - 1`.
fn frame(n: u32, rgb: Vec<u8>) -> Frame {
    Frame {
        camera: CameraId::new("cam").unwrap(),
        pts: Duration::from_secs(2 * n as u64),
        wall: chrono::DateTime::from_timestamp(1_780_000_000 + 2 * n as i64, 0).unwrap(),
        width: W,
        height: H,
        pixels: Pixels::Rgb(rgb),
    }
}

fn limits() -> ViewLimits {
    ViewLimits {
        frozen_after: Duration::from_secs(10),
        dark_after: Duration::from_secs(6),
        moved_px: 40.0,
        check_every: Duration::from_secs(4),
        points: vec![[100.0, 300.0], [540.0, 300.0], [400.0, 150.0], [200.0, 150.0]],
    }
}

/// The changes the watch reports over `frames`, with the frame number each came at.
fn changes(watch: &mut ViewWatch, frames: impl IntoIterator<Item = Frame>) -> Vec<(u32, ViewChange)> {
    frames
        .into_iter()
        .filter_map(|f| {
            let n = (f.pts.as_secs() / 2) as u32;
            watch.observe(&f).map(|c| (n, c))
        })
        .collect()
}

#[test]
fn lengths_of_time_are_written_in_words() {
    let words: Vec<String> = [45, 60, 130, 3600, 3900]
        .map(|s| span(Duration::from_secs(s)))
        .into();
    assert_eq!(words, ["45 s", "1 min", "2 min 10 s", "1 h", "1 h 5 min"]);
}

#[test]
fn a_repeated_picture_is_frozen_once_it_lasts_and_online_when_it_changes() {
    let mut watch = ViewWatch::new(limits(), None);
    let still = scene(1, 0, 0);
    let frames = (0..10)
        .map(|n| scene(1, 0, n))
        .chain((10..20).map(|n| Frame {
            pts: frame(n, vec![]).pts,
            wall: frame(n, vec![]).wall,
            ..still.clone()
        }))
        .chain((20..23).map(|n| scene(1, 0, n)));
    let seen = changes(&mut watch, frames);
    assert_eq!(seen.len(), 2, "{seen:?}");
    // Repeated from frame 10 (at 20 s): frozen at 30 s, ten seconds on.
    assert_eq!((seen[0].0, seen[0].1.state), (15, CameraState::Frozen));
    assert_eq!(
        seen[0].1.detail.as_deref(),
        Some("the picture has not changed for 10 s")
    );
    assert_eq!(
        (seen[1].0, seen[1].1.state, seen[1].1.detail.clone()),
        (20, CameraState::Online, None)
    );
    assert!(!watch.rules_paused());
}

#[test]
fn a_covered_lens_is_dark_not_frozen_and_a_dim_textured_picture_is_neither() {
    let mut watch = ViewWatch::new(limits(), None);
    let dim = |n| {
        let mut f = scene(2, 0, n);
        // Mean grey about 18 of 255, and still textured: a dim street, not a covered lens.
        if let Pixels::Rgb(rgb) = &mut f.pixels {
            rgb.iter_mut().for_each(|v| *v /= 7);
        }
        f
    };
    let frames = (0..6)
        .map(dim)
        .chain((6..16).map(covered))
        .chain((16..18).map(dim));
    let seen = changes(&mut watch, frames);
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!((seen[0].0, seen[0].1.state), (9, CameraState::Dark));
    let detail = seen[0].1.detail.as_deref().unwrap();
    assert!(
        detail.starts_with("the picture has been dark and nearly uniform for 6 s (mean brightness 4 of 255)"),
        "{detail}"
    );
    assert_eq!((seen[1].0, seen[1].1.state), (16, CameraState::Online));
}

#[test]
fn a_turned_camera_is_moved_with_its_rules_paused_until_the_view_is_back() {
    let reference = Reference::from_frame(&scene(3, 0, 99)).expect("the scene has texture");
    let mut watch = ViewWatch::new(limits(), Some(reference));
    let frames = (0..4)
        .map(|n| scene(3, 0, n))
        .chain((4..10).map(|n| scene(3, 64, n)))
        .chain((10..14).map(|n| scene(3, 0, n)));
    let mut paused = Vec::new();
    let mut seen = Vec::new();
    for f in frames {
        let n = (f.pts.as_secs() / 2) as u32;
        seen.extend(watch.observe(&f).map(|c| (n, c)));
        paused.push(watch.rules_paused());
    }
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!((seen[0].0, seen[0].1.state), (4, CameraState::Moved));
    let detail = seen[0].1.detail.clone().unwrap();
    assert!(
        detail.starts_with("the view has moved about 6")
            && detail.ends_with(
                "px from the reference the zones were drawn on; rules paused until the view is restored"
            ),
        "{detail}"
    );
    // Compared every 4 s (two frames): back at the first comparison after the view returned.
    assert_eq!((seen[1].0, seen[1].1.state), (10, CameraState::Online));
    assert_eq!(
        paused,
        [false, false, false, false, true, true, true, true, true, true, false, false, false, false]
    );
}

#[test]
fn a_small_shake_is_not_moved_and_another_scene_is() {
    let mut watch = ViewWatch::new(limits(), None);
    // The first frame is the reference; a few pixels of shake stay within moved_px.
    let shaken = changes(&mut watch, (0..8).map(|n| scene(4, (n % 3) as i32 * 4, n)));
    assert!(shaken.is_empty(), "{shaken:?}");
    let elsewhere = changes(&mut watch, (8..10).map(|n| scene(5, 0, n)));
    assert_eq!(elsewhere.len(), 1, "{elsewhere:?}");
    assert_eq!(elsewhere[0].1.state, CameraState::Moved);
    let detail = elsewhere[0].1.detail.clone().unwrap();
    assert!(
        detail.starts_with("the view no longer matches the reference the zones were drawn on (only "),
        "{detail}"
    );
}
