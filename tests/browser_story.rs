//! The whole loop in real browsers, as the people in it do it: a camera's violation reaches the
//! command centre's live list, the operator looks at its evidence, files it and dispatches it, the
//! grid member on duty accepts it on a phone and marks it handled with a photo, the camera's
//! "cleared" verifies it, the operator closes it and reads the trail; a member of another grid
//! sees none of it. The events and evidence are the real `gridwatch replay` of a committed scenario
//! and the dispatcher is the real `gridwatch dispatcher`.
//!
//! Each step saves a screenshot (see `browser::Page::step`); the test also prints what it measured
//! on the way (the live list's delay, the pages' weight and first paint), for people, not asserts.

mod browser;
mod common;
#[path = "../pipeline/tests/footage/mod.rs"]
mod footage;

use std::{
    path::{Path, PathBuf},
    time::{SystemTime, UNIX_EPOCH},
};

use browser::{Browser, Dispatcher, Page};
use serde_json::Value;

const PASSWORD: &str = "a long story of a password";
/// The command centre's operator.
const OPERATOR: &str = "ops-wang";
/// The officer of G01, the grid the market-st camera looks at, on duty all day in this town.
const MEMBER: &str = "g01-chen-jie";
/// The officer of G02, next door.
const NEIGHBOUR: &str = "g02-zhou-lei";
/// The demo's ingest token: its secret is its name.
const INGEST: &str = "demo-ingest";

