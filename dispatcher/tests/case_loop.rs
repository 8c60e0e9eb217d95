//! The whole case loop, on SQLite and on PostgreSQL: report → file → dispatch → accept → handle
//! → verify → close, with return, extension, rework, merging, recurrence and escalation.

mod common;

use common::*;
use gridwatch_core::PipelineEvent;
use gridwatch_dispatcher::{
    cases::{audit, Action, Escalation, State},
    ActionRequest, DispatchError, Ingested,
};

fn act(action: Action) -> ActionRequest {
    ActionRequest {
        action: Some(action),
        ..ActionRequest::default()
    }
}

fn with_reason(action: Action, reason: &str) -> ActionRequest {
    ActionRequest {
        reason: Some(reason.into()),
        ..act(action)
    }
}

fn stored_case(outcome: Ingested) -> String {
    match outcome {
        Ingested::Stored { case: Some(case) } => case,
        other => panic!("expected a stored case, got {other:?}"),
    }
}

#[tokio::test]
async fn the_whole_loop_with_return_extension_and_auto_verification() {
    for backend in backends().await {
        let db = backend.name();
        let (d, clock) = dispatcher(&backend, "", morning()).await;
        let v = violation(
            "street_vending",
            "cam-1",
            Some("pavement"),
            1,
            place(0.002, 0.002),
            0.9,
        );
        let id = stored_case(d.ingest(&PipelineEvent::Violation(v.clone())).await.unwrap());

        // Confident enough: filed and dispatched at once, to the officer (nobody has tasks yet).
        let case = d.case(&command(), &id).await.unwrap();
        assert_eq!(
            (case.state, case.grid.as_deref(), case.assignee.as_deref()),
            (State::Dispatched, Some("G01"), Some("g01-officer")),
            "{db}"
        );
        assert_eq!(
            case.accept_due,
            Some(morning().timestamp_millis() + 30 * 60_000),
            "{db}"
        );

        // The officer says it is not theirs; the command centre dispatches again, fairly.
        d.act(
            &member("g01-officer"),
            &id,
            &with_reason(Action::Return, "wrong side of the street"),
        )
        .await
        .unwrap();
        let case = d.act(&command(), &id, &act(Action::Dispatch)).await.unwrap();
        assert_eq!(
            (case.state, case.assignee.as_deref()),
            (State::Dispatched, Some("g01-officer")),
            "{db}"
        );

        later(&clock, 10);
        d.act(&member("g01-officer"), &id, &act(Action::Accept))
            .await
            .unwrap();
        let until = d.now() + chrono::TimeDelta::hours(4);
        let ask = ActionRequest {
            until: Some(until),
            ..with_reason(Action::RequestExtension, "vendor has a permit hearing")
        };
        d.act(&member("g01-officer"), &id, &ask).await.unwrap();
        let case = d
            .act(&member("g01-lead"), &id, &act(Action::GrantExtension))
            .await
            .unwrap();
        assert_eq!(
            (case.handle_due, case.extensions),
            (Some(until.timestamp_millis()), 1),
            "{db}"
        );

        let handled = ActionRequest {
            note: Some("vendor moved to the market".into()),
            photo: Some("photos/1.jpg".into()),
            ..act(Action::Handle)
        };
        d.act(&member("g01-officer"), &id, &handled).await.unwrap();
        // The camera reports the spot clear after the team's work: verified without anyone.
        d.ingest(&cleared(&v)).await.unwrap();
        let case = d.case(&command(), &id).await.unwrap();
        assert_eq!(case.state, State::Verified, "{db}");
        let case = d.act(&command(), &id, &act(Action::Close)).await.unwrap();
        assert_eq!(case.state, State::Closed, "{db}");

        let log = d.audit_log(None).await.unwrap();
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "report",
                "file",
                "dispatch",
                "return",
                "dispatch",
                "accept",
                "request_extension",
                "grant_extension",
                "handle",
                "verify",
                "close"
            ],
            "{db}"
        );
        assert_eq!(log[9].actor, "camera:cam-1", "{db}");
        audit::verify(&log).unwrap();
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn low_confidence_waits_for_review_and_a_void_keeps_its_reason() {
    for backend in backends().await {
        let db = backend.name();
        let (d, _) = dispatcher(&backend, "", morning()).await;
        let v = violation("street_vending", "cam-1", None, 2, place(0.003, 0.003), 0.5);
        let id = stored_case(d.ingest(&PipelineEvent::Violation(v)).await.unwrap());
        assert_eq!(
            d.case(&command(), &id).await.unwrap().state,
            State::Reported,
            "{db}"
        );
        let err = d.act(&command(), &id, &act(Action::Void)).await.unwrap_err();
        assert_eq!(err.to_string(), "reason: required to void a case", "{db}");
        let case = d
            .act(
                &command(),
                &id,
                &with_reason(Action::Void, "a parked delivery trolley"),
            )
            .await
            .unwrap();
        assert_eq!(
            (case.state, case.void_reason.as_deref()),
            (State::Voided, Some("a parked delivery trolley")),
            "{db}"
        );
        // Kept for retraining: the export carries the reason and the event that raised it.
        let export = d.false_positives().await.unwrap();
        let line: serde_json::Value = serde_json::from_str(export.lines().next().unwrap()).unwrap();
        assert_eq!(
            (line["reason"].as_str(), line["event"]["track"].as_i64()),
            (Some("a parked delivery trolley"), Some(2)),
            "{db}"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn handled_but_still_seen_goes_back_for_rework() {
    for backend in backends().await {
        let db = backend.name();
        let (d, _) = dispatcher(&backend, "", morning()).await;
        let first = violation(
            "street_vending",
            "cam-1",
            Some("pavement"),
            3,
            place(0.002, 0.002),
            0.9,
        );
        let id = stored_case(d.ingest(&PipelineEvent::Violation(first)).await.unwrap());
        d.act(&member("g01-officer"), &id, &act(Action::Accept))
            .await
            .unwrap();
        let handled = ActionRequest {
            note: Some("asked to leave".into()),
            ..act(Action::Handle)
        };
        d.act(&member("g01-officer"), &id, &handled).await.unwrap();
        // The same vendor, seen again by the camera: a new track, the same case.
        let again = violation(
            "street_vending",
            "cam-1",
            Some("pavement"),
            4,
            place(0.002, 0.002),
            0.9,
        );
        assert_eq!(
            stored_case(d.ingest(&PipelineEvent::Violation(again)).await.unwrap()),
            id,
            "{db}"
        );
        let case = d.case(&command(), &id).await.unwrap();
        assert_eq!(
            (case.state, case.reworks, case.occurrences),
            (State::Rework, 1, 2),
            "{db}"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn nearby_sightings_merge_far_ones_open_cases_and_repeats_are_recurrences() {
    for backend in backends().await {
        let db = backend.name();
        let (d, _) = dispatcher(&backend, "", morning()).await;
        let a = violation("street_vending", "cam-1", None, 5, place(0.002, 0.002), 0.9);
        let case_a = stored_case(d.ingest(&PipelineEvent::Violation(a.clone())).await.unwrap());
        // 10 m away, another camera: the same case.
        let near = violation("street_vending", "cam-2", None, 6, place(0.002, 0.00209), 0.9);
        assert_eq!(
            stored_case(d.ingest(&PipelineEvent::Violation(near)).await.unwrap()),
            case_a,
            "{db}"
        );
        // 300 m away: a case of its own.
        let far = violation("street_vending", "cam-2", None, 7, place(0.002, 0.0047), 0.9);
        assert_ne!(
            stored_case(d.ingest(&PipelineEvent::Violation(far)).await.unwrap()),
            case_a,
            "{db}"
        );
        // A different kind at the same spot: its own case too.
        let parking = violation("out_of_line_parking", "cam-1", None, 8, place(0.002, 0.002), 0.9);
        assert_ne!(
            stored_case(d.ingest(&PipelineEvent::Violation(parking)).await.unwrap()),
            case_a,
            "{db}"
        );
        // In the same camera zone: the zone's case, however far apart the two places were put;
        // in another zone of that camera, and that far, a case of its own.
        let in_zone =
            |seq, zone, lon| violation("street_vending", "cam-3", Some(zone), seq, place(0.003, lon), 0.9);
        let zone_case = stored_case(
            d.ingest(&PipelineEvent::Violation(in_zone(20, "apron", 0.002)))
                .await
                .unwrap(),
        );
        let same_zone = PipelineEvent::Violation(in_zone(21, "apron", 0.0047));
        assert_eq!(
            stored_case(d.ingest(&same_zone).await.unwrap()),
            zone_case,
            "{db}"
        );
        let other_zone = PipelineEvent::Violation(in_zone(22, "kerb", 0.0047));
        assert_ne!(
            stored_case(d.ingest(&other_zone).await.unwrap()),
            zone_case,
            "{db}"
        );
        // The same event again changes nothing.
        assert_eq!(
            d.ingest(&PipelineEvent::Violation(a)).await.unwrap(),
            Ingested::Duplicate {
                case: Some(case_a.clone())
            },
            "{db}"
        );
        assert_eq!(d.case(&command(), &case_a).await.unwrap().occurrences, 2, "{db}");

        // Close it, then the vendor returns: a new case that counts as a recurrence.
        d.act(&member("g01-officer"), &case_a, &act(Action::Accept))
            .await
            .unwrap();
        let handled = ActionRequest {
            note: Some("moved on".into()),
            ..act(Action::Handle)
        };
        d.act(&member("g01-officer"), &case_a, &handled).await.unwrap();
        d.act(&member("g01-lead"), &case_a, &act(Action::Verify))
            .await
            .unwrap();
        d.act(&command(), &case_a, &act(Action::Close)).await.unwrap();
        let back = violation("street_vending", "cam-1", None, 9, place(0.002, 0.002), 0.9);
        let case_b = stored_case(d.ingest(&PipelineEvent::Violation(back)).await.unwrap());
        assert_ne!(case_b, case_a, "{db}");
        assert_eq!(
            d.case(&command(), &case_b).await.unwrap().recurrence_of,
            Some(case_a),
            "{db}"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn overdue_cases_escalate_to_the_leader_then_the_command_centre() {
    for backend in backends().await {
        let db = backend.name();
        let (d, clock) = dispatcher(&backend, "", morning()).await;
        let v = violation("street_vending", "cam-1", None, 10, place(0.002, 0.002), 0.9);
        let id = stored_case(d.ingest(&PipelineEvent::Violation(v)).await.unwrap());
        later(&clock, 29);
        assert!(
            d.escalate_overdue().await.unwrap().is_empty(),
            "{db}: not yet due"
        );
        later(&clock, 2);
        assert_eq!(
            d.escalate_overdue().await.unwrap(),
            std::slice::from_ref(&id),
            "{db}"
        );
        assert_eq!(
            d.case(&command(), &id).await.unwrap().escalation,
            Escalation::GridLeader,
            "{db}"
        );
        assert!(
            d.escalate_overdue().await.unwrap().is_empty(),
            "{db}: escalated once per level"
        );
        d.act(&member("g01-officer"), &id, &act(Action::Accept))
            .await
            .unwrap();
        later(&clock, 90);
        assert_eq!(
            d.escalate_overdue().await.unwrap(),
            std::slice::from_ref(&id),
            "{db}"
        );
        let case = d.case(&command(), &id).await.unwrap();
        assert_eq!(case.escalation, Escalation::CommandCentre, "{db}");
        let log = d.audit_log(None).await.unwrap();
        let last = log.last().unwrap();
        assert_eq!(
            (last.action.as_str(), last.detail.contains("command_centre")),
            ("escalate", true),
            "{db}"
        );
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn refusals_name_the_rule_that_was_broken() {
    for backend in backends().await {
        let db = backend.name();
        let (d, _) = dispatcher(&backend, "", morning()).await;
        let v = violation("street_vending", "cam-1", None, 11, place(0.002, 0.002), 0.9);
        let id = stored_case(d.ingest(&PipelineEvent::Violation(v)).await.unwrap());
        let err = d.act(&command(), &id, &act(Action::Close)).await.unwrap_err();
        assert!(matches!(err, DispatchError::Refused(_)), "{db}: {err}");
        assert_eq!(
            err.to_string(),
            "cannot close a case that is dispatched; close applies to verified cases",
            "{db}"
        );
        // Nothing changed, nothing logged for the refusal.
        assert_eq!(
            d.case(&command(), &id).await.unwrap().state,
            State::Dispatched,
            "{db}"
        );
        assert_eq!(d.audit_log(None).await.unwrap().len(), 3, "{db}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn indicators_count_the_loop_per_grid_and_kind() {
    for backend in backends().await {
        let db = backend.name();
        let (d, clock) = dispatcher(&backend, "", morning()).await;
        // Closed on time after a rework; voided at review; waiting for review; one in grid G02.
        let done = stored_case(
            d.ingest(&PipelineEvent::Violation(violation(
                "street_vending",
                "cam-1",
                None,
                1,
                place(0.002, 0.002),
                0.9,
            )))
            .await
            .unwrap(),
        );
        let voided = stored_case(
            d.ingest(&PipelineEvent::Violation(violation(
                "street_vending",
                "cam-1",
                None,
                2,
                place(0.005, 0.005),
                0.5,
            )))
            .await
            .unwrap(),
        );
        stored_case(
            d.ingest(&PipelineEvent::Violation(violation(
                "street_vending",
                "cam-1",
                None,
                3,
                place(0.008, 0.008),
                0.5,
            )))
            .await
            .unwrap(),
        );
        stored_case(
            d.ingest(&PipelineEvent::Violation(violation(
                "street_vending",
                "cam-2",
                None,
                4,
                place(0.015, 0.005),
                0.9,
            )))
            .await
            .unwrap(),
        );
        d.act(&command(), &voided, &with_reason(Action::Void, "a delivery"))
            .await
            .unwrap();
        later(&clock, 4);
        d.act(&member("g01-officer"), &done, &act(Action::Accept))
            .await
            .unwrap();
        let handled = ActionRequest {
            note: Some("done".into()),
            ..act(Action::Handle)
        };
        d.act(&member("g01-officer"), &done, &handled).await.unwrap();
        d.act(
            &member("g01-lead"),
            &done,
            &with_reason(Action::Rework, "still there"),
        )
        .await
        .unwrap();
        later(&clock, 6);
        d.act(&member("g01-officer"), &done, &handled).await.unwrap();
        d.act(&member("g01-lead"), &done, &act(Action::Verify))
            .await
            .unwrap();
        d.act(&command(), &done, &act(Action::Close)).await.unwrap();

        let rows = d
            .indicators(morning(), d.now() + chrono::TimeDelta::seconds(1), None)
            .await
            .unwrap();
        let g01 = rows.iter().find(|r| r.grid.as_deref() == Some("G01")).unwrap();
        assert_eq!(g01.reported, 3, "{db}");
        assert_eq!(g01.filing_rate, Some(1.0 / 3.0), "{db}");
        assert_eq!(
            (g01.dispatch_rate, g01.closing_rate, g01.on_time_rate),
            (Some(1.0), Some(1.0), Some(1.0)),
            "{db}"
        );
        assert_eq!(
            (g01.rework_rate, g01.extension_rate, g01.recurrence_rate),
            (Some(1.0), Some(0.0), Some(0.0)),
            "{db}"
        );
        assert_eq!(
            (
                g01.median_to_dispatch_s,
                g01.median_to_accept_s,
                g01.median_to_close_s
            ),
            (Some(0.0), Some(240.0), Some(600.0)),
            "{db}"
        );
        let total = rows.last().unwrap();
        assert_eq!(
            (total.grid.as_deref(), total.kind.as_deref(), total.reported),
            (None, None, 4),
            "{db}"
        );
        assert_eq!(total.dispatch_rate, Some(1.0), "{db}");
        assert_eq!(total.closing_rate, Some(0.5), "{db}");
        backend.drop_database().await;
    }
}

#[tokio::test]
async fn a_filed_case_is_not_verified_before_anyone_was_sent() {
    for backend in backends().await {
        let db = backend.name();
        let (d, _) = dispatcher(&backend, "", morning()).await;
        let v = violation("street_vending", "cam-1", None, 3, place(0.004, 0.004), 0.5);
        let id = stored_case(d.ingest(&PipelineEvent::Violation(v.clone())).await.unwrap());
        d.act(&command(), &id, &act(Action::File)).await.unwrap();

        let err = d.act(&command(), &id, &act(Action::Verify)).await.unwrap_err();
        assert!(
            matches!(&err, DispatchError::Refused(_)),
            "{db}: verifying a filed case without a shop notice must be refused, got {err:?}"
        );
        assert_eq!(
            err.to_string(),
            "cannot verify a case that is filed; verify applies to handled cases, or filed ones under a shop notice",
            "{db}"
        );
        // Nor does the camera's clearing verify it: nobody has dealt with it.
        d.ingest(&cleared(&v)).await.unwrap();
        assert_eq!(d.case(&command(), &id).await.unwrap().state, State::Filed, "{db}");
        backend.drop_database().await;
    }
}
