use std::time::Duration;

use chrono::{DateTime, Utc};
use gridwatch_core::{
    config::{Camera, Rule},
    Detection, EventId, ImageBox, ModelRef,
};
use serde::Deserialize;

use super::{Finding, RuleEngine, RuleError};
use crate::track::{Tracker, TrackerConfig};

const CLASSES: [&str; 4] = ["vending_cart", "person", "bicycle", "grill"];
const CART: u16 = 0;
const PERSON: u16 = 1;
const BICYCLE: u16 = 2;

/// A 1280×720 camera: pavement on the right half, a market strip at the top, a bicycle bay at
/// the bottom left.
const CAMERA: &str = r#"
id = "cam"
uri = "rtsp://cam/sub"
location = { lon = 119.3, lat = 26.07 }
zones = [
  { id = "pavement", role = "sidewalk", points = [[640, 200], [1280, 200], [1280, 720], [640, 720]] },
  { id = "market", role = "market", points = [[640, 0], [1280, 0], [1280, 200], [640, 200]] },
  { id = "bay", role = "parking_bay", points = [[0, 500], [400, 500], [400, 720], [0, 720]] },
]
"#;

#[derive(Deserialize)]
struct Rules {
    rules: Vec<Rule>,
}

fn engine(rules: &str) -> RuleEngine {
    let camera: Camera = toml::from_str(CAMERA).unwrap();
    let rules: Rules = toml::from_str(rules).unwrap();
    let classes: Vec<String> = CLASSES.iter().map(|c| c.to_string()).collect();
    RuleEngine::build(
        &camera,
        &rules.rules,
        &classes,
        chrono_tz::Asia::Shanghai,
        &TrackerConfig::default(),
    )
    .unwrap()
}

const VENDING: &str = r#"
[[rules]]
id = "vending"
kind = "street_vending"
subjects = [{ class = "vending_cart" }]
companions = [{ class = "person", within = 2.0 }]
zone = { inside = ["sidewalk", "market"] }
dwell = "30s"
clear_after = "20s"
cooldown = "60s"
exempt = [{ roles = ["market"], windows = ["06:00-09:00"] }]
"#;

fn det(class: u16, x: f64, y: f64) -> Detection {
    Detection {
        class,
        score: 0.8,
        bbox: ImageBox {
            x1: x,
            y1: y - 100.0,
            x2: x + 80.0,
            y2: y,
        },
    }
}

/// Runs one frame a second from `start` (local time in Shanghai, `HH:MM:SS`) for `seconds`, with
/// the detections `scene(t)` gives at second t; returns every (second, finding) pair.
fn steps(
    engine: &mut RuleEngine,
    start: &str,
    seconds: u64,
    scene: impl Fn(u64) -> Vec<Detection>,
) -> Vec<(u64, Finding)> {
    let start: DateTime<Utc> = format!("2026-06-01T{start}+08:00").parse().unwrap();
    let mut tracker = Tracker::new(TrackerConfig::default());
    let mut out = Vec::new();
    for t in 0..seconds {
        let detections = scene(t);
        let stream = Duration::from_secs(t);
        let tracks = tracker.update(stream, &detections).to_vec();
        let now = start + chrono::Duration::seconds(t as i64);
        out.extend(
            engine
                .step(now, stream, &tracks, &detections)
                .into_iter()
                .map(|f| (t, f)),
        );
    }
    out
}

/// [`steps`], keeping only what leaves the pipeline; the opening and abandoning of cases is for
/// evidence.
fn run(
    engine: &mut RuleEngine,
    start: &str,
    seconds: u64,
    scene: impl Fn(u64) -> Vec<Detection>,
) -> Vec<(u64, Finding)> {
    steps(engine, start, seconds, scene)
        .into_iter()
        .filter(|(_, f)| matches!(f, Finding::Confirmed(_) | Finding::Cleared(_)))
        .collect()
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%H:%M:%S")
        .to_string()
}

fn summary(findings: &[(u64, Finding)]) -> Vec<String> {
    findings
        .iter()
        .map(|(t, f)| match f {
            Finding::Confirmed(c) => {
                format!(
                    "{t}: confirmed {} in {:?} since {}",
                    c.rule,
                    c.zone.as_ref().map(|z| z.to_string()),
                    local(c.onset)
                )
            }
            Finding::Cleared(c) => format!("{t}: cleared {} at {}", c.rule, local(c.cleared_at)),
            Finding::Opened(_) | Finding::Abandoned { .. } => {
                unreachable!("run() keeps only reported findings")
            }
        })
        .collect()
}