/// The demo town, changed so that the story can happen at any hour: street vending waits for the
/// command centre's review (no auto-dispatch), and G01's officer works the day and the night shift.
fn story_town(demo: String) -> String {
    let reviewed =
        "auto_dispatch_at = 0.6   # confident cases go straight to the grid team; the rest wait for review\n";
    let officer = r#"officer = { id = "g01-chen-jie", name = "Chen Jie", shifts = ["day"] }"#;
    assert!(
        demo.contains(reviewed) && demo.contains(officer),
        "the demo's vending kind or G01 changed"
    );
    Dispatcher::on_a_free_port(demo)
        .replace(reviewed, "")
        .replace(officer, &officer.replace(r#"["day"]"#, r#"["day", "night"]"#))
}

/// What the story starts from: the dispatcher of [`story_town`] with the three accounts, and the
/// first violation of the vending-day replay with the event of its clearing.
struct Town {
    dispatcher: Dispatcher,
    violation: Value,
    cleared: Value,
}

fn set_up() -> Town {
    let dir = tempfile::tempdir().unwrap();
    let (config, _) = common::demo_copy(dir.path(), story_town);
    let config = config.to_str().unwrap().to_owned();
    // The replay seals its evidence where the dispatcher's `[storage] evidence_dir` (var/evidence
    // beside the copy) looks for it.
    let evidence = dir.path().join("var/evidence");
    let events = dir.path().join("events.jsonl");
    let (code, stdout, stderr) = common::gridwatch(
        &[
            "replay",
            "--config",
            &config,
            "--events",
            events.to_str().unwrap(),
            "--evidence",
            evidence.to_str().unwrap(),
            "replay-fixtures/vending-day",
        ],
        &[],
    );
    // 1 means a scenario missed its bar: the events are still the ones this story needs.
    assert!(code == 0 || code == 1, "replay: {stdout}{stderr}");
    let events: Vec<Value> = std::fs::read_to_string(&events)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let violation = events
        .iter()
        .find(|e| e["type"] == "violation")
        .unwrap_or_else(|| panic!("vending-day gave no violation: {stdout}{stderr}"))
        .clone();
    let kinds: Vec<&str> = violation["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"annotated_frame") && kinds.contains(&"clip"),
        "{kinds:?}"
    );
    let cleared = events
        .iter()
        .find(|e| e["type"] == "violation_cleared" && e["id"] == violation["id"])
        .cloned()
        .unwrap_or_else(|| {
            // The recording ended before the subject left: the camera would say so later.
            serde_json::json!({
                "type": "violation_cleared",
                "id": violation["id"],
                "kind": violation["kind"],
                "camera": violation["camera"],
                "last_seen": violation["confirmed_at"],
                "cleared_at": violation["confirmed_at"],
            })
        });

    for (name, role) in [(OPERATOR, Some("command")), (MEMBER, None), (NEIGHBOUR, None)] {
        let mut args = vec!["user", "set", name, "--config", &config];
        if let Some(role) = role {
            args.extend(["--role", role]);
        }
        let (code, stdout, stderr) = common::gridwatch_fed(&args, &format!("{PASSWORD}\n"));
        assert_eq!(code, 0, "user set {name}: {stdout}{stderr}");
    }
    Town {
        dispatcher: Dispatcher::start_on(dir, Path::new(&config)),
        violation,
        cleared,
    }
}

/// Sends `event` as the camera's pipeline does; returns the dispatcher's answer and the moment it
/// came (milliseconds since the epoch, the clock the browser's `Date.now()` reads).
fn post_event(base: &str, event: &Value) -> (Value, i64) {
    let response = reqwest::blocking::Client::new()
        .post(format!("{base}/api/v1/events"))
        .bearer_auth(INGEST)
        .json(event)
        .send()
        .unwrap();
    let status = response.status();
    let answer: Value = response.json().unwrap();
    let at = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64;
    assert!(status.is_success(), "{status}: {answer}");
    (answer, at)
}

/// Signs in through the sign-in form, as `name`, and lands on `next`.
fn sign_in(page: &Page, base: &str, name: &str, next: &str) {
    page.goto(&format!("{base}/login?next={next}"));
    page.fill("form input[name=name]", name);
    page.fill("form input[name=password]", PASSWORD);
    page.click("form button[type=submit]");
    page.wait_until(
        &format!("on {next}"),
        &format!("return location.pathname === '{next}' && document.readyState === 'complete';"),
    );
}

/// A JPEG photo of the place, as a phone's camera gives one.
fn photo(dir: &Path) -> PathBuf {
    let path = dir.join("pavement-clear.jpg");
    footage::run_to_end(&format!(
        "videotestsrc num-buffers=1 pattern=smpte ! video/x-raw,width=1280,height=960 ! jpegenc ! filesink location=\"{}\"",
        path.display()
    ));
    assert!(std::fs::read(&path).unwrap().starts_with(&[0xFF, 0xD8, 0xFF]));
    path
}

/// Prints the page's weight as loaded (the document and every resource it fetched) and when it
/// first painted: for the record, not an assertion. A file that came from the browser's cache is
/// counted at its full size, as a first visit fetches it.
fn weigh(page: &Page, name: &str) {
    let seen: Value = page.eval(
        "return (async () => {
           const nav = performance.getEntriesByType('navigation')[0];
           const paint = Object.fromEntries(
             performance.getEntriesByType('paint').map(p => [p.name, Math.round(p.startTime)]));
           const resources = [];
           for (const r of performance.getEntriesByType('resource')) {
             const bytes = r.encodedBodySize
               || (await (await fetch(r.name, { cache: 'no-store' })).arrayBuffer()).byteLength;
             const cached = r.transferSize < bytes;
             resources.push({ name: r.name.replace(location.origin, ''), type: r.initiatorType,
                              bytes, transfer: r.transferSize, cached });
           }
           return { html: nav.encodedBodySize, first_byte: Math.round(nav.responseStart),
                    first_paint: paint['first-paint'] ?? null,
                    first_contentful_paint: paint['first-contentful-paint'] ?? null, resources };
         })();",
    );
    let resources = seen["resources"].as_array().unwrap();
    let total = seen["html"].as_u64().unwrap()
        + resources
            .iter()
            .map(|r| r["bytes"].as_u64().unwrap())
            .sum::<u64>();
    println!(
        "weight of {name}: {total} bytes (html {}); from the navigation's start: first byte {} ms, \
         first paint {} ms, first contentful paint {} ms",
        seen["html"], seen["first_byte"], seen["first_paint"], seen["first_contentful_paint"]
    );
    for r in resources {
        let how = if r["cached"] == true {
            "from the cache"
        } else {
            "fetched"
        };
        println!(
            "  {} {}: {} bytes ({how}: {} transferred)",
            r["type"], r["name"], r["bytes"], r["transfer"]
        );
    }
}

/// The audit trail as the page lists it: each step's code and who took it.
fn trail(page: &Page) -> Vec<(String, String)> {
    page.eval(
        "return [...document.querySelectorAll('#trail li.step')].map(li =>
           [li.querySelector('.what').title, li.querySelector('.who').textContent.trim()]);",
    )
}

