//! Several dispatcher processes on one PostgreSQL database: case numbers, the audit chain and the
//! outbox stay whole when they write at the same moment.

mod common;

use std::sync::Arc;

use common::*;
use gridwatch_core::PipelineEvent;
use gridwatch_dispatcher::{cases::audit, store::Leadership, CaseChange, Ingested, Store};

const WEBHOOK: &str = r#"
[[dispatch.webhooks]]
name = "archive"
url = "http://127.0.0.1:9/unreachable"
"#;

#[tokio::test]
async fn two_dispatchers_on_one_database_number_cases_and_chain_the_audit_without_collisions() {
    let backend = backends().await.remove(1);
    assert_eq!(backend.name(), "postgres");
    // Two pools on one database: as far as PostgreSQL can tell, two processes.
    let (first, _) = dispatcher(&backend, WEBHOOK, morning()).await;
    let (second, _) = dispatcher(&backend, WEBHOOK, morning()).await;
    let (first, second) = (Arc::new(first), Arc::new(second));
    const EACH: u64 = 40;
    let mut tasks = Vec::new();
    for (n, d) in [first.clone(), second.clone()].into_iter().enumerate() {
        for i in 0..EACH {
            let d = d.clone();
            let track = n as u64 * EACH + i + 1;
            // Every event at its own spot, so each opens a case of its own.
            let at = place(0.0006 * (track % 15) as f64, 0.0006 * (track / 15) as f64);
            tasks.push(tokio::spawn(async move {
                let v = violation("street_vending", "cam-1", None, track, at, 0.9);
                d.ingest(&PipelineEvent::Violation(v)).await
            }));
        }
    }
    for task in tasks {
        let outcome = task.await.unwrap();
        assert!(
            matches!(outcome, Ok(Ingested::Stored { case: Some(_) })),
            "{outcome:?}"
        );
    }
    let page = first
        .cases(&gridwatch_dispatcher::queries::CaseFilter {
            per_page: Some(200),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut numbers: Vec<i64> = page.cases.iter().map(|c| c.number).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=2 * EACH as i64).collect::<Vec<_>>());
    let log = second.audit_log(None).await.unwrap();
    // Each case: reported, filed, dispatched.
    assert_eq!(log.len(), 3 * 2 * EACH as usize);
    audit::verify(&log).unwrap();
    let deliveries = first.deliveries().await.unwrap();
    assert_eq!(deliveries.len(), log.len(), "one delivery per change");
    backend.drop_database().await;
}

#[tokio::test]
async fn one_dispatcher_leads_the_periodic_work_and_another_takes_over_when_it_is_gone() {
    let mut backends = backends().await;
    let postgres = backends.remove(1);
    let sqlite = backends.remove(0);
    // An SQLite file belongs to one process: it always leads.
    let store = Store::open(&sqlite.url()).await.unwrap();
    assert!(Leadership::new(store).check().await);

    let (first, second) = (
        Store::open(&postgres.url()).await.unwrap(),
        Store::open(&postgres.url()).await.unwrap(),
    );
    let mut first = Leadership::new(first);
    let mut second = Leadership::new(second);
    assert!(first.check().await);
    assert!(!second.check().await, "one leader at a time");
    assert!(first.check().await, "the leader goes on leading");
    assert!(!second.check().await);
    // The leading process dies: its connection ends, and the server lets the lock go with it.
    drop(first);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !second.check().await {
        assert!(std::time::Instant::now() < deadline, "nobody took over");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    drop(second);
    postgres.drop_database().await;
}

#[tokio::test]
async fn what_one_dispatcher_commits_reaches_every_dispatcher_s_live_feed_once() {
    let backend = backends().await.remove(1);
    let (first, _) = dispatcher(&backend, "", morning()).await;
    let (second, _) = dispatcher(&backend, "", morning()).await;
    let (first, second) = (Arc::new(first), Arc::new(second));
    first.relay_other_processes().await;
    second.relay_other_processes().await;
    let (mut mine, mut theirs) = (first.subscribe(), second.subscribe());
    let told = |c: CaseChange| (c.case, c.action);
    for (track, at) in [(1, place(0.0, 0.0)), (2, place(0.006, 0.006))] {
        let v = violation("street_vending", "cam-1", None, track, at, 0.9);
        let outcome = first.ingest(&PipelineEvent::Violation(v)).await.unwrap();
        assert!(
            matches!(outcome, Ingested::Stored { case: Some(_) }),
            "{outcome:?}"
        );
        // The process that committed told its own feed as it committed, and only then: a change
        // of its own heard back from the database is not told twice.
        let mut here = Vec::new();
        while let Ok(change) = mine.try_recv() {
            here.push(told(change));
        }
        assert!(!here.is_empty());
        assert!(here.iter().all(|(case, _)| *case == here[0].0), "{here:?}");
        // The other process tells the same, in the same order.
        let mut there = Vec::new();
        while there.len() < here.len() {
            // The bound only stops a test that would hang.
            let change = tokio::time::timeout(std::time::Duration::from_secs(60), theirs.recv())
                .await
                .expect("the other dispatcher's feed tells the change")
                .unwrap();
            there.push(told(change));
        }
        assert_eq!(here, there);
    }
    drop((first, second));
    backend.drop_database().await;
}
