//! The case page and its forms, over real HTTP on SQLite and PostgreSQL: the evidence (frames,
//! clip, hashes, photos), the place and the audit trail; exactly the actions the state and role
//! allow; CSRF and grid scoping on every form; a grid member's whole job through the forms.

mod common;

use common::{evidence::*, web::*, *};
use gridwatch_core::{EvidenceKind, EvidenceRef, Sha256Hex};
use gridwatch_dispatcher::cases::Action;
use reqwest::{header, multipart, StatusCode};
use serde_json::Value;

/// Every action's form name: the names the API takes.
fn actions() -> impl Iterator<Item = &'static str> {
    Action::ALL.into_iter().map(Action::as_str)
}

/// A case as the API gives it.
struct Reported {
    id: String,
    number: i64,
    evidence: Vec<EvidenceRef>,
}

impl Town {
    /// Posts a low-confidence violation in G01 with its evidence as the recorder writes it
    /// (first sighting and confirmation frames, plain and annotated, and a clip); the case stays
    /// reported.
    async fn report(&self, track: u64) -> Reported {
        let mut v = violation("street_vending", "cam-1", None, track, place(0.002, 0.002), 0.5);
        let folder = format!("2026-06-01/cam-1/{}", v.id);
        let root = self.evidence.path();
        let frames = [
            ("onset.jpg", EvidenceKind::Frame),
            ("onset-annotated.jpg", EvidenceKind::AnnotatedFrame),
            ("confirmed.jpg", EvidenceKind::Frame),
            ("confirmed-annotated.jpg", EvidenceKind::AnnotatedFrame),
        ];
        v.evidence = (1..)
            .zip(frames)
            .map(|(seed, (name, kind))| {
                let path = format!("{folder}/{name}");
                sealed(root, &path, kind, "image/jpeg", &jpeg(64, 48, seed))
            })
            .collect();
        let clip_path = format!("{folder}/clip.mp4");
        v.evidence
            .push(sealed(root, &clip_path, EvidenceKind::Clip, "video/mp4", &clip()));
        let id = web::report(&self.base, &v).await;
        let number = self.case(&id).await["number"].as_i64().unwrap();
        Reported {
            id,
            number,
            evidence: v.evidence,
        }
    }

