//! `gridwatch audit verify` on a real store: an intact record passes; a changed evidence file or
//! a changed audit entry is found and named.

mod common;

use common::*;
use gridwatch_core::{config::Config, EvidenceKind, EvidenceRef, PipelineEvent, Sha256Hex};
use gridwatch_dispatcher::server;

#[tokio::test]
async fn tampering_with_evidence_or_the_audit_log_is_found() {
    for backend in backends().await {
        let db = backend.name();
        let dir = tempfile::tempdir().unwrap();
        let evidence = dir.path().join("evidence");
        std::fs::create_dir_all(evidence.join("2026-06-01")).unwrap();
        let photo = evidence.join("2026-06-01/onset.jpg");
        std::fs::write(&photo, b"the frame as the camera delivered it").unwrap();
        let hash = Sha256Hex::of(&std::fs::read(&photo).unwrap());

        let text = TOWN
            .replace(
                "database = \"sqlite:unused.db\"",
                &format!("database = \"{}\"", backend.url()),
            )
            .replace(
                "evidence_dir = \"evidence\"",
                &format!("evidence_dir = \"{}\"", evidence.display()),
            );
        let (d, _) = dispatcher_for(&backend, &text, morning()).await;
        let mut v = violation("street_vending", "cam-1", None, 1, place(0.002, 0.002), 0.9);
        v.evidence = vec![EvidenceRef {
            kind: EvidenceKind::Frame,
            path: "2026-06-01/onset.jpg".into(),
            media_type: "image/jpeg".into(),
            bytes: 36,
            sha256: hash,
            captured_at: v.onset,
        }];
        d.ingest(&PipelineEvent::Violation(v)).await.unwrap();
        drop(d);

        let load = || {
            std::fs::write(dir.path().join("grids.geojson"), GRIDS).unwrap();
            let path = dir.path().join("city.toml");
            std::fs::write(&path, &text).unwrap();
            Config::load(&path).unwrap()
        };
        let summary = server::check(load()).await.unwrap();
        assert_eq!(
            summary, "audit chain: 3 entries intact; evidence: 1 files match their hashes",
            "{db}"
        );

        std::fs::write(&photo, b"a doctored frame").unwrap();
        let problems = server::check(load()).await.unwrap_err();
        assert!(
            problems[0].ends_with("onset.jpg` has changed since it was sealed"),
            "{db}: {problems:?}"
        );
        std::fs::write(&photo, b"the frame as the camera delivered it").unwrap();

        let store = gridwatch_dispatcher::Store::open(&backend.url()).await.unwrap();
        sqlx::query("UPDATE audit SET actor = 'someone else' WHERE seq = 2")
            .execute(store.pool())
            .await
            .unwrap();
        let problems = server::check(load()).await.unwrap_err();
        assert_eq!(
            problems,
            ["audit entry 2: its hash does not match its contents"],
            "{db}"
        );
        backend.drop_database().await;
    }
}
