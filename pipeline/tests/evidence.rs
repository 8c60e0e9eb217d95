//! Evidence from a real frame of replay footage: files exist, decode, and verify against their
//! manifest; changing or removing one is detected.

mod footage;

use chrono::{DateTime, Utc};
use gridwatch_core::{CameraId, EventId, EvidenceKind, Frame, ImageBox, Pixels, ViolationKind};
use gridwatch_pipeline::evidence::{
    annotate, encode_jpeg, verify, Annotation, EvidenceStore, Manifest, Tampered,
};

/// Width and height of a JPEG, decoded by GStreamer.
fn jpeg_size(path: &std::path::Path) -> (i32, i32) {
    let mut size = (0, 0);
    footage::pull(
        &format!(
            "filesrc location={} ! jpegdec ! appsink name=sink",
            path.display()
        ),
        |sample| {
            let caps = sample.caps().unwrap().structure(0).unwrap();
            size = (
                caps.get::<i32>("width").unwrap(),
                caps.get::<i32>("height").unwrap(),
            );
            false
        },
    );
    size
}

#[test]
fn snapshots_are_stored_sealed_and_verifiable() {
    let (w, h, rgb) =
        footage::decode_frames(&footage::fixtures().join("vending-day/footage.mp4"), &[900]).remove(0);
    let at: DateTime<Utc> = "2026-06-01T02:01:00Z".parse().unwrap();
    let camera = CameraId::new("market-st").unwrap();
    let frame = Frame {
        camera: camera.clone(),
        pts: std::time::Duration::from_secs(60),
        wall: at,
        width: w,
        height: h,
        pixels: Pixels::Rgb(rgb),
    };
    let event = EventId::derive(&camera, &ViolationKind::new("street_vending").unwrap(), 7, at);

    let dir = tempfile::tempdir().unwrap();
    let store = EvidenceStore::new(dir.path());
    let folder = EvidenceStore::folder(at, &camera, &event);
    let plain = store
        .save(
            &folder,
            "confirmed.jpg",
            &encode_jpeg(&frame).unwrap(),
            EvidenceKind::Frame,
            "image/jpeg",
            at,
        )
        .unwrap();
    let note = Annotation {
        subject: ImageBox {
            x1: 600.0,
            y1: 300.0,
            x2: 760.0,
            y2: 470.0,
        },
        zone: Some(vec![
            [500.0, 720.0],
            [1280.0, 720.0],
            [1280.0, 400.0],
            [700.0, 250.0],
        ]),
        caption: "street_vending - market-st - 2026-06-01 10:01:00".into(),
    };
    let marked = store
        .save(
            &folder,
            "confirmed-annotated.jpg",
            &annotate(&frame, &note).unwrap(),
            EvidenceKind::AnnotatedFrame,
            "image/jpeg",
            at,
        )
        .unwrap();
    let manifest = Manifest {
        event,
        artifacts: vec![plain.clone(), marked.clone()],
    };
    manifest.write(dir.path(), &folder).unwrap();

    assert_eq!(plain.path, format!("2026-06-01/market-st/{event}/confirmed.jpg"));
    for artifact in [&plain, &marked] {
        assert_eq!(jpeg_size(&dir.path().join(&artifact.path)), (1280, 720));
    }
    assert_ne!(plain.sha256, marked.sha256, "the annotation changes the picture");
    let reread = Manifest::read(&dir.path().join(&folder).join(Manifest::FILE)).unwrap();
    assert_eq!(reread, manifest);
    assert!(verify(dir.path(), &reread).is_empty());

    // One changed byte, and one removed file.
    let path = dir.path().join(&plain.path);
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&path, bytes).unwrap();
    std::fs::remove_file(dir.path().join(&marked.path)).unwrap();
    assert_eq!(
        verify(dir.path(), &reread),
        [
            Tampered::Altered(path),
            Tampered::Missing(dir.path().join(&marked.path))
        ]
    );
}
