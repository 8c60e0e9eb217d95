//! Evidence packages for legal review, on SQLite and PostgreSQL: what a package holds, that it
//! verifies on its own and against the store's record of its export, that any changed byte is
//! found and named, that bystanders are blurred while the subject and the sealed originals stay
//! as they were, and who may export from the case page and the API.

mod common;

use std::io::{Cursor, Write};

use common::{evidence::*, web::*, *};
use gridwatch_core::{EvidenceKind, ImageBox, PipelineEvent, Sha256Hex, ViolationEvent};
use gridwatch_dispatcher::{
    cases::Action,
    evidence::package::{verify, Privacy, VerifyError},
    ActionRequest, DispatchError, Dispatcher, Ingested,
};
use reqwest::{header, StatusCode};
use serde_json::Value;

/// The frame's size, and where its subject and two bystanders stand.
const WIDTH: u16 = 320;
const HEIGHT: u16 = 240;
const SUBJECT: ImageBox = ImageBox {
    x1: 40.0,
    y1: 60.0,
    x2: 140.0,
    y2: 200.0,
};
const BYSTANDERS: [ImageBox; 2] = [
    ImageBox {
        x1: 180.0,
        y1: 40.0,
        x2: 240.0,
        y2: 120.0,
    },
    ImageBox {
        x1: 248.0,
        y1: 150.0,
        x2: 312.0,
        y2: 230.0,
    },
];

/// A JPEG of a smooth background with a sharp checkerboard in the subject's and each bystander's
/// box, each of its own cell size.
fn patterned(seed: u32) -> Vec<u8> {
    let inside = |b: &ImageBox, x: u32, y: u32| {
        (b.x1 as u32..b.x2 as u32).contains(&x) && (b.y1 as u32..b.y2 as u32).contains(&y)
    };
    let mut pixels = Vec::new();
    for y in 0..HEIGHT as u32 {
        for x in 0..WIDTH as u32 {
            let cell = if inside(&SUBJECT, x, y) {
                Some(6)
            } else {
                BYSTANDERS
                    .iter()
                    .position(|b| inside(b, x, y))
                    .map(|i| 4 + 2 * i as u32)
            };
            let v = match cell {
                Some(c) => {
                    if (x / c + y / c + seed).is_multiple_of(2) {
                        20
                    } else {
                        235
                    }
                }
                None => (60 + x * 80 / WIDTH as u32 + y * 40 / HEIGHT as u32) as u8 as u32,
            } as u8;
            pixels.extend([v, v, v]);
        }
    }
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 95)
        .encode(&pixels, WIDTH, HEIGHT, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

/// The stored files of a violation, as sealed.
struct Sealed {
    onset: Vec<u8>,
    confirmed: Vec<u8>,
    annotated: Vec<u8>,
    clip: Vec<u8>,
}

/// A low-confidence vending violation in grid G01 by `camera`, its onset frame, confirming frame
/// (plain and annotated) and clip sealed under `root`, its bystanders recorded.
fn sighting(root: &std::path::Path, camera: &str, x: f64) -> (ViolationEvent, Sealed) {
    let mut v = violation("street_vending", camera, None, 1, place(x, 0.002), 0.5);
    v.image_box = SUBJECT;
    v.bystanders = BYSTANDERS.to_vec();
    let folder = format!("2026-06-01/{camera}/{}", v.id);
    let files = Sealed {
        onset: patterned(1),
        confirmed: patterned(0),
        annotated: patterned(2),
        clip: clip(),
    };
    let seal = |name: &str, kind, media: &str, bytes: &[u8], at| {
        let mut r = sealed(root, &format!("{folder}/{name}"), kind, media, bytes);
        r.captured_at = at;
        r
    };
    v.evidence = vec![
        seal(
            "onset.jpg",
            EvidenceKind::Frame,
            "image/jpeg",
            &files.onset,
            v.onset,
        ),
        seal(
            "confirmed.jpg",
            EvidenceKind::Frame,
            "image/jpeg",
            &files.confirmed,
            v.confirmed_at,
        ),
        seal(
            "confirmed-annotated.jpg",
            EvidenceKind::AnnotatedFrame,
            "image/jpeg",
            &files.annotated,
            v.confirmed_at,
        ),
        seal("clip.mp4", EvidenceKind::Clip, "video/mp4", &files.clip, v.onset),
    ];
    (v, files)
}

/// A dispatcher over `backend` whose evidence folder is `root`.
async fn with_evidence(backend: &Backend, root: &std::path::Path) -> Dispatcher {
    let text = TOWN.replace(
        "evidence_dir = \"evidence\"",
        &format!("evidence_dir = \"{}\"", root.display()),
    );
    let (d, _) = dispatcher_for(backend, &format!("{text}\n{CAMERAS}"), morning()).await;
    d
}

/// Stores `v`, files it as the operator with a note; the case id.
async fn filed(d: &Dispatcher, v: &ViolationEvent) -> String {
    let Ok(Ingested::Stored { case: Some(id) }) = d.ingest(&PipelineEvent::Violation(v.clone())).await else {
        panic!("the violation opened no case");
    };
    let file = ActionRequest {
        action: Some(Action::File),
        note: Some("vendor cart on the pavement, seen on the frame".into()),
        ..Default::default()
    };
    d.act(&command(), &id, &file).await.unwrap();
    id
}

fn auditor() -> gridwatch_dispatcher::Actor {
    gridwatch_dispatcher::Actor {
        name: "reviewer".into(),
        role: gridwatch_core::config::Role::Auditor,
        member: None,
    }
}

/// The package's members, by name.
fn members(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut content = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut content).unwrap();
            (f.name().unwrap().into_owned(), content)
        })
        .collect()
}