#[test]
fn a_violation_goes_from_the_camera_to_the_centre_to_the_member_and_back_to_closed() {
    let town = set_up();
    let base = town.dispatcher.url.clone();
    let browser = Browser::start();

    // The operator at the desk, watching the live list.
    let desk = browser.desktop();
    sign_in(&desk, &base, OPERATOR, "/centre");
    desk.wait_for("#live[data-state=connected]");
    desk.step("operator-watches-the-live-list");
    weigh(&desk, "/centre (empty)");

    // The camera reports; the row comes without a reload.
    desk.eval::<Value>(
        "window.storyMark = 'this very page';
         const rows = document.querySelector('#cases tbody');
         new MutationObserver(() => {
           if (!window.rowSeenAt && rows.querySelector('tr.case')) window.rowSeenAt = Date.now();
         }).observe(rows, { childList: true, subtree: true });
         return null;",
    );
    let (answer, answered_at) = post_event(&base, &town.violation);
    let case = answer["case"]
        .as_str()
        .expect("the violation opened a case")
        .to_owned();
    let row = format!("#cases tbody tr#case-{case}");
    desk.wait_for(&row);
    let mark: Option<String> = desk.eval("return window.storyMark ?? null;");
    assert_eq!(mark.as_deref(), Some("this very page"), "the live list reloaded");
    let seen_at: i64 = desk.eval("return window.rowSeenAt;");
    println!(
        "live list: the row showed {} ms after the event's POST was answered",
        seen_at - answered_at
    );
    desk.wait_for(&format!("{row} .state.reported"));
    desk.step("the-case-appears-live");

    // The operator opens it: frames, then the clip.
    desk.click(&format!("{row} td.number a"));
    desk.wait_for("#case[data-state=reported]");
    let number: i64 = desk.eval("return Number(document.getElementById('case').dataset.number);");
    let shots = "#evidence details.sighting[open] img.frame.annotated";
    desk.wait_until(
        "showing the annotated frames",
        &format!(
            "const imgs = [...document.querySelectorAll('{shots}')];
             return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0);"
        ),
    );
    desk.step("operator-sees-the-evidence");
    weigh(&desk, &format!("/cases/{number}"));

    let clip = "#evidence details.sighting[open] figure.clip video";
    desk.eval::<Value>(&format!(
        "document.querySelector('{clip}').scrollIntoView({{ block: 'center' }}); return null;"
    ));
    // A person's click on the player; chromium's own controls may leave the start to the play
    // button, which a test cannot reach inside them, so the page's player is told to play as well.
    desk.click(clip);
    let started: String = desk.eval(&format!(
        "const v = document.querySelector('{clip}');
         return v.paused ? v.play().then(() => 'playing', e => `${{e.name}}: ${{e.message}}`) : 'playing';"
    ));
    assert_eq!(started, "playing", "the clip did not start");
    desk.wait_until(
        "playing the clip",
        &format!(
            "const v = document.querySelector('{clip}');
             return v.readyState >= 2 && v.currentTime > 0 && v.duration > 0;"
        ),
    );
    let (duration, width): (f64, u32) = desk.eval(&format!(
        "const v = document.querySelector('{clip}'); return [v.duration, v.videoWidth];"
    ));
    println!("clip: {duration:.1} s, {width} px wide");
    desk.step("operator-plays-the-clip");

    // Filed, then sent to the officer on duty.
    desk.click("#actions form.act[data-action=file] button[type=submit]");
    desk.wait_for("#case[data-state=filed]");
    desk.step("operator-files-the-case");
    let dispatch = "#actions details.act[data-action=dispatch]";
    desk.click(&format!("{dispatch} > summary"));
    desk.click(&format!("{dispatch} select[name=to] option[value={MEMBER}]"));
    desk.click(&format!("{dispatch} button[type=submit]"));
    desk.wait_for("#case[data-state=dispatched]");
    desk.step("operator-dispatches-to-the-officer");

    // The officer, on a phone: the task, accepted, handled with a photo and a note.
    let phone = browser.phone();
    sign_in(&phone, &base, MEMBER, "/tasks");
    let task = format!("#tasks li.task[data-case=\"{case}\"] a.card");
    phone.wait_for(&task);
    phone.step("officer-sees-the-task");
    phone.click(&task);
    phone.wait_for("#case[data-state=dispatched]");
    phone.step("officer-opens-the-task");
    phone.click("#actions form.act[data-action=accept] button[type=submit]");
    phone.wait_for("#case[data-state=accepted]");
    let handle = "#actions details.act[data-action=handle]";
    phone.wait_for(handle);
    if !phone.eval::<bool>(&format!("return document.querySelector('{handle}').open;")) {
        phone.click(&format!("{handle} > summary"));
    }
    phone.step("officer-accepted");
    let photos = tempfile::tempdir().unwrap();
    phone.attach(&format!("{handle} input[type=file]"), &photo(photos.path()));
    phone.fill(
        &format!("{handle} textarea[name=note]"),
        "摊贩已劝离，人行道已清理。",
    );
    phone.step("officer-fills-in-the-handling");
    phone.click(&format!("{handle} button[type=submit]"));
    phone.wait_for("#case[data-state=handled]");
    phone.wait_for("#flash");
    phone.wait_until(
        "showing the photo",
        "const imgs = [...document.querySelectorAll('#photos img')];
         return imgs.length === 1 && imgs.every(i => i.complete && i.naturalWidth > 0);",
    );
    phone.step("officer-marked-it-handled");

    // The camera sees the place clear: the live list shows it verified, the operator closes it.
    desk.goto(&format!("{base}/centre"));
    desk.wait_for("#live[data-state=connected]");
    desk.wait_for(&format!("{row} .state.handled"));
    weigh(&desk, "/centre (one case, visited before)");
    desk.eval::<Value>("window.storyMark = 'this very page'; return null;");
    post_event(&base, &town.cleared);
    desk.wait_for(&format!("{row} .state.verified"));
    let mark: Option<String> = desk.eval("return window.storyMark ?? null;");
    assert_eq!(mark.as_deref(), Some("this very page"), "the live list reloaded");
    desk.step("the-camera-verifies-it-live");
    desk.click(&format!("{row} td.number a"));
    desk.wait_for("#case[data-state=verified]");
    desk.click("#actions form.act[data-action=close] button[type=submit]");
    desk.wait_for("#case[data-state=closed]");
    desk.step("operator-closes-it");
    let steps = trail(&desk);
    println!("trail: {steps:?}");
    // People appear by name with their id, cameras as cameras with theirs.
    let camera = town.violation["camera"].as_str().unwrap().to_owned();
    let wanted = [
        ("report", camera.as_str()),
        ("file", OPERATOR),
        ("dispatch", OPERATOR),
        ("accept", MEMBER),
        ("photo", MEMBER),
        ("handle", MEMBER),
        ("verify", camera.as_str()),
        ("close", OPERATOR),
    ];
    let mut rest = steps.iter();
    for (code, who) in wanted {
        assert!(
            rest.any(|(c, w)| c == code && w.contains(who)),
            "no `{code}` by {who} in its place in the trail: {steps:?}"
        );
    }
    desk.eval::<Value>("document.getElementById('trail').scrollIntoView(); return null;");
    desk.step("operator-reads-the-trail");

    // Next door: nothing of it.
    let neighbour = browser.phone();
    sign_in(&neighbour, &base, NEIGHBOUR, "/tasks");
    let hidden: bool = neighbour.eval(&format!(
        "return document.getElementById('tasks') !== null
           && document.querySelector('[data-case=\"{case}\"]') === null
           && !document.body.textContent.includes('#{number} ');"
    ));
    assert!(hidden, "{NEIGHBOUR} sees case #{number} among the tasks");
    neighbour.step("the-other-grid-sees-no-task");
    neighbour.goto(&format!("{base}/cases/{number}"));
    let status: u16 = neighbour.eval("return performance.getEntriesByType('navigation')[0].responseStatus;");
    assert_eq!(status, 404, "{NEIGHBOUR} opened case #{number}");
    neighbour.shot("the-other-grid-gets-404");
    // The one error the console may show: the page's own 404.
    let errors: Vec<String> = neighbour
        .console_errors()
        .into_iter()
        .filter(|e| !(e.contains(&format!("/cases/{number} ")) && e.contains("404")))
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}
