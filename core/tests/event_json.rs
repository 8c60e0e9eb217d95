//! Events survive JSON unchanged, their ids are deterministic, and docs/events.md shows the real shape.

use chrono::{DateTime, Utc};
use gridwatch_core::*;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn violation() -> ViolationEvent {
    let camera = CameraId::new("market-st").unwrap();
    let kind = ViolationKind::new(ViolationKind::STREET_VENDING).unwrap();
    let onset = t("2026-06-01T10:02:11.200Z");
    ViolationEvent {
        id: EventId::derive(&camera, &kind, 17, onset),
        kind,
        camera,
        zone: Some(ZoneId::new("pavement").unwrap()),
        rule: RuleId::new("vending-on-pavement").unwrap(),
        track: 17,
        onset,
        confirmed_at: t("2026-06-01T10:07:11.200Z"),
        image_box: ImageBox {
            x1: 412.0,
            y1: 305.5,
            x2: 538.0,
            y2: 468.0,
        },
        bystanders: Vec::new(),
        location: GeoPoint::new(119.28551, 26.07121).unwrap(),
        location_source: LocationSource::Projected,
        confidence: 0.87,
        model: ModelRef {
            name: "gridwatch-demo".into(),
            version: "1".into(),
        },
        evidence: vec![EvidenceRef {
            kind: EvidenceKind::Clip,
            path: "2026-06-01/market-st/x/clip.mp4".into(),
            media_type: "video/mp4".into(),
            bytes: 2_451_022,
            sha256: Sha256Hex::try_from("ab".repeat(32)).unwrap(),
            captured_at: t("2026-06-01T10:01:58Z"),
        }],
    }
}

#[test]
fn every_event_round_trips_through_json() {
    let events = [
        PipelineEvent::Violation(violation()),
        PipelineEvent::Violation(ViolationEvent {
            zone: None,
            evidence: vec![],
            ..violation()
        }),
        PipelineEvent::Violation(ViolationEvent {
            bystanders: vec![ImageBox {
                x1: 20.0,
                y1: 30.0,
                x2: 60.0,
                y2: 140.0,
            }],
            ..violation()
        }),
        PipelineEvent::ViolationCleared(ViolationCleared {
            id: violation().id,
            kind: violation().kind,
            camera: violation().camera,
            last_seen: t("2026-06-01T10:31:40.123456789Z"),
            cleared_at: t("2026-06-01T10:33:40Z"),
        }),
        PipelineEvent::CameraHealth(CameraHealth {
            camera: CameraId::new("metro-exit").unwrap(),
            state: CameraState::Stalled,
            at: t("2026-06-01T10:12:03.5Z"),
            detail: Some("no frame for 30 s".into()),
        }),
    ];
    for event in events {
        let json = serde_json::to_string(&event).unwrap();
        let back: PipelineEvent = serde_json::from_str(&json).unwrap();
        assert_eq!(back, event, "{json}");
    }
}

#[test]
fn event_id_depends_on_camera_kind_track_and_onset_only() {
    let v = violation();
    let id = |camera: &str, kind: &str, track, onset| {
        EventId::derive(
            &CameraId::new(camera).unwrap(),
            &ViolationKind::new(kind).unwrap(),
            track,
            onset,
        )
    };
    let onset = v.onset;
    assert_eq!(
        id("market-st", "street_vending", 17, onset),
        v.id,
        "same inputs, same id"
    );
    // Pinned: stored ids must not change between versions.
    assert_eq!(v.id.to_string(), "64cf0dbe-0f5d-5b05-b4e5-e586fcd3e5e4");
    let others = [
        id("market-st2", "street_vending", 17, onset),
        id("market-st", "roadside_barbecue", 17, onset),
        id("market-st", "street_vending", 18, onset),
        id(
            "market-st",
            "street_vending",
            17,
            onset + chrono::Duration::milliseconds(1),
        ),
    ];
    for other in others {
        assert_ne!(other, v.id);
    }
    // The JSON form keeps milliseconds, so finer differences must not change the id.
    assert_eq!(
        id(
            "market-st",
            "street_vending",
            17,
            onset + chrono::Duration::microseconds(300)
        ),
        v.id
    );
}

#[test]
fn readers_ignore_fields_they_do_not_know() {
    let mut json = serde_json::to_value(PipelineEvent::Violation(violation())).unwrap();
    json["added_in_a_later_version"] = serde_json::json!({"anything": 1});
    let back: PipelineEvent = serde_json::from_value(json).unwrap();
    assert_eq!(back, PipelineEvent::Violation(violation()));
}

#[test]
fn malformed_fields_are_refused_with_the_reason() {
    let mut json = serde_json::to_value(PipelineEvent::Violation(violation())).unwrap();
    json["evidence"][0]["sha256"] = "not-a-digest".into();
    let err = serde_json::from_value::<PipelineEvent>(json)
        .unwrap_err()
        .to_string();
    assert!(err.contains("`not-a-digest` is not a SHA-256 digest"), "{err}");

    let mut json = serde_json::to_value(PipelineEvent::Violation(violation())).unwrap();
    json["camera"] = "east gate".into();
    let err = serde_json::from_value::<PipelineEvent>(json)
        .unwrap_err()
        .to_string();
    assert!(err.contains("may only contain ASCII letters"), "{err}");

    let err = serde_json::from_str::<PipelineEvent>(r#"{"type": "heartbeat"}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown variant `heartbeat`"), "{err}");
}

#[test]
fn documented_examples_are_exactly_the_serialized_shape() {
    let doc = include_str!("../../docs/events.md");
    let examples: Vec<&str> = doc
        .split("```json")
        .skip(1)
        .map(|block| block.split("```").next().unwrap())
        .collect();
    assert_eq!(examples.len(), 3, "one example per event type");
    for example in examples {
        let written: serde_json::Value = serde_json::from_str(example).unwrap();
        let event: PipelineEvent =
            serde_json::from_value(written.clone()).unwrap_or_else(|e| panic!("{e}\n{example}"));
        // Re-serializing gives back every documented field and no undocumented one.
        assert_eq!(serde_json::to_value(&event).unwrap(), written, "{example}");
        if let PipelineEvent::Violation(v) = event {
            assert_eq!(
                v.id,
                EventId::derive(&v.camera, &v.kind, v.track, v.onset),
                "documented id is the derived one"
            );
        }
    }
}
