//! `gridwatch evidence export` and `gridwatch evidence verify` as an operator runs them on the
//! demo city: a case's package written and recorded, checked on its own and against the store,
//! and a changed, cut or missing package refused in one line naming what is wrong.

mod common;

use std::{io::Cursor, path::Path, sync::Arc};

use common::{demo_copy, gridwatch};
use gridwatch_core::{config::Config, CameraId, EventId, PipelineEvent, Sha256Hex, ViolationKind, WallClock};
use gridwatch_dispatcher::{grid::GridMap, Dispatcher, Store};
use serde_json::json;

/// A camera-like JPEG of 320×240 pixels.
fn frame(seed: u32) -> Vec<u8> {
    let pixels: Vec<u8> = (0..320u32 * 240)
        .flat_map(|i| {
            let (x, y) = (i % 320, i / 320);
            let v = ((x * 3 + y * 2 + seed * 40) % 256) as u8;
            [v, v / 2, 255 - v]
        })
        .collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&pixels, 320, 240, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

/// The demo city in `dir` with one street-vending case from `market-st` in its store, its frames
/// and clip sealed in its evidence folder; the config file.
fn city_with_a_case(dir: &Path) -> std::path::PathBuf {
    let (config, _) = demo_copy(dir, |demo| demo);
    let loaded = Config::load(&config).unwrap_or_else(|e| panic!("{e}"));
    let evidence = loaded.config.storage.evidence_dir.clone();
    let onset = "2026-06-01T02:00:00Z".parse().unwrap();
    let id = EventId::derive(
        &CameraId::new("market-st").unwrap(),
        &ViolationKind::new("street_vending").unwrap(),
        7,
        onset,
    );
    let mut refs = Vec::new();
    for (name, kind, media, bytes, at) in [
        (
            "confirmed.jpg",
            "frame",
            "image/jpeg",
            frame(0),
            "2026-06-01T02:05:00Z",
        ),
        (
            "confirmed-annotated.jpg",
            "annotated_frame",
            "image/jpeg",
            frame(1),
            "2026-06-01T02:05:00Z",
        ),
        (
            "clip.mp4",
            "clip",
            "video/mp4",
            b"not really a video".to_vec(),
            "2026-06-01T01:59:50Z",
        ),
    ] {
        let path = format!("2026-06-01/market-st/{id}/{name}");
        std::fs::create_dir_all(evidence.join(&path).parent().unwrap()).unwrap();
        std::fs::write(evidence.join(&path), &bytes).unwrap();
        refs.push(json!({
            "kind": kind, "path": path, "media_type": media, "bytes": bytes.len(),
            "sha256": Sha256Hex::of(&bytes), "captured_at": at,
        }));
    }
    let event: PipelineEvent = serde_json::from_value(json!({
        "type": "violation", "id": id, "kind": "street_vending", "camera": "market-st",
        "zone": "pavement", "rule": "vending-on-pavement", "track": 7,
        "onset": "2026-06-01T02:00:00Z", "confirmed_at": "2026-06-01T02:05:00Z",
        "image_box": { "x1": 20.0, "y1": 40.0, "x2": 120.0, "y2": 200.0 },
        "bystanders": [{ "x1": 200.0, "y1": 30.0, "x2": 260.0, "y2": 150.0 }],
        "location": { "lon": 119.28551, "lat": 26.07121 }, "location_source": "projected",
        "confidence": 0.5, "model": { "name": "gridwatch-demo-int8", "version": "6" }, "evidence": refs,
    }))
    .unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store = Store::open(&loaded.config.storage.database).await.unwrap();
            let d = Dispatcher::new(
                store,
                Arc::new(loaded.config),
                GridMap::new(loaded.grids),
                Arc::new(WallClock),
            );
            d.ingest(&event).await.unwrap();
        });
    config
}

/// Member `name` of the zip `bytes`.
fn member(bytes: &[u8], name: &str) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut file = zip.by_name(name).unwrap();
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut out).unwrap();
    out
}

