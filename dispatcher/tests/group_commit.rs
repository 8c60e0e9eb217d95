//! Group commit: events that queue up while the writer is busy are committed together, and each
//! caller still hears its own outcome. A test that queues its events one after another without
//! awaiting anything in between, on the test's single-threaded runtime, has them all waiting before
//! the writer task first runs, so they go into one commit.

mod common;

use std::sync::Arc;

use common::*;
use gridwatch_core::{PipelineEvent, ViolationEvent};
use gridwatch_dispatcher::{
    cases::{audit, State},
    DispatchError, Dispatcher, Ingested, StoreError,
};

/// Queues `events` together, then awaits each one's outcome.
async fn together(d: &Dispatcher, events: &[PipelineEvent]) -> Vec<Result<Ingested, DispatchError>> {
    let mut pending = Vec::new();
    for event in events {
        pending.push(d.queue(event.clone()).await.unwrap());
    }
    let mut outcomes = Vec::new();
    for p in pending {
        outcomes.push(p.outcome().await);
    }
    outcomes
}

fn stored(v: &ViolationEvent) -> Ingested {
    Ingested::Stored {
        case: Some(v.id.to_string()),
    }
}

/// Event `i` at a spot of its own (60 m from the next), so that it opens a case.
fn apart(i: u64) -> ViolationEvent {
    let at = place(0.0006 * (i % 15) as f64, 0.0006 * (i / 15) as f64);
    violation("street_vending", "cam-1", None, i, at, 0.9)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_events_are_committed_together_and_each_answered_with_its_own_case() {
    for backend in backends().await {
        let db = backend.name();
        let (d, _) = dispatcher(&backend, "", morning()).await;
        let d = Arc::new(d);
        const EVENTS: u64 = 150;
        let tasks: Vec<_> = (1..=EVENTS)
            .map(|i| {
                let d = d.clone();
                tokio::spawn(async move {
                    let v = apart(i);
                    let outcome = d.ingest(&PipelineEvent::Violation(v.clone())).await;
                    (v, outcome)
                })
            })
            .collect();
        for task in tasks {
            let (v, outcome) = task.await.unwrap();
            assert_eq!(outcome.unwrap(), stored(&v), "{db}");
            let case = d.case(&command(), &v.id.to_string()).await.unwrap();
            assert_eq!(case.state, State::Dispatched, "{db}: {}", case.id);
            assert_eq!(case.first_event, v.id.to_string(), "{db}");
        }
        let log = d.audit_log(None).await.unwrap();
        // Each case: reported, filed, dispatched; linked into one chain across the commits.
        assert_eq!(log.len(), 3 * EVENTS as usize, "{db}");
        audit::verify(&log).unwrap_or_else(|e| panic!("{db}: {e:?}"));
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_duplicate_in_the_same_commit_is_stored_once() {
    for backend in backends().await {
        let db = backend.name();
        let (d, _) = dispatcher(&backend, "", morning()).await;
        let (a, b) = (apart(1), apart(2));
        let events = [a.clone(), a.clone(), b.clone()].map(PipelineEvent::Violation);
        let outcomes = together(&d, &events).await;
        let outcomes: Vec<Ingested> = outcomes.into_iter().map(Result::unwrap).collect();
        let again = Ingested::Duplicate {
            case: Some(a.id.to_string()),
        };
        assert_eq!(outcomes, [stored(&a), again, stored(&b)], "{db}");
        let case = d.case(&command(), &a.id.to_string()).await.unwrap();
        assert_eq!(case.occurrences, 1, "{db}");
        let log = d.audit_log(None).await.unwrap();
        assert_eq!(log.len(), 6, "{db}: two cases reported, filed, dispatched");
        audit::verify(&log).unwrap_or_else(|e| panic!("{db}: {e:?}"));
        backend.drop_database().await;
    }
}

/// A commit takes its events as new and learns otherwise only when it writes them: an event
/// stored by an earlier commit (delivered again after a crash) must still change nothing, while
/// its neighbours are stored and find the cases they belong to.
#[tokio::test]
async fn an_event_stored_before_in_a_commit_changes_nothing_and_its_neighbours_are_stored() {
    for backend in backends().await {
        let db = backend.name();
        let (d, _) = dispatcher(&backend, "", morning()).await;
        let a = apart(1);
        let mut again_at_a = apart(16);
        again_at_a.location = a.location;
        let b = apart(2);
        assert_eq!(
            d.ingest(&PipelineEvent::Violation(a.clone())).await.unwrap(),
            stored(&a)
        );
        let events = [&a, &again_at_a, &b, &a].map(|v| PipelineEvent::Violation(v.clone()));
        let outcomes: Vec<Ingested> = together(&d, &events)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let again = Ingested::Duplicate {
            case: Some(a.id.to_string()),
        };
        assert_eq!(outcomes, [again.clone(), stored(&a), stored(&b), again], "{db}");
        let case = d.case(&command(), &a.id.to_string()).await.unwrap();
        assert_eq!(case.occurrences, 2, "{db}: the first sighting and the new one");
        assert_eq!(case.last_event, again_at_a.id.to_string(), "{db}");
        let log = d.audit_log(None).await.unwrap();
        assert_eq!(
            log.len(),
            7,
            "{db}: two cases reported, filed, dispatched; one sighting"
        );
        audit::verify(&log).unwrap_or_else(|e| panic!("{db}: {e:?}"));
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_violation_and_its_clearing_in_the_same_commit_find_each_other() {
    for backend in backends().await {
        let db = backend.name();
        let (d, _) = dispatcher(&backend, "", morning()).await;
        let a = apart(1);
        let seen = PipelineEvent::Violation(a.clone());
        let events = [seen.clone(), cleared(&a), cleared(&a), seen];
        let outcomes: Vec<Ingested> = together(&d, &events)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let case = Some(a.id.to_string());
        let again = Ingested::Duplicate { case: case.clone() };
        assert_eq!(
            outcomes,
            [
                stored(&a),
                Ingested::Stored { case: case.clone() },
                again.clone(),
                again.clone()
            ],
            "{db}"
        );
        let stored_case = d.case(&command(), &a.id.to_string()).await.unwrap();
        assert!(
            stored_case.cleared_at.is_some(),
            "{db}: the clearing reached its case"
        );
        // Committed, each is known from the store.
        assert_eq!(d.ingest(&cleared(&a)).await.unwrap(), again, "{db}");
        assert_eq!(
            d.ingest(&PipelineEvent::Violation(a.clone())).await.unwrap(),
            again,
            "{db}"
        );
        backend.drop_database().await;
    }
}

/// A new case takes the id of the event that opened it. Should a stored case have that id
/// already, the event is refused and nothing of it is kept, rather than its audit entries and
/// event row pointing at another case.
#[tokio::test]
async fn a_new_case_whose_id_is_taken_is_refused_and_nothing_of_it_kept() {
    for backend in backends().await {
        let db = backend.name();
        let (d, _) = dispatcher(&backend, "", morning()).await;
        let v = apart(1);
        let id = v.id.to_string();
        sqlx::query(
            "INSERT INTO cases (id, number, kind, state, camera, lon, lat, confidence, occurrences,
               first_event, last_event, reported_at, updated_at, escalation, extensions, reworks)
             VALUES ($1, 999, 'street_vending', 'closed', 'cam-9', 0, 0, 1, 1, 'x', 'x', 0, 0, 0, 0, 0)",
        )
        .bind(&id)
        .execute(d.store().pool())
        .await
        .unwrap();
        let refused = d.ingest(&PipelineEvent::Violation(v.clone())).await;
        assert!(refused.is_err(), "{db}: {refused:?}");
        assert!(d.audit_log(None).await.unwrap().is_empty(), "{db}");
        sqlx::query("DELETE FROM cases WHERE id = $1")
            .bind(&id)
            .execute(d.store().pool())
            .await
            .unwrap();
        // Its event row was not kept either: sent again, it is new.
        assert_eq!(
            d.ingest(&PipelineEvent::Violation(v.clone())).await.unwrap(),
            stored(&v),
            "{db}"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_bad_event_in_a_commit_is_refused_alone_and_its_neighbours_are_stored() {
    for backend in backends().await {
        let db = backend.name();
        let (d, _) = dispatcher(&backend, "", morning()).await;
        let (before, after) = (apart(1), apart(3));
        let mut unknown = apart(2);
        unknown.kind = gridwatch_core::ViolationKind::new("juggling").unwrap();
        let mut unsure = apart(4);
        unsure.confidence = 1.5;
        let events = [&before, &unknown, &after, &unsure].map(|v| PipelineEvent::Violation(v.clone()));
        let outcomes = together(&d, &events).await;
        assert_eq!(outcomes[0].as_ref().unwrap(), &stored(&before), "{db}");
        assert!(
            matches!(&outcomes[1], Err(DispatchError::Invalid(why)) if why.contains("unknown violation kind `juggling`")),
            "{db}: {:?}",
            outcomes[1]
        );
        assert_eq!(outcomes[2].as_ref().unwrap(), &stored(&after), "{db}");
        assert!(
            matches!(&outcomes[3], Err(DispatchError::Invalid(why)) if why.starts_with("confidence:")),
            "{db}: {:?}",
            outcomes[3]
        );
        for v in [&before, &after] {
            let case = d.case(&command(), &v.id.to_string()).await.unwrap();
            assert_eq!(case.state, State::Dispatched, "{db}");
        }
        // Nothing of the refused ones was kept: sent again, corrected, each is new.
        unsure.confidence = 0.9;
        assert_eq!(
            d.ingest(&PipelineEvent::Violation(unsure.clone())).await.unwrap(),
            stored(&unsure),
            "{db}"
        );
        let log = d.audit_log(None).await.unwrap();
        assert_eq!(log.len(), 9, "{db}: three cases reported, filed, dispatched");
        audit::verify(&log).unwrap_or_else(|e| panic!("{db}: {e:?}"));
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn events_at_one_spot_in_the_same_commit_keep_their_order() {
    for backend in backends().await {
        let db = backend.name();
        let (d, _) = dispatcher(&backend, "", morning()).await;
        let at = place(0.002, 0.002);
        let first = violation("street_vending", "cam-1", None, 1, at, 0.9);
        let second = violation("street_vending", "cam-2", None, 2, at, 0.9);
        let events = [
            PipelineEvent::Violation(first.clone()),
            PipelineEvent::Violation(second.clone()),
            cleared(&second),
        ];
        let outcomes: Vec<Ingested> = together(&d, &events)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(outcomes, [stored(&first), stored(&first), stored(&first)], "{db}");
        let case = d.case(&command(), &first.id.to_string()).await.unwrap();
        assert_eq!(case.occurrences, 2, "{db}");
        assert_eq!(case.last_event, second.id.to_string(), "{db}");
        assert!(
            case.cleared_at.is_some(),
            "{db}: the second sighting's end clears it"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn when_the_commit_fails_every_event_in_it_is_told_and_none_is_stored() {
    let backend = backends().await.remove(1);
    assert_eq!(backend.name(), "postgres");
    let (d, _) = dispatcher(&backend, "", morning()).await;
    // A check PostgreSQL makes only at commit, failing for a case opened by camera `cam-refused`.
    sqlx::raw_sql(
        "CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN IF NEW.camera = 'cam-refused' THEN RAISE EXCEPTION 'cam-refused is refused'; END IF;
           RETURN NULL; END $$;
         CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON cases
           DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_at_commit();",
    )
    .execute(d.store().pool())
    .await
    .unwrap();
    let (a, b) = (apart(1), apart(3));
    let mut refused = apart(2);
    refused.camera = gridwatch_core::CameraId::new("cam-refused").unwrap();
    let events = [&a, &refused, &b].map(|v| PipelineEvent::Violation(v.clone()));
    for outcome in together(&d, &events).await {
        match outcome {
            Err(DispatchError::Store(e @ StoreError::Together { events: 3, .. })) => {
                assert!(e.to_string().contains("cam-refused is refused"), "{e}")
            }
            other => panic!("{other:?}"),
        }
    }
    // None of them was stored: sent again (without the one refused), each is new.
    for v in [&a, &b] {
        assert_eq!(
            d.ingest(&PipelineEvent::Violation(v.clone())).await.unwrap(),
            stored(v)
        );
    }
    audit::verify(&d.audit_log(None).await.unwrap()).unwrap();
    backend.drop_database().await;
}