fn member<'m>(all: &'m [(String, Vec<u8>)], name: &str) -> &'m [u8] {
    &all.iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no member {name}"))
        .1
}

fn json(all: &[(String, Vec<u8>)], name: &str) -> Value {
    serde_json::from_slice(member(all, name)).unwrap()
}

/// The zip of `files` as the package writes them, but with `edit` applied to member `name`.
fn rezipped(all: &[(String, Vec<u8>)], name: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (n, bytes) in all {
        let mut bytes = bytes.clone();
        if n == name {
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0x01;
        }
        zip.start_file(n.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(&bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// `bytes` with one byte in the middle of member `name`'s stored data flipped.
fn flipped(bytes: &[u8], name: &str) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let index = zip.index_for_name(name).unwrap();
    let f = zip.by_index(index).unwrap();
    let at = f.data_start().unwrap() + f.compressed_size() / 2;
    let mut out = bytes.to_vec();
    out[at as usize] ^= 0x01;
    out
}

/// The reason `bytes` is refused, which must name `name`.
fn refused_naming(bytes: &[u8], name: &str) -> String {
    let reason = verify(bytes)
        .expect_err(&format!("a change to {name} went unnoticed"))
        .to_string();
    assert!(reason.contains(&format!("`{name}`")), "{name}: {reason}");
    assert!(!reason.contains('\n'), "{reason}");
    reason
}

#[tokio::test]
async fn a_package_holds_the_sealed_evidence_and_its_records_and_verifies_against_the_store() {
    for backend in backends().await {
        let root = tempfile::tempdir().unwrap();
        let d = with_evidence(&backend, root.path()).await;
        let (v, files) = sighting(root.path(), "cam-1", 0.002);
        let id = filed(&d, &v).await;

        let package = d
            .export_package(&command(), &id, Privacy::BlurBystanders)
            .await
            .unwrap();
        assert_eq!(package.file_name, "case-1-evidence.zip");
        assert_eq!(package.sha256, Sha256Hex::of(&package.bytes));
        let checked = verify(&package.bytes).unwrap();
        assert_eq!(checked.manifest_sha256, package.manifest_sha256);
        let recorded = d.check_package(&checked).await.unwrap();
        assert_eq!(recorded.by, "operator");
        assert_eq!(recorded.privacy, Privacy::BlurBystanders);

        let all = members(&package.bytes);
        assert_eq!(all.len(), package.members);
        // The sealed files, byte for byte, under their own names.
        let sealed = |name: &str| member(&all, &format!("sealed/{}/{name}", v.id)).to_vec();
        assert_eq!(sealed("onset.jpg"), files.onset);
        assert_eq!(sealed("confirmed.jpg"), files.confirmed);
        assert_eq!(sealed("confirmed-annotated.jpg"), files.annotated);
        assert_eq!(sealed("clip.mp4"), files.clip);
        // Every other member is listed with its digest; the manifest's digest is sealed beside it.
        let manifest = json(&all, "manifest.json");
        let listed: Vec<&str> = manifest["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap())
            .collect();
        assert_eq!(listed.len() + 2, all.len(), "{listed:?}");
        for name in [
            "case.json",
            "registration.json",
            "model.json",
            "rule.json",
            "time.json",
            "review.json",
            "audit.json",
            "summary.html",
        ] {
            assert!(listed.contains(&name), "{name} missing from {listed:?}");
        }
        assert_eq!(
            String::from_utf8(member(&all, "manifest.sha256").to_vec()).unwrap(),
            format!("{}  manifest.json\n", package.manifest_sha256)
        );
        let derived: Vec<_> = manifest["members"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["origin"] == "derived")
            .collect();
        assert_eq!(
            derived.len(),
            3,
            "onset, confirmed and annotated frames: {derived:?}"
        );
        assert!(derived
            .iter()
            .all(|m| m["derived_from"].as_str().unwrap().starts_with("sealed/")));

        // The records say what is known, and plainly what is not.
        let registration = json(&all, "registration.json");
        assert_eq!(registration["name"], "Market gate");
        assert!(registration["registration"].is_null());
        assert!(registration["registration_note"]
            .as_str()
            .unwrap()
            .contains("no setting-up record"));
        let review = json(&all, "review.json");
        assert_eq!(review["reviewed_by_a_person"], true);
        assert_eq!(review["decisions"][0]["by"], "operator");
        assert_eq!(review["decisions"][0]["action"], "file");
        assert_eq!(
            review["decisions"][0]["note"],
            "vendor cart on the pavement, seen on the frame"
        );
        let model = json(&all, "model.json");
        assert_eq!(model["detected_by"][0]["name"], "test");
        assert!(model["card"].is_null(), "the town names no model card");
        assert_eq!(json(&all, "rule.json")["rules"][0]["configured"], false);
        assert_eq!(json(&all, "time.json")["city_timezone"], "Asia/Shanghai");
        let audit = json(&all, "audit.json");
        let actions: Vec<_> = audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].clone())
            .collect();
        assert_eq!(actions, ["report", "file"], "the trail up to the export");

        // The summary: both languages, the CJK font, the blurred frame inline, nothing from outside.
        let summary = String::from_utf8(member(&all, "summary.html").to_vec()).unwrap();
        for needle in [
            "Noto Sans CJK SC",
            "人工审核 Human review",
            "@page { size: A4",
            "data:image/jpeg;base64,",
            "operator",
            "#1",
        ] {
            assert!(summary.contains(needle), "summary lacks {needle}");
        }
        assert!(
            !summary.contains("://") && !summary.contains("url("),
            "the summary must load nothing"
        );
        assert!(summary.contains(&format!("derived/{}/confirmed-annotated-blurred.jpg", v.id)));

        // The export itself is in the case's trail, with both digests.
        let trail = d.audit_log(Some(&id)).await.unwrap();
        let export = trail.last().unwrap();
        assert_eq!(export.action, "export");
        assert_eq!(export.actor, "operator");
        let detail: Value = serde_json::from_str(&export.detail).unwrap();
        assert_eq!(detail["package_sha256"], package.sha256.to_string());
        assert_eq!(detail["manifest_sha256"], package.manifest_sha256.to_string());
        assert_eq!(detail["privacy"], "blur-bystanders");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn any_changed_byte_is_found_and_its_member_named() {
    for backend in backends().await {
        let root = tempfile::tempdir().unwrap();
        let d = with_evidence(&backend, root.path()).await;
        let (v, _) = sighting(root.path(), "cam-1", 0.002);
        let id = filed(&d, &v).await;
        let package = d
            .export_package(&auditor(), &id, Privacy::BlurBystanders)
            .await
            .unwrap();
        let all = members(&package.bytes);
        let kinds = [
            format!("sealed/{}/confirmed.jpg", v.id),
            format!("sealed/{}/clip.mp4", v.id),
            format!("derived/{}/confirmed-blurred.jpg", v.id),
            "registration.json".to_owned(),
            "audit.json".to_owned(),
            "summary.html".to_owned(),
            "manifest.json".to_owned(),
            "manifest.sha256".to_owned(),
        ];
        for name in &kinds {
            // A byte flipped in the file: the zip's own checksum no longer holds.
            let reason = refused_naming(&flipped(&package.bytes, name), name);
            assert!(reason.contains("changed or damaged"), "{reason}");
            // A member changed and zipped again: its digest is not the manifest's.
            refused_naming(&rezipped(&all, name), name);
        }

        // Something added or taken away.
        let mut extra = all.clone();
        extra.push(("sealed/extra.jpg".into(), jpeg(8, 8, 1)));
        refused_naming(&rezipped(&extra, ""), "sealed/extra.jpg");
        let missing: Vec<_> = all.iter().filter(|(n, _)| n != "time.json").cloned().collect();
        refused_naming(&rezipped(&missing, ""), "time.json");

        // Cut short, or not a zip at all: a clear refusal, no panic.
        for broken in [
            &package.bytes[..package.bytes.len() / 2],
            &package.bytes[..10],
            b"not a zip".as_slice(),
            &[],
        ] {
            let reason = verify(broken).unwrap_err().to_string();
            assert!(reason.contains("not a readable zip archive"), "{reason}");
        }

        // A forgery consistent in itself (members, manifest and its digest made anew) passes the
        // offline check, but the store has no export of it.
        let forged = {
            let summary = member(&all, "summary.html");
            let mut m: Value = json(&all, "manifest.json");
            let edited = [summary, b"<!-- edited -->"].concat();
            for entry in m["members"].as_array_mut().unwrap() {
                if entry["name"] == "summary.html" {
                    entry["sha256"] = Value::from(Sha256Hex::of(&edited).to_string());
                    entry["bytes"] = Value::from(edited.len());
                }
            }
            let manifest = serde_json::to_vec_pretty(&m).unwrap();
            let digest = format!("{}  manifest.json\n", Sha256Hex::of(&manifest)).into_bytes();
            let replaced: Vec<_> = all
                .iter()
                .map(|(n, b)| {
                    let b = match n.as_str() {
                        "summary.html" => edited.clone(),
                        "manifest.json" => manifest.clone(),
                        "manifest.sha256" => digest.clone(),
                        _ => b.clone(),
                    };
                    (n.clone(), b)
                })
                .collect();
            rezipped(&replaced, "")
        };
        let checked = verify(&forged).unwrap();
        let unrecorded = d.check_package(&checked).await.unwrap_err();
        assert!(matches!(unrecorded, VerifyError::Unrecorded(_)), "{unrecorded}");
        assert!(
            unrecorded
                .to_string()
                .contains("no export with this package's SHA-256"),
            "{unrecorded}"
        );
        backend.drop_database().await;
    }
}

/// The mean and variance of the grey level of `b` in `img`.
fn stats(img: &image::GrayImage, b: &ImageBox) -> (f64, f64) {
    let values: Vec<f64> = (b.y1 as u32..b.y2 as u32)
        .flat_map(|y| (b.x1 as u32..b.x2 as u32).map(move |x| (x, y)))
        .map(|(x, y)| img.get_pixel(x, y).0[0] as f64)
        .collect();
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
    (mean, variance)
}

/// The mean absolute difference of the grey levels of `a` and `b` over `region`.
fn difference(a: &image::GrayImage, b: &image::GrayImage, region: &ImageBox) -> f64 {
    let (mut sum, mut n) = (0.0, 0.0);
    for y in region.y1 as u32..region.y2 as u32 {
        for x in region.x1 as u32..region.x2 as u32 {
            sum += (a.get_pixel(x, y).0[0] as f64 - b.get_pixel(x, y).0[0] as f64).abs();
            n += 1.0;
        }
    }
    sum / n
}

fn grey(jpeg: &[u8]) -> image::GrayImage {
    image::load_from_memory(jpeg).unwrap().to_luma8()
}

#[tokio::test]
async fn bystanders_lose_their_detail_while_the_subject_and_the_sealed_original_stay() {
    for backend in backends().await {
        let root = tempfile::tempdir().unwrap();
        let d = with_evidence(&backend, root.path()).await;
        let (v, files) = sighting(root.path(), "cam-1", 0.002);
        let id = filed(&d, &v).await;
        let outside = ImageBox {
            x1: 150.0,
            y1: 0.0,
            x2: 320.0,
            y2: 240.0,
        };

        let package = d
            .export_package(&command(), &id, Privacy::BlurBystanders)
            .await
            .unwrap();
        let all = members(&package.bytes);
        let original = grey(&files.confirmed);
        let blurred = grey(member(&all, &format!("derived/{}/confirmed-blurred.jpg", v.id)));
        for b in &BYSTANDERS {
            let (before, after) = (stats(&original, b).1, stats(&blurred, b).1);
            assert!(
                after < before * 0.1,
                "bystander {b:?}: variance {before:.0} → {after:.0}"
            );
        }
        let (sharp, kept) = (stats(&original, &SUBJECT).1, stats(&blurred, &SUBJECT).1);
        assert!(
            kept > sharp * 0.9,
            "the subject's variance {sharp:.0} → {kept:.0}"
        );
        let changed = difference(&original, &blurred, &SUBJECT);
        assert!(
            changed < 8.0,
            "the subject changed by {changed:.1} grey levels on average"
        );
        assert_eq!(
            member(&all, &format!("sealed/{}/confirmed.jpg", v.id)),
            files.confirmed
        );
        assert_eq!(
            std::fs::read(root.path().join(&v.evidence[1].path)).unwrap(),
            files.confirmed
        );
        // The onset frame's bystanders are not known: everything but the subject is blurred.
        let onset = grey(member(&all, &format!("derived/{}/onset-blurred.jpg", v.id)));
        let before = stats(&grey(&files.onset), &BYSTANDERS[0]).1;
        assert!(stats(&onset, &BYSTANDERS[0]).1 < before * 0.1);

        // Everything but the subject: even what no box covers.
        let package = d
            .export_package(&command(), &id, Privacy::BlurAllButSubject)
            .await
            .unwrap();
        let all = members(&package.bytes);
        let blurred = grey(member(&all, &format!("derived/{}/confirmed-blurred.jpg", v.id)));
        assert!(stats(&blurred, &outside).1 < stats(&original, &outside).1 * 0.5);
        assert!(difference(&original, &blurred, &SUBJECT) < 8.0);

        // No blurring: for auditors only, and said in the trail.
        let refused = d
            .export_package(&command(), &id, Privacy::None)
            .await
            .unwrap_err();
        assert!(
            matches!(
                refused,
                gridwatch_dispatcher::evidence::package::PackageError::Case(DispatchError::Forbidden(_))
            ),
            "{refused}"
        );
        let package = d.export_package(&auditor(), &id, Privacy::None).await.unwrap();
        let all = members(&package.bytes);
        assert!(all.iter().all(|(n, _)| !n.starts_with("derived/")));
        let last = d.audit_log(Some(&id)).await.unwrap().pop().unwrap();
        assert_eq!(
            (last.action.as_str(), last.actor.as_str()),
            ("export", "reviewer")
        );
        assert!(last.detail.contains("\"privacy\":\"none\""), "{}", last.detail);
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_changed_sealed_file_stops_the_export() {
    for backend in backends().await {
        let root = tempfile::tempdir().unwrap();
        let d = with_evidence(&backend, root.path()).await;
        let (v, _) = sighting(root.path(), "cam-1", 0.002);
        let id = filed(&d, &v).await;
        std::fs::write(root.path().join(&v.evidence[3].path), b"edited").unwrap();
        let refused = d
            .export_package(&command(), &id, Privacy::BlurBystanders)
            .await
            .unwrap_err();
        assert!(
            refused.to_string().contains("has changed since it was sealed"),
            "{refused}"
        );
        let last = d.audit_log(Some(&id)).await.unwrap().pop().unwrap();
        assert_ne!(last.action, "export", "nothing is recorded");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn the_case_page_offers_the_package_to_the_command_centre_and_auditors_only() {
    for backend in backends().await {
        let town = town_on(&backend).await;
        let (v, _) = sighting(town.evidence.path(), "cam-1", 0.002);
        let id = report(&town.base, &v).await;
        let page = "/cases/1";
        let form = "action=\"/cases/1/package\"";

        for name in ["desk", "reviewer"] {
            let browser = Browser::sign_in(&town.base, name).await;
            let (status, html) = browser.page(page).await;
            assert_eq!(status, StatusCode::OK, "{name}");
            assert!(html.contains(form), "{name} sees no package form");
            assert_eq!(html.contains("value=\"none\""), name == "reviewer", "{name}");
        }
        let desk = Browser::sign_in(&town.base, "desk").await;
        let response = desk
            .submit("/cases/1/package", &[("privacy", "blur-all-but-subject")])
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let disposition = response.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(disposition, "attachment; filename=\"case-1-evidence.zip\"");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/zip");
        let bytes = response.bytes().await.unwrap();
        assert_eq!(
            verify(&bytes).unwrap().manifest.privacy,
            Privacy::BlurAllButSubject
        );
        // Without the session's CSRF token nothing is exported.
        let forged = desk
            .post("/cases/1/package")
            .form(&[("privacy", "blur-bystanders")])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        // The command centre may not ask for the originals unblurred.
        let none = desk.submit("/cases/1/package", &[("privacy", "none")]).await;
        assert_eq!(none.status(), StatusCode::FORBIDDEN);
        let bad = desk.submit("/cases/1/package", &[("privacy", "blurry")]).await;
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

        // Grid members: no form on their own grid's case, and the route refused for any case.
        let own = Browser::sign_in(&town.base, "g01-officer").await;
        let (status, html) = own.page(page).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!html.contains(form), "a member is offered the package");
        let other = Browser::sign_in(&town.base, "g02-officer").await;
        let (status, html) = other.page(page).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(!html.contains(form));
        for member in [&own, &other] {
            let response = member.submit("/cases/1/package", &[]).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN);
        }

        // The API: auditors and the command centre; members and cameras refused.
        let get = |token: &'static str, query: &'static str| {
            http()
                .get(format!("{}/api/v1/cases/{id}/package{query}", town.base))
                .bearer_auth(token)
                .send()
        };
        let response = get("auditor", "?privacy=none").await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let package_sha = response.headers()["x-package-sha256"]
            .to_str()
            .unwrap()
            .to_owned();
        let bytes = response.bytes().await.unwrap();
        assert_eq!(Sha256Hex::of(&bytes).to_string(), package_sha);
        assert_eq!(verify(&bytes).unwrap().manifest.exported_by, "auditor");
        for token in ["g01-officer", "g02-officer", "ingest"] {
            assert_eq!(
                get(token, "").await.unwrap().status(),
                StatusCode::FORBIDDEN,
                "{token}"
            );
        }
        assert_eq!(
            get("command", "?privacy=none").await.unwrap().status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            get("command", "?privacy=x").await.unwrap().status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );

        // Each export is in the trail, and shown on the page.
        let (_, html) = desk.page(page).await;
        assert!(
            html.contains(&format!("none · SHA-256 {package_sha}")),
            "the export is not in the trail"
        );
        backend.drop_database().await;
    }
}