#[test]
fn an_exported_package_verifies_and_a_changed_one_is_refused_naming_the_member() {
    let dir = tempfile::tempdir().unwrap();
    let config = city_with_a_case(dir.path());
    let config = config.to_str().unwrap();
    let out = dir.path().join("case-1.zip");
    let out_arg = out.to_str().unwrap();

    let (code, stdout, stderr) = gridwatch(
        &[
            "evidence", "export", "1", "--out", out_arg, "--config", config, "--by", "clerk-li",
        ],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    let bytes = std::fs::read(&out).unwrap();
    let sha = Sha256Hex::of(&bytes).to_string();
    assert!(stdout.contains(&format!("package SHA-256  {sha}")), "{stdout}");

    // The demo camera's registration and the demo model card travel with it.
    let registration: serde_json::Value =
        serde_json::from_slice(&member(&bytes, "registration.json")).unwrap();
    assert_eq!(registration["registration"]["approval_ref"], "DEMO-2026-001");
    assert_eq!(registration["registration"]["sign_posted"], true);
    let model: serde_json::Value = serde_json::from_slice(&member(&bytes, "model.json")).unwrap();
    assert_eq!(model["card"]["accuracy"]["map50"], 0.938);
    assert_eq!(model["card_matches_events"], true);
    assert_eq!(
        member(&bytes, "model/gridwatch-demo-int8.model.toml"),
        std::fs::read("models/gridwatch-demo-int8.model.toml").unwrap()
    );
    let rule: serde_json::Value = serde_json::from_slice(&member(&bytes, "rule.json")).unwrap();
    assert_eq!(rule["rules"][0]["id"], "vending-on-pavement");
    let review: serde_json::Value = serde_json::from_slice(&member(&bytes, "review.json")).unwrap();
    assert_eq!(review["reviewed_by_a_person"], false, "nobody has filed it");

    let (code, stdout, stderr) = gridwatch(&["evidence", "verify", out_arg], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("intact: case #1"), "{stdout}");
    let (code, stdout, stderr) = gridwatch(&["evidence", "verify", out_arg, "--config", config], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("by console:clerk-li, privacy blur-bystanders"),
        "{stdout}"
    );

    // One byte changed in the summary: refused, the member named, in one line.
    let tampered = dir.path().join("tampered.zip");
    let mut changed = bytes.clone();
    {
        let mut zip = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
        let summary = zip.by_name("summary.html").unwrap();
        let at = summary.data_start().unwrap() + summary.compressed_size() / 2;
        changed[at as usize] ^= 0x20;
    }
    std::fs::write(&tampered, &changed).unwrap();
    let (code, stdout, stderr) = gridwatch(&["evidence", "verify", tampered.to_str().unwrap()], &[]);
    assert_eq!((code, stdout.as_str()), (1, ""), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("member `summary.html`"), "{stderr}");

    // Cut short: a clear refusal, not a panic.
    std::fs::write(&tampered, &bytes[..bytes.len() - 100]).unwrap();
    let (code, _, stderr) = gridwatch(&["evidence", "verify", tampered.to_str().unwrap()], &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("not a readable zip archive"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // An existing file is not overwritten; a missing case and a bad privacy are named.
    let export = |case: &str, privacy: &str, to: &str| {
        gridwatch(
            &[
                "evidence",
                "export",
                case,
                "--out",
                to,
                "--privacy",
                privacy,
                "--config",
                config,
            ],
            &[],
        )
    };
    let (code, _, stderr) = export("1", "none", out_arg);
    assert_eq!(code, 1);
    assert!(stderr.contains("exists"), "{stderr}");
    assert_eq!(std::fs::read(&out).unwrap(), bytes);
    let other = dir.path().join("other.zip");
    let (code, _, stderr) = export("99", "none", other.to_str().unwrap());
    assert_eq!(code, 1);
    assert!(stderr.contains("#99"), "{stderr}");
    let (code, _, stderr) = export("1", "blurry", other.to_str().unwrap());
    assert_eq!(code, 1);
    assert!(
        stderr.contains("blur-bystanders, blur-all-but-subject, none"),
        "{stderr}"
    );
    assert!(!other.exists());
}
