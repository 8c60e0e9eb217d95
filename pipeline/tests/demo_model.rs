//! The committed demo detector, run through ONNX Runtime on frames of committed replay footage,
//! finds the actors the footage's generator labelled.

mod footage;

use gridwatch_core::ImageBox;

use std::{collections::BTreeMap, path::Path};

use gridwatch_pipeline::detect::{runtime, Detector, DetectorOptions, Image, ModelCard};

fn demo_card() -> ModelCard {
    ModelCard::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/gridwatch-demo.model.toml"))
        .unwrap()
}

#[test]
fn demo_detector_finds_the_labelled_actors_in_replay_footage() {
    let rt = runtime::init().unwrap();
    let mut detector = Detector::load(rt, demo_card(), DetectorOptions::default()).unwrap();
    let classes = detector.card().classes.clone();
    let mut per_class: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let (mut found, mut labelled, mut spurious) = (0, 0, 0);
    for scenario in ["vending-day", "parking-day", "barbecue-night", "shopfront-day"] {
        let folder = footage::fixtures().join(scenario);
        let mut label_files: Vec<_> = std::fs::read_dir(folder.join("labels"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        label_files.sort();
        let indices: Vec<usize> = label_files
            .iter()
            .map(|f| f.file_stem().unwrap().to_str().unwrap().parse().unwrap())
            .collect();
        let frames = footage::decode_frames(&folder.join("footage.mp4"), &indices);
        for (label_file, (w, h, rgb)) in label_files.iter().zip(frames) {
            let detections = detector.detect(&Image::rgb(w, h, &rgb)).unwrap();
            let mut unmatched = detections.clone();
            for (class, truth) in labels(label_file, w, h) {
                let entry = per_class.entry(classes[class as usize].clone()).or_default();
                entry.1 += 1;
                labelled += 1;
                let best = unmatched
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| d.class == class)
                    .map(|(i, d)| (i, d.bbox.iou(&truth)))
                    .max_by(|a, b| a.1.total_cmp(&b.1));
                if let Some((i, iou)) = best.filter(|(_, iou)| *iou >= 0.5) {
                    assert!(iou >= 0.5);
                    unmatched.swap_remove(i);
                    entry.0 += 1;
                    found += 1;
                }
            }
            spurious += unmatched.iter().filter(|d| d.score >= 0.5).count();
        }
    }
    let report = format!("found {found} of {labelled} labelled actors; per class (found, labelled): {per_class:?}; {spurious} confident detections matched nothing");
    println!("{report}");
    assert!(labelled >= 30, "enough labelled actors to judge: {report}");
    assert!(found * 2 > labelled, "most labelled actors are found: {report}");
    assert!(spurious as f64 <= 0.2 * labelled as f64, "{report}");
}

#[test]
fn a_card_that_does_not_match_its_model_is_refused_with_the_mismatch() {
    let rt = runtime::init().unwrap();
    let mut card = demo_card();
    card.classes.pop();
    let err = Detector::load(rt, card, DetectorOptions::default())
        .err()
        .expect("a class short")
        .to_string();
    assert!(
        err.starts_with("model `") && err.contains("gridwatch-demo.onnx`: output `"),
        "{err}"
    );
    assert!(
        err.contains("a YOLOv8 model with the card's 10 classes gives [batch, 14, anchors]"),
        "{err}"
    );

    let mut card = demo_card();
    let height = card.input.height;
    card.input.width = 320;
    let err = Detector::load(rt, card, DetectorOptions::default())
        .err()
        .expect("wrong size")
        .to_string();
    assert!(
        err.contains(&format!("the card says [batch, 3, {height}, 320]")),
        "{err}"
    );
}

#[test]
fn a_broken_card_names_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("city.model.toml");
    std::fs::write(&path, "name = \"x\"\nversion = \"1\"\nonnx = \"x.onnx\"\nclasses = []\n[input]\nwidth = 320\nheight = 320\nlayout = \"nchw\"\ncolour = \"rgb\"\n[output]\nlayout = \"yolov9\"\n").unwrap();
    let err = ModelCard::load(&path).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!(
            "model card `{}`: unknown variant `yolov9`",
            path.display()
        )),
        "{err}"
    );
}