/// Every finding by its case number, the opening and abandoning of cases included.
fn log(findings: &[(u64, Finding)]) -> Vec<String> {
    findings
        .iter()
        .map(|(t, f)| match f {
            Finding::Opened(o) => format!("{t}: opened {}", o.case),
            Finding::Abandoned { case } => format!("{t}: abandoned {case}"),
            Finding::Confirmed(c) => format!("{t}: confirmed {}", c.case),
            Finding::Cleared(c) => format!("{t}: cleared {}", c.case),
        })
        .collect()
}

/// A cart pushed in from the left (moving until second 20), standing with its vendor until 100.
fn vendor(t: u64) -> Vec<Detection> {
    match t {
        0..=19 => vec![
            det(CART, 700.0 + 20.0 * t as f64, 500.0),
            det(PERSON, 790.0 + 20.0 * t as f64, 500.0),
        ],
        20..=100 => vec![det(CART, 1100.0, 500.0), det(PERSON, 1190.0, 500.0)],
        _ => vec![],
    }
}

#[test]
fn a_vendor_who_stays_is_confirmed_once_and_cleared_after_leaving() {
    let findings = run(&mut engine(VENDING), "10:00:00", 200, vendor);
    assert_eq!(
        summary(&findings),
        [
            // Onset is when the cart came to rest (its last push moved it less than the drift
            // allowance), not when the rule first noticed it.
            "49: confirmed vending in Some(\"pavement\") since 10:00:19",
            "120: cleared vending at 10:02:00",
        ]
    );
}

#[test]
fn a_vendor_passing_through_is_never_confirmed() {
    let passing = |t: u64| {
        vec![
            det(CART, 650.0 + 6.0 * t as f64, 500.0),
            det(PERSON, 740.0 + 6.0 * t as f64, 500.0),
        ]
    };
    assert!(run(&mut engine(VENDING), "10:00:00", 100, passing).is_empty());
}

#[test]
fn a_cart_without_its_vendor_is_not_vending() {
    let alone = |t: u64| {
        if t < 100 {
            vec![det(CART, 1100.0, 500.0)]
        } else {
            vec![]
        }
    };
    assert!(run(&mut engine(VENDING), "10:00:00", 100, alone).is_empty());
}

#[test]
fn a_companion_that_must_stand_still_is_not_a_passer_by() {
    let standing = VENDING.replace("within = 2.0 }", "within = 2.0, stationary = true }");
    // Passers-by one after another: someone is always near the cart, nobody stays.
    let passers = |t: u64| {
        vec![
            det(CART, 1100.0, 500.0),
            det(PERSON, 1000.0 + 15.0 * (t % 20) as f64, 500.0),
        ]
    };
    assert!(!run(&mut engine(VENDING), "10:00:00", 100, passers).is_empty());
    assert!(run(&mut engine(&standing), "10:00:00", 100, passers).is_empty());
    assert_eq!(
        summary(&run(&mut engine(&standing), "10:00:00", 200, vendor)),
        [
            "49: confirmed vending in Some(\"pavement\") since 10:00:19",
            // The vendor's track outlives the last sighting by the tracker's grace period (it
            // bridges a passer-by walking in front), so the stall is seen 10 s longer.
            "130: cleared vending at 10:02:10",
        ]
    );
}

#[test]
fn a_subject_with_an_unless_class_by_it_is_left_alone() {
    let rules = r#"
[[rules]]
id = "parking"
kind = "out_of_line_parking"
subjects = [{ class = "bicycle" }]
unless = [{ class = "person", within = 1.5, stationary = true }]
zone = { outside = ["parking_bay"] }
dwell = "30s"
"#;
    // Its owner stands by the bicycle for a minute, then walks off and leaves it there.
    let attended = |t: u64| {
        let mut scene = vec![det(BICYCLE, 500.0, 650.0)];
        match t {
            0..=59 => scene.push(det(PERSON, 590.0, 650.0)),
            60..=79 => scene.push(det(PERSON, 590.0 + 20.0 * (t - 59) as f64, 650.0)),
            _ => {}
        }
        scene
    };
    assert_eq!(
        summary(&run(&mut engine(rules), "08:00:00", 150, attended)),
        // Left alone from 60 on (alone at the same spot it would be confirmed at 30); the onset
        // reaches back over the rest the tracker remembers (20 s), the dwell counts from there.
        ["71: confirmed parking in None since 08:00:41"]
    );
}

