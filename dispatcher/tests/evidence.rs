//! A case's evidence over a real socket, on SQLite and PostgreSQL: the list of its artifacts, each
//! file served by digest (ranges, conditional requests, downloads), photo uploads as proof of
//! handling, each picture's thumbnail, and who may see or add what.

mod common;

use std::path::Path;

use common::{evidence::*, web::*, *};
use gridwatch_core::{EvidenceKind, EvidenceRef, PipelineEvent, Sha256Hex, ViolationEvent};
use gridwatch_dispatcher::api;
use reqwest::{header, multipart, StatusCode};
use serde_json::{json, Value};

impl Town {
    fn get(&self, token: &str, path: &str) -> reqwest::RequestBuilder {
        http().get(format!("{}{path}", self.base)).bearer_auth(token)
    }

    async fn json(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let response = self.get(token, path).send().await.unwrap();
        (response.status(), response.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let response = http()
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        (response.status(), response.json().await.unwrap_or(Value::Null))
    }

    async fn act(&self, token: &str, case: &str, action: Value) -> Value {
        let (status, body) = self
            .post(token, &format!("/api/v1/cases/{case}/actions"), action.clone())
            .await;
        assert_eq!(status, StatusCode::OK, "{action} → {body}");
        body
    }

    /// Uploads `parts` (form part name, file name, bytes) as photos of `case`.
    async fn upload(
        &self,
        token: &str,
        case: &str,
        parts: Vec<(&str, &str, Vec<u8>)>,
    ) -> (StatusCode, Value) {
        let mut form = multipart::Form::new();
        for (name, file_name, bytes) in parts {
            let part = multipart::Part::bytes(bytes)
                .file_name(file_name.to_owned())
                .mime_str("image/jpeg")
                .unwrap();
            form = form.part(name.to_owned(), part);
        }
        let response = http()
            .post(format!("{}/api/v1/cases/{case}/photos", self.base))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        (response.status(), response.json().await.unwrap_or(Value::Null))
    }

    /// The files under the evidence folder's `photos/`.
    fn stored_photos(&self) -> Vec<std::path::PathBuf> {
        match std::fs::read_dir(self.evidence.path().join("photos")) {
            Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// The `photo` entries of `case`'s audit chain, their details parsed.
    async fn photo_entries(&self, case: &str) -> Vec<Value> {
        let (_, audit) = self.json("auditor", &format!("/api/v1/cases/{case}/audit")).await;
        audit
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "photo")
            .cloned()
            .collect()
    }
}

/// A camera-like JPEG of `width`×`height` pixels: smooth shading with a little sensor noise.
fn scene(width: u16, height: u16) -> Vec<u8> {
    let mut state = 0x9e37_79b9_u32;
    let mut pixels = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height as u32 {
        for x in 0..width as u32 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let noise = (state >> 28) as u8;
            pixels.extend([
                (x * 255 / width as u32) as u8 / 2 + noise,
                (y * 255 / height as u32) as u8 / 2 + noise,
                ((x + y) % 256) as u8 / 4 + 60,
            ]);
        }
    }
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&pixels, width, height, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

/// A violation in grid G01 whose frame, annotated frame and clip are in `root`.
fn violation_with_evidence(root: &Path) -> (ViolationEvent, Vec<Vec<u8>>) {
    let mut v = violation("street_vending", "cam-1", None, 1, place(0.002, 0.002), 0.5);
    let folder = format!("2026-06-01/cam-1/{}", v.id);
    let (frame, annotated, clip) = (jpeg(64, 48, 0), jpeg(64, 49, 0), clip());
    v.evidence = vec![
        sealed(
            root,
            &format!("{folder}/frame.jpg"),
            EvidenceKind::Frame,
            "image/jpeg",
            &frame,
        ),
        sealed(
            root,
            &format!("{folder}/annotated.jpg"),
            EvidenceKind::AnnotatedFrame,
            "image/jpeg",
            &annotated,
        ),
        sealed(
            root,
            &format!("{folder}/clip.mp4"),
            EvidenceKind::Clip,
            "video/mp4",
            &clip,
        ),
    ];
    (v, vec![frame, annotated, clip])
}

/// A case in G01 dispatched to and accepted by g01-officer.
async fn accepted_case(t: &Town) -> String {
    let (v, _) = violation_with_evidence(t.evidence.path());
    let case = report(&t.base, &v).await;
    t.act("command", &case, json!({ "action": "file" })).await;
    t.act(
        "command",
        &case,
        json!({ "action": "dispatch", "to": "g01-officer" }),
    )
    .await;
    t.act("g01-officer", &case, json!({ "action": "accept" })).await;
    case
}

#[tokio::test]
async fn a_case_lists_every_artifact_and_serves_each_by_its_digest() {
    for backend in backends().await {
        let db = backend.name();
        let t = town_with(&backend, CAMERAS, &[]).await;
        let (mut v, files) = violation_with_evidence(t.evidence.path());
        // A type no browser should render, and a file that has gone from the disk.
        let page = b"<html><script>alert(1)</script></html>".to_vec();
        v.evidence.push(sealed(
            t.evidence.path(),
            "2026-06-01/cam-1/notes.html",
            EvidenceKind::Frame,
            "text/html",
            &page,
        ));
        let gone = sealed(
            t.evidence.path(),
            "2026-06-01/gone.jpg",
            EvidenceKind::Frame,
            "image/jpeg",
            b"x",
        );
        std::fs::remove_file(t.evidence.path().join(&gone.path)).unwrap();
        v.evidence.push(gone.clone());
        let case = report(&t.base, &v).await;
        let number = t.json("command", &format!("/api/v1/cases/{case}")).await.1["number"].clone();

        let (status, list) = t
            .json("g01-officer", &format!("/api/v1/cases/{case}/evidence"))
            .await;
        assert_eq!(status, StatusCode::OK, "{db}: {list}");
        let list = list.as_array().unwrap().clone();
        let kinds: Vec<&str> = list.iter().map(|a| a["kind"].as_str().unwrap()).collect();
        assert_eq!(
            kinds,
            ["frame", "annotated_frame", "clip", "frame", "frame"],
            "{db}"
        );
        for (artifact, sealed) in list.iter().zip(&v.evidence) {
            assert_eq!(artifact["sha256"], sealed.sha256.to_string(), "{db}");
            assert_eq!(artifact["bytes"], sealed.bytes, "{db}");
            assert_eq!(artifact["media_type"], sealed.media_type, "{db}");
            assert_eq!(artifact["event"], v.id.to_string(), "{db}");
            assert_eq!(
                artifact["url"],
                format!("/api/v1/cases/{case}/evidence/{}", sealed.sha256),
                "{db}"
            );
            assert_eq!(
                artifact["captured_at"]
                    .as_str()
                    .unwrap()
                    .parse::<chrono::DateTime<chrono::Utc>>()
                    .unwrap(),
                morning(),
                "{db}"
            );
        }
        // Every url serves its file, as its recorded type, for the browser's cache only.
        for (artifact, bytes) in list.iter().zip(&files) {
            let response = t
                .get("g01-officer", artifact["url"].as_str().unwrap())
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{db}: {artifact}");
            let headers = response.headers().clone();
            assert_eq!(
                headers[header::CONTENT_TYPE],
                artifact["media_type"].as_str().unwrap(),
                "{db}"
            );
            assert_eq!(headers[header::CACHE_CONTROL], "private", "{db}");
            assert_eq!(headers[header::ACCEPT_RANGES], "bytes", "{db}");
            assert!(!headers.contains_key(header::CONTENT_DISPOSITION), "{db}");
            assert_eq!(&response.bytes().await.unwrap()[..], &bytes[..], "{db}");
        }

        // A range of the clip: 206 and exactly those bytes.
        let clip_url = list[2]["url"].as_str().unwrap();
        let response = t
            .get("g01-officer", clip_url)
            .header(header::RANGE, "bytes=10-99")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT, "{db}");
        assert_eq!(
            response.headers()[header::CONTENT_RANGE],
            format!("bytes 10-99/{}", files[2].len()),
            "{db}"
        );
        assert_eq!(response.headers()[header::CONTENT_TYPE], "video/mp4", "{db}");
        assert_eq!(&response.bytes().await.unwrap()[..], &files[2][10..100], "{db}");
        // Unchanged since the browser last had it: 304.
        let first = t.get("g01-officer", clip_url).send().await.unwrap();
        let modified = first.headers()[header::LAST_MODIFIED].clone();
        let again = t
            .get("g01-officer", clip_url)
            .header(header::IF_MODIFIED_SINCE, modified)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{db}");
        // A download names the case and the kind.
        let download = t
            .get("g01-officer", &format!("{clip_url}?download=1"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            download.headers()[header::CONTENT_DISPOSITION],
            format!("attachment; filename=\"case-{number}-clip.mp4\""),
            "{db}"
        );
        // Anything but the shown types is a download of opaque bytes.
        let html = t
            .get("g01-officer", list[3]["url"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(html.status(), StatusCode::OK, "{db}");
        assert_eq!(
            html.headers()[header::CONTENT_TYPE],
            "application/octet-stream",
            "{db}"
        );
        assert_eq!(html.headers()[header::CONTENT_DISPOSITION], "attachment", "{db}");

        // A file gone from the disk, a digest the case does not have, and no digest at all: 404.
        let (status, body) = t.json("g01-officer", list[4]["url"].as_str().unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{db}");
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .contains("missing from the evidence folder"),
            "{db}: {body}"
        );
        let evidence = format!("/api/v1/cases/{case}/evidence");
        let other = Sha256Hex::of(b"something else");
        let upper = v.evidence[0].sha256.to_string().to_uppercase();
        for digest in [other.to_string(), upper, "not-a-digest".into()] {
            let (status, body) = t.json("g01-officer", &format!("{evidence}/{digest}")).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{db}: {digest}");
            assert!(
                body["error"].as_str().unwrap().contains("has no evidence"),
                "{db}: {body}"
            );
        }
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_member_of_another_grid_gets_404_for_evidence() {
    for backend in backends().await {
        let db = backend.name();
        let t = town_with(&backend, CAMERAS, &[]).await;
        let (v, _) = violation_with_evidence(t.evidence.path());
        let case = report(&t.base, &v).await;
        let list = format!("/api/v1/cases/{case}/evidence");
        let file = format!("{list}/{}", v.evidence[0].sha256);
        for path in [&list, &file] {
            assert_eq!(
                t.json("g02-officer", path).await.0,
                StatusCode::NOT_FOUND,
                "{db}: {path}"
            );
            assert_eq!(
                t.json("ingest", path).await.0,
                StatusCode::FORBIDDEN,
                "{db}: {path}"
            );
            assert_eq!(t.json("auditor", path).await.0, StatusCode::OK, "{db}: {path}");
        }
        assert_eq!(
            t.json("command", "/api/v1/cases/nope/evidence").await.0,
            StatusCode::NOT_FOUND,
            "{db}"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn an_evidence_path_leading_out_of_the_evidence_folder_is_refused_at_intake() {
    for backend in backends().await {
        let db = backend.name();
        let t = town_with(&backend, CAMERAS, &[]).await;
        for path in ["../x", "2026-06-01/../../etc/passwd", "/etc/passwd", ""] {
            let (mut v, _) = violation_with_evidence(t.evidence.path());
            v.evidence[1].path = path.to_owned();
            let event = serde_json::to_value(PipelineEvent::Violation(v)).unwrap();
            let (status, body) = t.post("ingest", "/api/v1/events", event).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{db}: {path}");
            let error = body["error"].as_str().unwrap();
            assert!(
                error.starts_with(&format!("evidence[1].path: `{path}` is not a path inside")),
                "{db}: {error}"
            );
        }
        assert_eq!(
            t.json("command", "/api/v1/cases").await.1["total"],
            0,
            "{db}: nothing stored"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn the_assigned_member_uploads_photos_as_proof_of_handling() {
    for backend in backends().await {
        let db = backend.name();
        let t = town_with(&backend, CAMERAS, &[]).await;
        let case = accepted_case(&t).await;
        // Larger than the rest of the API lets a body be.
        let (large, small) = (jpeg(800, 600, 0), jpeg(40, 30, 0));
        assert!(large.len() > api::MAX_BODY, "{db}: {}", large.len());

        let (status, stored) = t
            .upload(
                "g01-officer",
                &case,
                vec![
                    ("photo", "stall-gone.jpg", large.clone()),
                    ("photo", "street.jpg", small.clone()),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{db}: {stored}");
        let stored = stored.as_array().unwrap().clone();
        assert_eq!(stored.len(), 2, "{db}");
        for (photo, (bytes, (width, height))) in stored.iter().zip([(&large, (800, 600)), (&small, (40, 30))])
        {
            let sha256 = Sha256Hex::of(bytes).to_string();
            assert_eq!(photo["kind"], "photo", "{db}");
            assert_eq!(photo["sha256"], sha256, "{db}");
            assert_eq!(photo["media_type"], "image/jpeg", "{db}");
            assert_eq!(photo["bytes"], bytes.len(), "{db}");
            assert_eq!(
                (photo["width"].clone(), photo["height"].clone()),
                (json!(width), json!(height)),
                "{db}"
            );
            assert_eq!(photo["uploaded_by"], "g01-officer", "{db}");
            assert_eq!(
                photo["url"],
                format!("/api/v1/cases/{case}/evidence/{sha256}"),
                "{db}"
            );
            // On disk under its digest.
            let on_disk = std::fs::read(t.evidence.path().join(format!("photos/{sha256}.jpg"))).unwrap();
            assert_eq!(Sha256Hex::of(&on_disk).to_string(), sha256, "{db}");
            // Served back.
            let served = t
                .get("command", photo["url"].as_str().unwrap())
                .send()
                .await
                .unwrap();
            assert_eq!(served.status(), StatusCode::OK, "{db}");
            assert_eq!(&served.bytes().await.unwrap()[..], &bytes[..], "{db}");
        }
        assert_eq!(t.stored_photos().len(), 2, "{db}: no temporary files left");

        // Each is in the audit chain, the case's state untouched.
        let entries = t.photo_entries(&case).await;
        assert_eq!(entries.len(), 2, "{db}");
        for (entry, (photo, file_name)) in entries
            .iter()
            .zip(stored.iter().zip(["stall-gone.jpg", "street.jpg"]))
        {
            assert_eq!(
                (entry["from_state"].as_str(), entry["to_state"].as_str()),
                (Some("accepted"), Some("accepted")),
                "{db}"
            );
            assert_eq!(entry["actor"], "g01-officer", "{db}");
            let detail: Value = serde_json::from_str(entry["detail"].as_str().unwrap()).unwrap();
            assert_eq!(detail["sha256"], photo["sha256"], "{db}");
            assert_eq!(detail["file_name"], file_name, "{db}");
            assert_eq!(
                detail["path"],
                format!("photos/{}.jpg", photo["sha256"].as_str().unwrap()),
                "{db}"
            );
            assert_eq!(
                (detail["width"].clone(), detail["height"].clone()),
                (photo["width"].clone(), photo["height"].clone()),
                "{db}"
            );
        }

        // The list has the pipeline's artifacts, then the photos as the upload answered them.
        let (_, list) = t
            .json("g01-officer", &format!("/api/v1/cases/{case}/evidence"))
            .await;
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 5, "{db}");
        assert_eq!(&list[3..], &stored[..], "{db}");

        // Then the member acts, naming a photo as before.
        let handled = t
            .act(
                "g01-officer",
                &case,
                json!({ "action": "handle", "note": "stall moved on", "photo": stored[0]["url"] }),
            )
            .await;
        assert_eq!(handled["state"], "handled", "{db}");

        // `gridwatch audit verify` checks the photos with the pipeline's artifacts.
        let store = gridwatch_dispatcher::Store::open(&backend.url()).await.unwrap();
        let verify = || async {
            let mut problems = Vec::new();
            let checked = gridwatch_dispatcher::evidence::check(&store, t.evidence.path(), &mut problems)
                .await
                .unwrap();
            (checked, problems)
        };
        assert_eq!(verify().await, (5, vec![]), "{db}");
        let sha256 = stored[1]["sha256"].as_str().unwrap();
        std::fs::write(t.evidence.path().join(format!("photos/{sha256}.jpg")), b"edited").unwrap();
        let (_, problems) = verify().await;
        assert_eq!(problems.len(), 1, "{db}: {problems:?}");
        assert!(
            problems[0].starts_with(&format!("case {case} photo: evidence"))
                && problems[0].ends_with("has changed since it was sealed"),
            "{db}: {problems:?}"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn uploads_that_are_not_images_or_too_big_are_refused_and_store_nothing() {
    for backend in backends().await {
        let db = backend.name();
        let t = town_with(&backend, CAMERAS, &[]).await;
        let case = accepted_case(&t).await;
        let text = b"these are my notes, not a photo\n".to_vec();
        // A PNG header claiming a picture wider than any photo.
        let mut huge_png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        huge_png.extend_from_slice(&30_000u32.to_be_bytes());
        huge_png.extend_from_slice(&100u32.to_be_bytes());
        huge_png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        // A JPEG's first bytes, then more than a photo may have.
        let mut oversized = jpeg(8, 8, 0);
        oversized.resize(gridwatch_dispatcher::evidence::photos::MAX_PHOTO_BYTES + 1, 0);

        let refusals = [
            (
                vec![("photo", "x.jpg", text.clone())],
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "photo `x.jpg`",
            ),
            (
                vec![
                    ("photo", "good.jpg", jpeg(16, 16, 0)),
                    ("photo", "x.jpg", text.clone()),
                ],
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "photo `x.jpg`",
            ),
            (
                vec![("photo", "wide.png", huge_png)],
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "photo `wide.png` is 30000×100 pixels",
            ),
            (
                vec![("photo", "big.jpg", oversized)],
                StatusCode::PAYLOAD_TOO_LARGE,
                "photo `big.jpg` is larger than the 10 MiB",
            ),
            (
                vec![("file", "good.jpg", jpeg(16, 16, 0))],
                StatusCode::UNPROCESSABLE_ENTITY,
                "part `file`: unknown",
            ),
            (
                vec![("photo", "1.jpg", jpeg(8, 8, 0)); 5],
                StatusCode::PAYLOAD_TOO_LARGE,
                "at most 4 photos",
            ),
            // A form without a part is no form.
            (
                vec![],
                StatusCode::BAD_REQUEST,
                "the upload cannot be read as a form",
            ),
        ];
        for (parts, status, message) in refusals {
            let names: Vec<String> = parts.iter().map(|p| p.1.to_owned()).collect();
            let (got, body) = t.upload("g01-officer", &case, parts).await;
            assert_eq!(got, status, "{db}: {names:?} → {body}");
            let error = body["error"].as_str().unwrap_or_default();
            assert!(
                error.starts_with(message),
                "{db}: `{error}` should start with `{message}`"
            );
        }
        assert!(t.stored_photos().is_empty(), "{db}: {:?}", t.stored_photos());
        assert!(t.photo_entries(&case).await.is_empty(), "{db}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn only_who_may_handle_an_open_case_uploads_photos() {
    for backend in backends().await {
        let db = backend.name();
        let t = town_with(&backend, CAMERAS, &[]).await;
        let case = accepted_case(&t).await;
        let photo = || vec![("photo", "p.jpg", jpeg(16, 16, 0))];
        for (token, status) in [
            ("auditor", StatusCode::FORBIDDEN),
            ("ingest", StatusCode::FORBIDDEN),
            ("g02-officer", StatusCode::NOT_FOUND),
        ] {
            let (got, body) = t.upload(token, &case, photo()).await;
            assert_eq!(got, status, "{db}: {token} → {body}");
        }
        assert!(t.stored_photos().is_empty(), "{db}");
        // The command centre may; so may the assigned member, not another member of the grid.
        assert_eq!(
            t.upload("command", &case, photo()).await.0,
            StatusCode::CREATED,
            "{db}"
        );

        let mut other = violation("street_vending", "cam-1", None, 2, place(0.006, 0.006), 0.5);
        other.evidence.clear();
        let unassigned = report(&t.base, &other).await;
        let (status, body) = t.upload("g01-officer", &unassigned, photo()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{db}: {body}");
        // An ended case takes no more photos.
        t.act(
            "command",
            &unassigned,
            json!({ "action": "void", "reason": "a parked van" }),
        )
        .await;
        let (status, body) = t.upload("command", &unassigned, photo()).await;
        assert_eq!(status, StatusCode::CONFLICT, "{db}: {body}");
        assert_eq!(
            body["error"],
            format!("case {unassigned} is voided; photos can be added while a case is open"),
            "{db}"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_frame_s_thumbnail_is_a_480_wide_jpeg_made_once_and_then_served_from_its_kept_file() {
    for backend in backends().await {
        let db = backend.name();
        let t = town_on(&backend).await;
        let root = t.evidence.path();
        let (mut v, _) = violation_with_evidence(root);
        let full = scene(1280, 720);
        v.evidence[1] = sealed(
            root,
            &format!("2026-06-01/cam-1/{}/annotated-1280.jpg", v.id),
            EvidenceKind::AnnotatedFrame,
            "image/jpeg",
            &full,
        );
        let case = report(&t.base, &v).await;
        let sha = &v.evidence[1].sha256;
        let url = format!("/api/v1/cases/{case}/evidence/{sha}/thumbnail");

        let first = t.get("auditor", &url).send().await.unwrap();
        assert_eq!(first.status(), StatusCode::OK, "{db}");
        assert_eq!(first.headers()[header::CONTENT_TYPE], "image/jpeg", "{db}");
        assert_eq!(
            first.headers()[header::CACHE_CONTROL],
            "private, max-age=86400",
            "{db}"
        );
        let thumbnail = first.bytes().await.unwrap();
        let picture =
            image::load_from_memory_with_format(&thumbnail, image::ImageFormat::Jpeg).expect("a JPEG");
        assert_eq!((picture.width(), picture.height()), (480, 270), "{db}");
        assert!(
            thumbnail.len() * 4 < full.len(),
            "{db}: {} bytes of {}",
            thumbnail.len(),
            full.len()
        );

        let kept = root.join("thumbnails").join(format!("{sha}-480.jpg"));
        assert_eq!(std::fs::read(&kept).unwrap(), thumbnail, "{db}: kept on disk");
        // The next answer is the kept file, not a new one: put a different picture there.
        let marker = jpeg(48, 27, 0);
        std::fs::write(&kept, &marker).unwrap();
        let second = t.get("auditor", &url).send().await.unwrap();
        assert_eq!(second.status(), StatusCode::OK, "{db}");
        assert_eq!(second.bytes().await.unwrap(), marker, "{db}");

        // A picture narrower than a thumbnail keeps its size.
        let plain = format!("/api/v1/cases/{case}/evidence/{}/thumbnail", v.evidence[0].sha256);
        let small = t.get("auditor", &plain).send().await.unwrap();
        assert_eq!(small.status(), StatusCode::OK, "{db}");
        let small = image::load_from_memory(&small.bytes().await.unwrap()).unwrap();
        assert_eq!((small.width(), small.height()), (64, 48), "{db}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn only_pictures_the_caller_may_see_and_that_decode_have_thumbnails() {
    for backend in backends().await {
        let db = backend.name();
        let t = town_on(&backend).await;
        let root = t.evidence.path();
        let (mut v, _) = violation_with_evidence(root);
        // The right magic bytes, then garbage.
        let mut corrupt = vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, b'J', b'F', b'I', b'F'];
        corrupt.extend((0..2000u32).map(|i| (i * 31 % 253) as u8));
        v.evidence.push(sealed(
            root,
            &format!("2026-06-01/cam-1/{}/broken.jpg", v.id),
            EvidenceKind::Frame,
            "image/jpeg",
            &corrupt,
        ));
        let case = report(&t.base, &v).await;
        let thumbnail = |e: &EvidenceRef| format!("/api/v1/cases/{case}/evidence/{}/thumbnail", e.sha256);
        let frame = thumbnail(&v.evidence[0]);

        assert_eq!(t.json("auditor", &frame).await.0, StatusCode::OK, "{db}");
        assert_eq!(
            t.json("g02-officer", &frame).await.0,
            StatusCode::NOT_FOUND,
            "{db}"
        );
        assert_eq!(t.json("ingest", &frame).await.0, StatusCode::FORBIDDEN, "{db}");

        let (status, body) = t.json("auditor", &thumbnail(&v.evidence[2])).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{db}");
        assert_eq!(
            body["error"],
            format!(
                "evidence {} of case {case} has no thumbnail: it is a clip of type video/mp4, not a picture",
                v.evidence[2].sha256
            ),
            "{db}"
        );

        let (status, body) = t.json("auditor", &thumbnail(&v.evidence[3])).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{db}");
        let said = body["error"].as_str().unwrap();
        assert!(said.contains("the picture cannot be decoded"), "{db}: {said}");
        assert!(
            !root
                .join("thumbnails")
                .join(format!("{}-480.jpg", v.evidence[3].sha256))
                .exists(),
            "{db}: nothing kept for a picture that does not decode"
        );

        let unknown = format!("/api/v1/cases/{case}/evidence/{}/thumbnail", "0".repeat(64));
        assert_eq!(t.json("auditor", &unknown).await.0, StatusCode::NOT_FOUND, "{db}");
        // The server is still answering.
        assert_eq!(t.json("auditor", &frame).await.0, StatusCode::OK, "{db}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_evidence_routes() {
    let backend = Backend::Sqlite(tempfile::tempdir().unwrap());
    let t = town_with(&backend, CAMERAS, &[]).await;
    let (status, document) = t.json("command", "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    for (path, method) in [
        ("/api/v1/cases/{id}/evidence", "get"),
        ("/api/v1/cases/{id}/evidence/{sha256}", "get"),
        ("/api/v1/cases/{id}/evidence/{sha256}/thumbnail", "get"),
        ("/api/v1/cases/{id}/photos", "post"),
    ] {
        assert!(document["paths"][path][method].is_object(), "{path}");
    }
    assert!(document["components"]["schemas"]["Artifact"].is_object());
}