#[test]
fn a_batch_of_frames_gives_what_each_frame_gives_alone() {
    let rt = runtime::init().unwrap();
    let mut detector = Detector::load(rt, demo_card(), DetectorOptions::default()).unwrap();
    let folder = footage::fixtures().join("crowded-day");
    let frames = footage::decode_frames(&folder.join("footage.mp4"), &[300, 900, 1500]);
    let images: Vec<Image> = frames.iter().map(|(w, h, rgb)| Image::rgb(*w, *h, rgb)).collect();
    let batch = detector.detect_batch(&images).unwrap();
    assert_eq!(batch.len(), 3);
    for (image, batched) in images.iter().zip(&batch) {
        let alone = detector.detect(image).unwrap();
        assert_eq!(alone.len(), batched.len());
        for (a, b) in alone.iter().zip(batched) {
            assert_eq!(a.class, b.class);
            assert!(
                (a.score - b.score).abs() < 1e-4 && a.bbox.iou(&b.bbox) > 0.999,
                "{a:?} vs {b:?}"
            );
        }
    }
}

/// Tracks the parked vehicles of `parking-day` at half a frame a second (its keyframes) with the
/// demo detector, and counts identity switches: a vehicle standing still should keep one track.
#[test]
fn parked_vehicles_keep_their_tracks_on_replay_footage() {
    use gridwatch_core::{config::DecodePolicy, CameraId, ImageBox};
    use gridwatch_pipeline::{
        source::{play, FrameQueue, Next, Overflow, StreamSpec, Timeline},
        track::{Tracker, TrackerConfig},
    };

    let rt = runtime::init().unwrap();
    let mut detector = Detector::load(rt, demo_card(), DetectorOptions::default()).unwrap();
    let clip = footage::fixtures().join("parking-day/footage.mp4");
    let queue = FrameQueue::new(1000, Overflow::Wait);
    let start = "2026-06-02T00:10:00Z".parse().unwrap();
    let stream = StreamSpec::new(clip.to_str().unwrap(), DecodePolicy::Keyframes);
    play(
        &CameraId::new("metro-exit").unwrap(),
        &stream,
        Timeline::Replay { start },
        &queue,
        None,
    )
    .unwrap();
    queue.close();

    let vehicles: Vec<u16> = ["bicycle", "ebike", "tricycle"]
        .iter()
        .map(|c| detector.card().class_index(c).unwrap())
        .collect();
    let mut tracker = Tracker::new(TrackerConfig::default());
    // For every track that was ever stationary: (id, where it stood).
    let mut parked: BTreeMap<u64, ImageBox> = BTreeMap::new();
    while let Next::Frame(frame) = queue.next(std::time::Duration::ZERO) {
        let image = Image::from(&frame);
        let found: Vec<_> = detector
            .detect(&image)
            .unwrap()
            .into_iter()
            .filter(|d| vehicles.contains(&d.class))
            .collect();
        for track in tracker.update(frame.pts, &found) {
            if track.is_stationary(std::time::Duration::from_secs(20), 0.25) {
                parked.entry(track.id()).or_insert(track.bbox());
            }
        }
    }
    // Tracks standing where an earlier parked track stood are the same vehicle under a new id.
    let mut spots: Vec<(ImageBox, usize)> = Vec::new();
    for bbox in parked.values() {
        match spots.iter_mut().find(|(spot, _)| spot.iou(bbox) > 0.5) {
            Some((_, tracks)) => *tracks += 1,
            None => spots.push((*bbox, 1)),
        }
    }
    let switches: usize = spots.iter().map(|(_, tracks)| tracks - 1).sum();
    println!(
        "parking-day at 0.5 fps: {} parked vehicles found, {switches} identity switches",
        spots.len()
    );
    // Five vehicles park in the scenario: three in the bay, one on the tactile path, an e-bike.
    assert!((3..=7).contains(&spots.len()), "{} parked spots", spots.len());
    assert!(
        switches <= spots.len(),
        "{switches} switches for {} vehicles",
        spots.len()
    );
}