#[test]
fn an_unless_class_counts_only_where_it_must_stand() {
    let rules = r#"
[[rules]]
id = "parking"
kind = "out_of_line_parking"
subjects = [{ class = "bicycle" }]
unless = [{ class = "vending_cart", within = 2.0, inside = ["sidewalk"] }]
zone = { outside = ["parking_bay"] }
dwell = "5s"
"#;
    // The same bicycle, a cart as near it on either side: on the pavement, and off it.
    let cart_on_pavement = |_| vec![det(BICYCLE, 560.0, 650.0), det(CART, 650.0, 650.0)];
    let cart_off_pavement = |_| vec![det(BICYCLE, 560.0, 650.0), det(CART, 420.0, 650.0)];
    assert!(run(&mut engine(rules), "08:00:00", 30, cart_on_pavement).is_empty());
    assert_eq!(
        summary(&run(&mut engine(rules), "08:00:00", 30, cart_off_pavement)),
        ["5: confirmed parking in None since 08:00:00"]
    );
}

#[test]
fn the_market_is_exempt_in_its_hours_only() {
    let in_market = |t: u64| {
        if t < 100 {
            vec![det(CART, 1000.0, 150.0), det(PERSON, 1090.0, 150.0)]
        } else {
            vec![]
        }
    };
    assert!(
        run(&mut engine(VENDING), "07:00:00", 100, in_market).is_empty(),
        "market hours"
    );
    let later = summary(&run(&mut engine(VENDING), "10:00:00", 100, in_market));
    assert_eq!(later.len(), 1);
    assert!(
        later[0].contains("confirmed vending in Some(\"market\")"),
        "{later:?}"
    );
}

#[test]
fn a_violation_is_not_reported_again_while_it_lasts_nor_during_its_cool_down() {
    // Hidden for 15 s at 60 (longer than the tracker keeps a track: a new track id comes back),
    // gone from 101 to 149, present 150 to 199, gone again, and back at 300.
    let scene = |t: u64| match t {
        60..=74 | 101..=149 | 200..=299 => vec![],
        _ => vec![det(CART, 1100.0, 500.0), det(PERSON, 1190.0, 500.0)],
    };
    let findings = summary(&run(&mut engine(VENDING), "10:00:00", 400, scene));
    assert_eq!(
        findings,
        [
            // The 15 s gap at 60 is bridged: no second report, no clearing.
            "30: confirmed vending in Some(\"pavement\") since 10:00:00",
            "120: cleared vending at 10:02:00",
            // Back at 150, inside the minute's cool-down that ends at 180: nothing until then.
            // Still there after it, it is a new violation; its onset is as far back as the
            // track's kept history reaches (20 s).
            "191: confirmed vending in Some(\"pavement\") since 10:02:41",
            "219: cleared vending at 10:03:39",
            "330: confirmed vending in Some(\"pavement\") since 10:05:00",
        ]
    );
}

#[test]
fn bicycles_are_judged_against_their_bays() {
    let rules = r#"
[[rules]]
id = "parking"
kind = "out_of_line_parking"
subjects = [{ class = "bicycle" }]
zone = { outside = ["parking_bay"] }
dwell = "30s"
"#;
    let in_bay = |_| vec![det(BICYCLE, 100.0, 650.0)];
    assert!(run(&mut engine(rules), "08:00:00", 80, in_bay).is_empty());
    let outside = |_| vec![det(BICYCLE, 500.0, 650.0)];
    let findings = summary(&run(&mut engine(rules), "08:00:00", 80, outside));
    assert_eq!(findings, ["30: confirmed parking in None since 08:00:00"]);
}

#[test]
fn time_windows_are_in_the_city_time_zone_and_may_cross_midnight() {
    let rules = r#"
[[rules]]
id = "barbecue"
kind = "roadside_barbecue"
subjects = [{ class = "grill" }]
zone = { inside = ["sidewalk"] }
dwell = "30s"
windows = ["17:00-04:00"]
"#;
    let grill = |_| vec![det(3, 1000.0, 500.0)];
    assert!(
        run(&mut engine(rules), "14:00:00", 80, grill).is_empty(),
        "afternoon"
    );
    assert_eq!(
        run(&mut engine(rules), "23:59:30", 80, grill).len(),
        1,
        "across midnight"
    );
}