    /// The case as the command centre's token reads it.
    async fn case(&self, id: &str) -> Value {
        http()
            .get(format!("{}/api/v1/cases/{id}", self.base))
            .bearer_auth("command")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn state(&self, id: &str) -> String {
        self.case(id).await["state"].as_str().unwrap().to_owned()
    }

    /// The case's audit entries.
    async fn audit(&self, id: &str) -> Vec<Value> {
        http()
            .get(format!("{}/api/v1/cases/{id}/audit", self.base))
            .bearer_auth("auditor")
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    async fn browser(&self, name: &str) -> Browser {
        Browser::sign_in(&self.base, name).await.speaking("en")
    }
}

/// Acts through the case page's form; the form must be done and lead back to the case page.
async fn act(browser: &Browser, number: i64, fields: &[(&str, &str)]) {
    let response = browser.submit(&format!("/cases/{number}/act"), fields).await;
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .map(|l| l.to_str().unwrap().to_owned());
    let body = response.text().await.unwrap();
    assert_eq!(status, StatusCode::SEE_OTHER, "{fields:?}: {body}");
    let action = fields.iter().find(|(k, _)| *k == "action").unwrap().1;
    assert_eq!(
        location.as_deref(),
        Some(format!("/cases/{number}?done={action}").as_str())
    );
}

/// The desk files case `number` and dispatches it to g01-officer, through the case page's forms.
async fn dispatch_to_officer(desk: &Browser, number: i64) {
    act(desk, number, &[("action", "file")]).await;
    act(desk, number, &[("action", "dispatch"), ("to", "g01-officer")]).await;
}

/// Case `number` dispatched to g01-officer by `desk` and accepted; g01-officer's browser.
async fn accepted_by_officer(t: &Town, desk: &Browser, number: i64) -> Browser {
    dispatch_to_officer(desk, number).await;
    let officer = t.browser("g01-officer").await;
    act(&officer, number, &[("action", "accept")]).await;
    officer
}

/// Sends the handling form: `csrf` (None: the browser's own), a note and `photos` (file name,
/// bytes).
async fn handle(
    browser: &Browser,
    number: i64,
    csrf: Option<&str>,
    note: &str,
    photos: Vec<(&str, Vec<u8>)>,
) -> reqwest::Response {
    let mut form = multipart::Form::new()
        .text("csrf", csrf.unwrap_or(&browser.csrf).to_owned())
        .text("note", note.to_owned());
    for (name, bytes) in photos {
        let part = multipart::Part::bytes(bytes)
            .file_name(name.to_owned())
            .mime_str("image/jpeg")
            .unwrap();
        form = form.part("photo", part);
    }
    browser
        .post(&format!("/cases/{number}/handle"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// The actions the case page at `path` offers `browser`.
async fn offers(browser: &Browser, path: &str) -> Vec<&'static str> {
    let (status, html) = browser.page(path).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    offered(&html)
}

/// The actions whose forms a page offers, in the page's order.
fn offered(html: &str) -> Vec<&'static str> {
    let mut found: Vec<(usize, &'static str)> = actions()
        .filter_map(|a| html.find(&format!("data-action=\"{a}\"")).map(|at| (at, a)))
        .collect();
    found.sort();
    found.into_iter().map(|(_, a)| a).collect()
}

#[tokio::test]
async fn the_case_page_shows_both_frames_plain_and_annotated_the_clip_the_hashes_the_place_and_the_trail() {
    for backend in backends().await {
        let db = backend.name();
        let t = town_on(&backend).await;
        let case = t.report(1).await;
        let desk = t.browser("desk").await;
        act(&desk, case.number, &[("action", "file")]).await;

        let (status, html) = desk.page(&format!("/cases/{}", case.number)).await;
        assert_eq!(status, StatusCode::OK, "{db}: {html}");
        let url = |e: &EvidenceRef| format!("/api/v1/cases/{}/evidence/{}", case.id, e.sha256);
        for e in &case.evidence {
            assert!(
                html.contains(&format!("{}?download=1", url(e))),
                "{db}: download of {}",
                e.path
            );
            assert!(html.contains(&e.sha256.to_string()), "{db}: hash of {}", e.path);
        }
        for frame in case.evidence.iter().filter(|e| e.kind != EvidenceKind::Clip) {
            assert!(
                html.contains(&format!("src=\"{}\"", url(frame))),
                "{db}: {}",
                frame.path
            );
        }
        // Annotated first: the annotated frame of the first sighting comes before its plain one.
        let at = |e: &EvidenceRef| html.find(&format!("src=\"{}\"", url(e))).unwrap();
        assert!(at(&case.evidence[1]) < at(&case.evidence[0]), "{db}");
        assert!(
            html.contains("At first sighting") && html.contains("At confirmation"),
            "{db}"
        );
        let clip = &case.evidence[4];
        assert!(
            html.contains(&format!(
                "<video controls preload=\"none\" playsinline src=\"{}\"",
                url(clip)
            )),
            "{db}: {html}"
        );
        assert!(html.contains("class=\"mini-map\""), "{db}");
        assert!(html.contains("Market gate (cam-1)"), "{db}");
        // The trail: reported by the camera, then filed by the desk, from state to state.
        let trail = &html[html.find("id=\"trail\"").unwrap()..];
        let reported = trail.find("camera cam-1").expect("the camera's report");
        let filed = trail.find("title=\"file\"").expect("the filing");
        assert!(reported < filed, "{db}: {trail}");
        assert!(trail.contains("Awaiting review → Filed"), "{db}: {trail}");

        // The page's files are served to the session that shows them.
        let frame = desk.get(&url(&case.evidence[1])).await;
        assert_eq!(frame.status(), StatusCode::OK, "{db}");
        assert_eq!(frame.headers()[header::CONTENT_TYPE], "image/jpeg", "{db}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn the_centre_rows_and_review_cards_show_thumbnails_not_the_full_frames() {
    for backend in backends().await {
        let db = backend.name();
        let t = town_on(&backend).await;
        let case = t.report(1).await;
        let desk = t.browser("desk").await;
        let full = format!("/api/v1/cases/{}/evidence/{}", case.id, case.evidence[1].sha256);
        let thumbnail = format!("{full}/thumbnail");

        let (status, centre) = desk.page("/centre").await;
        assert_eq!(status, StatusCode::OK, "{db}");
        let row = &centre[centre.find(&format!("id=\"case-{}\"", case.id)).unwrap()..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(row.contains(&format!("src=\"{thumbnail}\"")), "{db}: {row}");

        let (status, review) = desk.page("/centre/review").await;
        assert_eq!(status, StatusCode::OK, "{db}");
        assert!(review.contains(&format!("src=\"{thumbnail}\"")), "{db}: {review}");
        assert!(!review.contains(&format!("src=\"{full}\"")), "{db}: {review}");

        let served = desk.get(&thumbnail).await;
        assert_eq!(served.status(), StatusCode::OK, "{db}");
        assert_eq!(served.headers()[header::CONTENT_TYPE], "image/jpeg", "{db}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_member_of_another_grid_gets_404_for_the_page_and_every_form() {
    for backend in backends().await {
        let db = backend.name();
        let t = town_on(&backend).await;
        let case = t.report(1).await;
        let desk = t.browser("desk").await;
        dispatch_to_officer(&desk, case.number).await;

        let stranger = t.browser("g02-officer").await;
        let (status, _) = stranger.page(&format!("/cases/{}", case.number)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{db}");
        for action in actions() {
            let response = stranger
                .submit(
                    &format!("/cases/{}/act", case.number),
                    &[("action", action), ("reason", "x")],
                )
                .await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{db}: {action}");
        }
        let response = handle(
            &stranger,
            case.number,
            None,
            "done",
            vec![("a.jpg", jpeg(8, 8, 1))],
        )
        .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{db}");
        // A number that is no case is the same 404.
        let (status, _) = stranger.page("/cases/999").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{db}");
        assert_eq!(t.state(&case.id).await, "dispatched", "{db}");
        assert!(
            !t.audit(&case.id).await.iter().any(|e| e["action"] == "photo"),
            "{db}"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn every_case_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    for backend in backends().await {
        let db = backend.name();
        let t = town_on(&backend).await;
        let case = t.report(1).await;
        let desk = t.browser("desk").await;
        let before = t.audit(&case.id).await.len();
        for action in actions() {
            for csrf in ["", "not-the-token"] {
                let response = desk
                    .submit(
                        &format!("/cases/{}/act", case.number),
                        &[("action", action), ("reason", "x"), ("csrf", csrf)],
                    )
                    .await;
                assert_eq!(
                    response.status(),
                    StatusCode::FORBIDDEN,
                    "{db}: {action} {csrf:?}"
                );
            }
            // And with no csrf field at all.
            let response = desk
                .post(&format!("/cases/{}/act", case.number))
                .form(&[("action", action), ("reason", "x")])
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{db}: {action}");
        }
        // The handling form, by the case's own member, once it is theirs.
        let officer = accepted_by_officer(&t, &desk, case.number).await;
        let before_handling = t.audit(&case.id).await.len();
        for csrf in ["", "not-the-token"] {
            let response = handle(
                &officer,
                case.number,
                Some(csrf),
                "done",
                vec![("a.jpg", jpeg(8, 8, 1))],
            )
            .await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{db}: {csrf:?}");
        }
        assert_eq!(t.state(&case.id).await, "accepted", "{db}");
        assert_eq!(t.audit(&case.id).await.len(), before_handling, "{db}");
        assert_eq!(
            before + 3,
            before_handling,
            "{db}: only the three real forms were done"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn the_actions_offered_are_those_the_state_and_the_role_allow() {
    for backend in backends().await {
        let db = backend.name();
        let t = town_on(&backend).await;
        let case = t.report(1).await;
        let path = format!("/cases/{}", case.number);
        let (desk, officer, reviewer) = (
            t.browser("desk").await,
            t.browser("g01-officer").await,
            t.browser("reviewer").await,
        );

        assert_eq!(offers(&desk, &path).await, ["file", "void"], "{db}");
        assert!(offers(&officer, &path).await.is_empty(), "{db}");
        let (_, html) = officer.page(&path).await;
        assert!(html.contains("Nothing for you to do on this case now."), "{db}");
        assert!(offers(&reviewer, &path).await.is_empty(), "{db}");

        act(&desk, case.number, &[("action", "file")]).await;
        assert_eq!(offers(&desk, &path).await, ["dispatch"], "{db}");
        let (_, html) = desk.page(&path).await;
        assert!(
            html.contains("<option value=\"g01-officer\">Officer One (g01-officer, G01)"),
            "{db}: {html}"
        );
        assert!(
            !html.contains("value=\"g02-officer\""),
            "{db}: only the case's grid's team"
        );

        act(
            &desk,
            case.number,
            &[("action", "dispatch"), ("to", "g01-officer")],
        )
        .await;
        assert_eq!(offers(&officer, &path).await, ["accept", "return"], "{db}");
        assert!(offers(&reviewer, &path).await.is_empty(), "{db}");
        let (_, html) = officer.page(&path).await;
        assert!(
            html.contains("Officer One (g01-officer)"),
            "{db}: the assignee by name"
        );

        act(&officer, case.number, &[("action", "accept")]).await;
        assert_eq!(
            offers(&officer, &path).await,
            ["handle", "return", "request_extension"],
            "{db}"
        );
        let (_, html) = officer.page(&path).await;
        assert!(
            html.contains(
                "<input type=\"file\" name=\"photo\" accept=\"image/*\" capture=\"environment\" multiple"
            ),
            "{db}: {html}"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_member_accepts_and_handles_with_a_photo_and_sees_the_case_come_back_for_rework() {
    for backend in backends().await {
        let db = backend.name();
        let t = town_on(&backend).await;
        let case = t.report(1).await;
        let path = format!("/cases/{}", case.number);
        let desk = t.browser("desk").await;
        act(&desk, case.number, &[("action", "file")]).await;
        act(&desk, case.number, &[("action", "dispatch"), ("to", "")]).await;
        assert_eq!(
            t.case(&case.id).await["assignee"],
            "g01-officer",
            "{db}: the fair choice"
        );

        let officer = t.browser("g01-officer").await;
        let (status, tasks) = officer.page("/tasks").await;
        assert_eq!(status, StatusCode::OK, "{db}");
        assert!(tasks.contains(&format!("href=\"{path}\"")), "{db}: {tasks}");
        let annotated = format!(
            "/api/v1/cases/{}/evidence/{}/thumbnail",
            case.id, case.evidence[1].sha256
        );
        assert!(
            tasks.contains(&format!("src=\"{annotated}\"")),
            "{db}: the task's thumbnail"
        );

        act(&officer, case.number, &[("action", "accept")]).await;
        let (_, html) = officer.page(&format!("{path}?done=accept")).await;
        assert!(html.contains("Accepted: it is yours to handle."), "{db}");

        let photo = jpeg(120, 90, 7);
        let response = handle(
            &officer,
            case.number,
            None,
            "Stall moved off the pavement",
            vec![("stall.jpg", photo.clone())],
        )
        .await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "{db}: {}",
            response.text().await.unwrap()
        );
        assert_eq!(
            response.headers()[header::LOCATION],
            format!("{path}?done=handle&photos=1"),
            "{db}"
        );
        assert_eq!(t.state(&case.id).await, "handled", "{db}");
        let audit = t.audit(&case.id).await;
        let sha = Sha256Hex::of(&photo).to_string();
        let photo_entry = audit
            .iter()
            .find(|e| e["action"] == "photo")
            .expect("a photo entry");
        assert!(photo_entry["detail"].as_str().unwrap().contains(&sha), "{db}");
        let handled = audit
            .iter()
            .find(|e| e["action"] == "handle")
            .expect("a handle entry");
        let detail: Value = serde_json::from_str(handled["detail"].as_str().unwrap()).unwrap();
        assert_eq!(detail["note"], "Stall moved off the pavement", "{db}");
        let photo_url = format!("/api/v1/cases/{}/evidence/{sha}", case.id);
        assert_eq!(detail["photo"], photo_url, "{db}");

        let (_, html) = officer.page(&format!("{path}?done=handle&photos=1")).await;
        assert!(
            html.contains("Handled: it now waits for verification. Photos: 1"),
            "{db}"
        );
        assert!(html.contains("id=\"case-state\">Handled<"), "{db}");
        assert!(
            html.contains(&format!("src=\"{photo_url}\"")),
            "{db}: the photo is shown"
        );
        assert!(html.contains("stall.jpg"), "{db}: the trail names the photo");
        assert!(offered(&html).is_empty(), "{db}: nothing left for the officer");

        // The desk sends it back; the officer sees why, above everything.
        act(
            &desk,
            case.number,
            &[("action", "rework"), ("reason", "The stall is back at noon")],
        )
        .await;
        let (_, html) = officer.page(&path).await;
        let banner = html.find("id=\"banner\"").expect("the rework banner");
        assert!(
            html[banner..].starts_with(
                "id=\"banner\"><strong>Sent back for rework</strong><p>The stall is back at noon</p>"
            ),
            "{db}: {html}"
        );
        assert!(banner < html.find("id=\"evidence\"").unwrap(), "{db}");
        assert_eq!(offered(&html), ["handle", "request_extension"], "{db}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_text_file_sent_as_a_photo_is_refused_by_name_and_changes_nothing() {
    for backend in backends().await {
        let db = backend.name();
        let t = town_on(&backend).await;
        let case = t.report(1).await;
        let desk = t.browser("desk").await;
        let officer = accepted_by_officer(&t, &desk, case.number).await;
        let before = t.audit(&case.id).await.len();

        let response = handle(
            &officer,
            case.number,
            None,
            "Cleared the stall",
            vec![("x.txt", b"just words, not a picture".to_vec())],
        )
        .await;
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{db}");
        let html = response.text().await.unwrap();
        let refusal = &html[html.find("id=\"refusal\"").expect("the refusal")..];
        assert!(refusal.contains("x.txt is not an image"), "{db}: {refusal}");
        assert!(
            html.contains(">Cleared the stall</textarea>"),
            "{db}: the note is kept"
        );
        assert_eq!(t.state(&case.id).await, "accepted", "{db}");
        assert_eq!(t.audit(&case.id).await.len(), before, "{db}");

        // A photo over the size a photo may have: refused by name as it streams in, the note kept.
        let big = vec![0xFF; gridwatch_dispatcher::evidence::photos::MAX_PHOTO_BYTES + 1];
        let response = handle(
            &officer,
            case.number,
            None,
            "Cleared the stall",
            vec![("big.jpg", big)],
        )
        .await;
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "{db}");
        let html = response.text().await.unwrap();
        let refusal = &html[html.find("id=\"refusal\"").expect("the refusal")..];
        assert!(refusal.contains("big.jpg is too big"), "{db}: {refusal}");
        assert!(
            html.contains(">Cleared the stall</textarea>"),
            "{db}: the note is kept"
        );
        assert_eq!(t.audit(&case.id).await.len(), before, "{db}");

        // A note without a photo is not a handling either; the note stays.
        let response = handle(&officer, case.number, None, "Cleared, no camera", vec![]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{db}");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains(">Cleared, no camera</textarea>"),
            "{db}"
        );
        assert_eq!(t.state(&case.id).await, "accepted", "{db}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_form_missing_its_reason_is_422_and_keeps_what_was_typed() {
    for backend in backends().await {
        let db = backend.name();
        let t = town_on(&backend).await;
        let case = t.report(1).await;
        let desk = t.browser("desk").await;
        let path = format!("/cases/{}/act", case.number);

        let response = desk.submit(&path, &[("action", "void"), ("reason", "  ")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{db}");
        let html = response.text().await.unwrap();
        assert!(html.contains("reason: required to void a case"), "{db}: {html}");
        assert!(
            html.contains("<details class=\"act reason\" data-action=\"void\" open>"),
            "{db}: the form is open again"
        );
        assert_eq!(t.state(&case.id).await, "reported", "{db}");

        // A state that does not allow the action: 409, the typed reason kept.
        let response = desk
            .submit(&path, &[("action", "rework"), ("reason", "Still there at noon")])
            .await;
        assert_eq!(response.status(), StatusCode::CONFLICT, "{db}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains("The case&#39;s state does not allow this.")
                || html.contains("The case's state does not allow this."),
            "{db}: {html}"
        );
        // In Chinese the refusal says the state and the action in Chinese too.
        let zh = Browser::sign_in(&t.base, "desk").await.speaking("zh");
        let html = zh
            .submit(&path, &[("action", "rework"), ("reason", "中午仍在")])
            .await
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("状态为「待审核」的案件不能「返工」。"),
            "{db}: {html}"
        );

        let officer = accepted_by_officer(&t, &desk, case.number).await;
        let response = officer
            .submit(
                &path,
                &[
                    ("action", "request_extension"),
                    ("reason", "Need a ladder"),
                    ("until", "tomorrow"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{db}");
        let html = response.text().await.unwrap();
        assert!(html.contains(">Need a ladder</textarea>"), "{db}: {html}");
        assert!(html.contains("value=\"tomorrow\""), "{db}");

        // An officer may not void: 403, and the case is as it was.
        let response = officer
            .submit(&path, &[("action", "void"), ("reason", "mine")])
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{db}");
        assert_eq!(t.state(&case.id).await, "accepted", "{db}");

        // A well-formed extension request is done, in the city's time.
        act(
            &officer,
            case.number,
            &[
                ("action", "request_extension"),
                ("reason", "Need a ladder"),
                ("until", "2026-06-01T18:30"),
            ],
        )
        .await;
        assert_eq!(
            t.case(&case.id).await["extension_until"],
            "2026-06-01T10:30:00Z"
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap()
                .timestamp_millis(),
            "{db}"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn the_case_page_speaks_chinese_and_english() {
    for backend in backends().await {
        let db = backend.name();
        let t = town_on(&backend).await;
        let case = t.report(1).await;
        let path = format!("/cases/{}", case.number);
        let zh = Browser::sign_in(&t.base, "desk").await;
        let (_, html) = zh.page(&path).await;
        for word in [
            "执法全过程记录",
            "证据",
            "首次发现",
            "确认时",
            "标注画面",
            "原始画面",
            "视频片段",
            "下载",
            "立案",
            "注销",
            "待审核",
        ] {
            assert!(html.contains(word), "{db}: {word}");
        }
        let en = zh.speaking("en");
        let (_, html) = en.page(&path).await;
        for word in [
            "Audit trail",
            "Evidence",
            "At first sighting",
            "Annotated frame",
            "Plain frame",
            "Clip",
            "Download",
            "File",
            "Void",
            "Awaiting review",
        ] {
            assert!(html.contains(word), "{db}: {word}");
        }
        assert!(!html.contains("执法全过程记录"), "{db}");
        backend.drop_database().await;
    }
}