/// The labelled objects of a frame: (class index, box in pixels).
fn labels(path: &Path, width: u32, height: u32) -> Vec<(u16, ImageBox)> {
    let (w, h) = (width as f64, height as f64);
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            let v: Vec<f64> = line.split_whitespace().map(|x| x.parse().unwrap()).collect();
            let (cx, cy, bw, bh) = (v[1] * w, v[2] * h, v[3] * w, v[4] * h);
            (
                v[0] as u16,
                ImageBox {
                    x1: cx - bw / 2.0,
                    y1: cy - bh / 2.0,
                    x2: cx + bw / 2.0,
                    y2: cy + bh / 2.0,
                },
            )
        })
        .collect()
}

/// Detections made within a region of a frame come back in whole-frame pixels: the demo detector
/// finds the actors of a committed frame where it finds them in the whole frame.
#[test]
fn detections_within_a_region_land_where_they_do_in_the_whole_frame() {
    use gridwatch_pipeline::detect::Crop;

    let rt = runtime::init().unwrap();
    let mut detector = Detector::load(rt, demo_card(), DetectorOptions::default()).unwrap();
    let folder = footage::fixtures().join("vending-day");
    let (w, h, rgb) = footage::decode_frames(&folder.join("footage.mp4"), &[562]).remove(0);
    assert_eq!((w, h), (1280, 720));
    let image = Image::rgb(w, h, &rgb);
    let whole = detector.detect(&image).unwrap();

    // Rows 160..560 at full width, centred: into a model input no wider than 16:9, the band and
    // the whole frame are both scaled to its width, so the band lands at the same scale and in
    // the same place, and only what lies outside the rows changes. Actors well inside them must
    // come back where they were, to within a pixel or two.
    let band = Crop {
        x: 0,
        y: 160,
        width: 1280,
        height: 400,
    };
    let inside = |b: &ImageBox, c: &Crop, margin: f64| {
        b.x1 >= c.x as f64 + margin
            && b.y1 >= c.y as f64 + margin
            && b.x2 <= (c.x + c.width) as f64 - margin
            && b.y2 <= (c.y + c.height) as f64 - margin
    };
    let actors: Vec<_> = whole
        .iter()
        .filter(|d| d.score >= 0.5 && inside(&d.bbox, &band, 48.0))
        .collect();
    assert!(actors.len() >= 3, "confident actors inside the band: {whole:?}");
    let in_band = detector
        .detect(&Image {
            region: Some(band),
            ..image
        })
        .unwrap();
    let same = |d: &gridwatch_core::Detection, among: &[gridwatch_core::Detection]| {
        among
            .iter()
            .filter(|o| o.class == d.class)
            .max_by(|a, b| a.bbox.iou(&d.bbox).total_cmp(&b.bbox.iou(&d.bbox)))
            .copied()
    };
    for actor in &actors {
        let found = same(actor, &in_band).unwrap_or_else(|| panic!("{actor:?} not found in {in_band:?}"));
        let (a, b) = (actor.bbox, found.bbox);
        let shift = [a.x1 - b.x1, a.y1 - b.y1, a.x2 - b.x2, a.y2 - b.y2];
        println!("band: {a:?} → {b:?}");
        assert!(
            shift.iter().all(|s| s.abs() <= 2.0),
            "{actor:?} in the whole frame is {found:?} within {band:?}"
        );
    }

    // A crop of the model's input size around the most confident actor reaches the model at full
    // scale: the box differs as the model sees more of the actor, but it is the same actor in the
    // same place.
    let best = actors.iter().max_by(|a, b| a.score.total_cmp(&b.score)).unwrap();
    let (cx, cy) = (
        (best.bbox.x1 + best.bbox.x2) / 2.0,
        (best.bbox.y1 + best.bbox.y2) / 2.0,
    );
    let input = demo_card().input;
    let close = Crop {
        x: (cx as u32).saturating_sub(input.width / 2).min(w - input.width),
        y: (cy as u32).saturating_sub(input.height / 2).min(h - input.height),
        width: input.width,
        height: input.height,
    };
    let near = detector
        .detect(&Image {
            region: Some(close),
            ..image
        })
        .unwrap();
    let found = same(best, &near).unwrap_or_else(|| panic!("{best:?} not found in {near:?}"));
    println!(
        "full scale: {:?} → {:?}, IoU {:.3}",
        best.bbox,
        found.bbox,
        best.bbox.iou(&found.bbox)
    );
    assert!(
        best.bbox.iou(&found.bbox) >= 0.7,
        "{best:?} in the whole frame is {found:?} within {close:?}"
    );
}