#[test]
fn a_crowd_rule_needs_its_count() {
    let rules = r#"
[[rules]]
id = "bicycle-heap"
kind = "out_of_line_parking"
subjects = [{ class = "bicycle" }]
min_count = 3
zone = { outside = ["parking_bay"] }
dwell = "30s"
"#;
    let bikes = |n: usize| {
        move |_| {
            (0..n)
                .map(|i| det(BICYCLE, 450.0 + 120.0 * i as f64, 650.0))
                .collect::<Vec<_>>()
        }
    };
    assert!(run(&mut engine(rules), "08:00:00", 80, bikes(2)).is_empty());
    assert_eq!(
        run(&mut engine(rules), "08:00:00", 80, bikes(3)).len(),
        1,
        "one case for the group"
    );
}

#[test]
fn a_rule_naming_a_class_the_model_lacks_cannot_be_built() {
    let camera: Camera = toml::from_str(CAMERA).unwrap();
    let rules: Rules = toml::from_str(&VENDING.replace("vending_cart", "cart")).unwrap();
    let classes: Vec<String> = CLASSES.iter().map(|c| c.to_string()).collect();
    let err = RuleEngine::build(
        &camera,
        &rules.rules,
        &classes,
        chrono_tz::Asia::Shanghai,
        &TrackerConfig::default(),
    )
    .err()
    .unwrap();
    assert!(matches!(err, RuleError::UnknownClass { class, .. } if class == "cart"));
}

#[test]
fn subjects_of_one_set_up_make_one_case() {
    // A stall whose table and umbrella (here a cart and a grill) are both subjects: one event.
    let rules = r#"
[[rules]]
id = "stall"
kind = "street_vending"
subjects = [{ class = "vending_cart" }, { class = "grill" }]
zone = { inside = ["sidewalk"] }
dwell = "30s"
"#;
    let stall = |_| vec![det(CART, 1000.0, 500.0), det(3, 1040.0, 440.0)];
    let findings = summary(&run(&mut engine(rules), "10:00:00", 80, stall));
    assert_eq!(findings.len(), 1, "{findings:?}");
}

#[test]
fn subjects_apart_make_one_case_only_within_the_group_distance() {
    // Two piles of a shop's goods (here carts), 70 px apart: a box height is 100 px.
    let rules = |group: &str| {
        format!(
            "[[rules]]\nid = \"goods\"\nkind = \"street_vending\"\nsubjects = [{{ class = \"vending_cart\" }}]\nzone = {{ inside = [\"sidewalk\"] }}\ndwell = \"30s\"\n{group}"
        )
    };
    let piles = |_| vec![det(CART, 1000.0, 500.0), det(CART, 1150.0, 500.0)];
    for (group, events) in [("", 2), ("group_within = 1.0", 1), ("group_within = 0.5", 2)] {
        let findings = summary(&run(&mut engine(&rules(group)), "10:00:00", 80, piles));
        assert_eq!(findings.len(), events, "`{group}`: {findings:?}");
    }
}

#[test]
fn every_case_is_opened_before_it_is_confirmed_and_abandoned_if_it_never_is() {
    // A vendor who stays 20 s (not long enough), then one who stays.
    let scene = |t: u64| {
        if (20..60).contains(&t) {
            vec![]
        } else {
            vec![det(CART, 1100.0, 500.0), det(PERSON, 1190.0, 500.0)]
        }
    };
    assert_eq!(
        log(&steps(&mut engine(VENDING), "10:00:00", 120, scene)),
        [
            "10: opened 1",
            "39: abandoned 1",
            "70: opened 2",
            "90: confirmed 2"
        ]
    );
}

#[test]
fn a_track_unseen_in_the_frame_opens_no_case() {
    let rules = r#"
[[rules]]
id = "parking"
kind = "out_of_line_parking"
subjects = [{ class = "bicycle" }]
unless = [{ class = "vending_cart", within = 2.0 }]
zone = { outside = ["parking_bay"] }
dwell = "5s"
"#;
    // A bicycle loaded on a cart for a minute; then the cart drives off with it, too fast for the
    // tracker to follow the bicycle, whose track coasts on at the spot where the cart stood.
    let loaded = |t: u64| match t {
        0..=59 => vec![det(CART, 500.0, 650.0), det(BICYCLE, 500.0, 640.0)],
        _ => vec![det(CART, 1100.0, 300.0)],
    };
    assert_eq!(
        log(&steps(&mut engine(rules), "08:00:00", 90, loaded)),
        Vec::<String>::new()
    );
}

