//! Live running keeps each camera's last analysed frame as a JPEG for the dispatcher's cameras
//! page: written at once for a camera, then replaced at most every interval.

mod footage;

use std::time::{Duration, Instant};

use gridwatch_core::{last_frame_path, CameraId, Frame, Pixels};
use gridwatch_pipeline::evidence::{LastFrames, LAST_FRAME_INTERVAL};
use opencv::{core::Vector, imgcodecs, prelude::*};

fn frame(camera: &str, width: u32, height: u32, rgb: Vec<u8>) -> Frame {
    Frame {
        camera: CameraId::new(camera).unwrap(),
        pts: Duration::ZERO,
        wall: "2026-06-01T02:01:00Z".parse().unwrap(),
        width,
        height,
        pixels: Pixels::Rgb(rgb),
    }
}

/// A grey frame of the given size.
fn grey(camera: &str, width: u32, height: u32) -> Frame {
    frame(camera, width, height, vec![128; (width * height * 3) as usize])
}

/// The size of the JPEG kept for `camera`, decoded.
fn kept_size(dir: &std::path::Path, camera: &str) -> (i32, i32) {
    let path = last_frame_path(dir, &CameraId::new(camera).unwrap());
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        &bytes[..3],
        &[0xFF, 0xD8, 0xFF],
        "{} is not a JPEG",
        path.display()
    );
    let image = imgcodecs::imdecode(&Vector::from_slice(&bytes), imgcodecs::IMREAD_COLOR).unwrap();
    (image.cols(), image.rows())
}

#[test]
fn an_analysed_frame_is_kept_as_its_cameras_jpeg_and_not_replaced_within_the_interval() {
    let (w, h, rgb) =
        footage::decode_frames(&footage::fixtures().join("vending-day/footage.mp4"), &[900]).remove(0);
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let mut last = LastFrames::start(dir.path());
    last.offer(&frame("cam-1", w, h, rgb), start);
    last.offer(
        &grey("cam-1", 64, 48),
        start + LAST_FRAME_INTERVAL - Duration::from_millis(1),
    );
    // Another camera has its own interval.
    last.offer(&grey("cam-2", 32, 24), start + Duration::from_secs(1));
    drop(last);

    assert_eq!(kept_size(dir.path(), "cam-1"), (w as i32, h as i32));
    assert_eq!(kept_size(dir.path(), "cam-2"), (32, 24));
    // Written beside and renamed: no temporary file is left.
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("cameras"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["cam-1.jpg", "cam-2.jpg"]);
}

#[test]
fn a_cameras_jpeg_is_replaced_once_the_interval_has_passed() {
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let mut last = LastFrames::start(dir.path());
    last.offer(&grey("cam-1", 64, 48), start);
    last.offer(&grey("cam-1", 48, 32), start + LAST_FRAME_INTERVAL);
    drop(last);
    assert_eq!(kept_size(dir.path(), "cam-1"), (48, 32));
}

#[test]
fn a_folder_that_cannot_be_written_stops_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // The evidence folder is a file: every write fails, and analysis goes on.
    let blocked = dir.path().join("evidence");
    std::fs::write(&blocked, b"not a folder").unwrap();
    let start = Instant::now();
    let mut last = LastFrames::start(&blocked);
    last.offer(&grey("cam-1", 64, 48), start);
    last.offer(&grey("cam-1", 64, 48), start + LAST_FRAME_INTERVAL);
    drop(last);
    assert_eq!(std::fs::read(&blocked).unwrap(), b"not a folder");
}