#[test]
fn a_cleared_event_keeps_the_id_its_violation_was_reported_with() {
    // Hidden for 15 s at 60, longer than the tracker keeps a track: the cart comes back under a
    // new track id and the case follows it until the cart leaves at 101.
    let scene = |t: u64| match t {
        60..=74 | 101.. => vec![],
        _ => vec![det(CART, 1100.0, 500.0), det(PERSON, 1190.0, 500.0)],
    };
    let findings = run(&mut engine(VENDING), "10:00:00", 150, scene);
    let camera: Camera = toml::from_str(CAMERA).unwrap();
    let model = ModelRef {
        name: "test".into(),
        version: "1".into(),
    };
    let (confirmed, cleared) = match &findings[..] {
        [(_, Finding::Confirmed(confirmed)), (_, Finding::Cleared(cleared))] => (confirmed, cleared),
        other => panic!("expected one confirmation and one clearing: {other:?}"),
    };
    assert_eq!(cleared.to_event().id, confirmed.to_event(&camera, model).id);
}

#[test]
fn a_short_dwell_is_judged_on_that_much_rest() {
    // A dwell shorter than the tracker's history (20 s): a bicycle at rest for the dwell counts.
    let rules = r#"
[[rules]]
id = "parking"
kind = "out_of_line_parking"
subjects = [{ class = "bicycle" }]
zone = { outside = ["parking_bay"] }
dwell = "6s"
"#;
    let outside = |_| vec![det(BICYCLE, 500.0, 650.0)];
    let findings = summary(&run(&mut engine(rules), "08:00:00", 30, outside));
    assert_eq!(findings, ["6: confirmed parking in None since 08:00:00"]);
}

#[test]
fn a_confirmed_violation_names_what_else_was_in_the_frame_but_not_its_vendor() {
    // The vendor and cart of `vendor`, a passer-by far off, a parked bicycle and another cart.
    let scene = |t| {
        let mut seen = vendor(t);
        seen.extend([
            det(PERSON, 200.0 + 5.0 * t as f64, 300.0),
            det(BICYCLE, 100.0, 650.0),
            det(CART, 700.0, 300.0),
        ]);
        seen
    };
    let findings = run(&mut engine(VENDING), "10:00:00", 60, scene);
    let Some((t, Finding::Confirmed(c))) = findings.first() else {
        panic!("not confirmed: {}", summary(&findings).join("; "));
    };
    let mut expected: Vec<ImageBox> = scene(*t)[2..].iter().map(|d| d.bbox).collect();
    // The other cart on the pavement is a case of its own, not part of this one's set-up.
    let mut got = c.bystanders.clone();
    let key = |b: &ImageBox| (b.x1 as i64, b.y1 as i64);
    expected.sort_by_key(key);
    got.sort_by_key(key);
    assert_eq!(got, expected);
    assert!(!got.contains(&c.bbox), "the subject is no bystander");
}

#[test]
fn a_violation_carried_to_another_engine_is_followed_and_cleared_under_its_reported_id() {
    let mut first = engine(VENDING);
    let reported = match &run(&mut first, "10:00:00", 60, vendor)[..] {
        [(49, Finding::Confirmed(c))] => c.clone(),
        other => panic!("{other:?}"),
    };
    let carried = first.carried();
    assert_eq!(carried.len(), 1);
    // How it was reported goes along, for the next worker to report it again under its id.
    assert_eq!(carried[0].reported.as_ref(), Some(&reported));
    // Through the key-value bucket and back, as a worker taking the camera over reads it.
    let carried: Vec<super::Carried> =
        serde_json::from_str(&serde_json::to_string(&carried).unwrap()).unwrap();

    // Another worker picks the camera up 10 s later: new tracker, new track ids, same cart
    // until second 100 of the first run's clock.
    let standing = |t: u64| {
        if t <= 30 {
            vec![det(CART, 1100.0, 500.0), det(PERSON, 1190.0, 500.0)]
        } else {
            vec![]
        }
    };
    let mut second = engine(VENDING);
    second.carry_on(&carried);
    let findings = run(&mut second, "10:01:10", 120, standing);
    let [(_, Finding::Cleared(cleared))] = &findings[..] else {
        panic!("only the clearing, not a second report: {findings:?}");
    };
    let id = |track, onset| EventId::derive(&reported.camera, &reported.kind, track, onset);
    assert_eq!(
        id(cleared.track, cleared.onset),
        id(reported.track, reported.onset)
    );
    assert_eq!(local(cleared.cleared_at), "10:02:00");

    // Without what was carried, the same cart is reported again under another id.
    let again = run(&mut engine(VENDING), "10:01:10", 120, standing);
    assert!(
        matches!(&again[..], [(_, Finding::Confirmed(c)), ..] if id(c.track, c.onset) != id(reported.track, reported.onset)),
        "{again:?}"
    );
}
