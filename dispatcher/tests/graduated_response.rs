//! Shopfront violations told to the registered shop first, and webhooks delivered through the
//! outbox until the receiver takes them: on SQLite and PostgreSQL.

mod common;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{http::StatusCode, routing::post, Router};
use common::*;
use gridwatch_core::PipelineEvent;
use gridwatch_dispatcher::{cases::State, Ingested};

/// A webhook receiver that refuses its first `refuse` calls with 500, then keeps what it gets.
async fn receiver(refuse: usize) -> (String, Arc<Mutex<Vec<String>>>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let calls = Arc::new(Mutex::new(0));
    let kept = got.clone();
    let app = Router::new().route(
        "/hook",
        post(move |body: String| {
            let (kept, calls) = (kept.clone(), calls.clone());
            async move {
                let mut n = calls.lock().unwrap();
                *n += 1;
                if *n <= refuse {
                    return StatusCode::INTERNAL_SERVER_ERROR;
                }
                kept.lock().unwrap().push(body);
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, got)
}

fn shopfront(url: &str) -> String {
    format!(
        r#"
[[cameras]]
id = "cam-1"
uri = "rtsp://10.0.0.5/sub"
location = {{ lon = 119.002, lat = 26.002 }}
zones = [{{ id = "shop-apron", role = "shopfront", points = [[0, 0], [100, 0], [100, 50]] }}]

[[dispatch.shops]]
id = "lucky-fruit"
name = "Lucky Fruit"
licence = "91350102MA2Y0000XX"
contact = "+86 591 8888 0000"
fronts = [{{ camera = "cam-1", zone = "shop-apron" }}]

[[dispatch.webhooks]]
name = "sms-gateway"
url = "{url}"
on = ["notice"]
"#
    )
}

fn stored_case(outcome: Ingested) -> String {
    match outcome {
        Ingested::Stored { case: Some(case) } => case,
        other => panic!("expected a stored case, got {other:?}"),
    }
}

#[tokio::test]
async fn a_shop_that_complies_in_time_is_closed_without_dispatch_and_one_that_does_not_is_dispatched() {
    for backend in backends().await {
        let db = backend.name();
        let (url, got) = receiver(1).await;
        // The town's street vending policy gains a grace period for registered shops.
        let town = TOWN.replace(
            "handle_within = \"2h\"",
            "handle_within = \"2h\"\nnotice_grace = \"10m\"",
        );
        let (d, clock) = dispatcher_for(&backend, &format!("{town}\n{}", shopfront(&url)), morning()).await;

        let goods = violation(
            "street_vending",
            "cam-1",
            Some("shop-apron"),
            1,
            place(0.002, 0.002),
            0.9,
        );
        let complied = stored_case(d.ingest(&PipelineEvent::Violation(goods.clone())).await.unwrap());
        let case = d.case(&command(), &complied).await.unwrap();
        assert_eq!(
            (case.state, case.shop.as_deref(), case.assignee),
            (State::Filed, Some("lucky-fruit"), None),
            "{db}"
        );
        later(&clock, 5);
        d.ingest(&cleared(&goods)).await.unwrap();
        let case = d.case(&command(), &complied).await.unwrap();
        assert_eq!(
            (case.state, case.dispatched_at),
            (State::Closed, None),
            "{db}: closed without dispatch"
        );

        let again = violation(
            "street_vending",
            "cam-1",
            Some("shop-apron"),
            2,
            place(0.002, 0.002),
            0.9,
        );
        let ignored = stored_case(d.ingest(&PipelineEvent::Violation(again)).await.unwrap());
        assert_ne!(ignored, complied, "{db}");
        later(&clock, 9);
        assert!(
            d.escalate_overdue().await.unwrap().is_empty(),
            "{db}: still within the grace period"
        );
        later(&clock, 2);
        assert_eq!(
            d.escalate_overdue().await.unwrap(),
            std::slice::from_ref(&ignored),
            "{db}"
        );
        assert_eq!(
            d.case(&command(), &ignored).await.unwrap().state,
            State::Dispatched,
            "{db}"
        );

        // Two notices went to the SMS gateway: the first try refused, tried again later.
        let http = reqwest::Client::new();
        assert_eq!(
            d.deliver_webhooks(&http).await.unwrap(),
            1,
            "{db}: one delivered, one refused"
        );
        let refused = d
            .deliveries()
            .await
            .unwrap()
            .into_iter()
            .find(|x| x.delivered_at.is_none())
            .unwrap();
        assert_eq!(refused.attempts, 1, "{db}");
        assert!(refused.last_error.unwrap().contains("500"), "{db}");
        assert_eq!(d.deliver_webhooks(&http).await.unwrap(), 0, "{db}: not due yet");
        clock.advance_to(clock.elapsed() + Duration::from_secs(3));
        assert_eq!(d.deliver_webhooks(&http).await.unwrap(), 1, "{db}");
        let bodies = got.lock().unwrap().clone();
        assert_eq!(bodies.len(), 2, "{db}");
        assert!(
            bodies
                .iter()
                .all(|b| b.contains("\"action\":\"notice\"") && b.contains("+86 591 8888 0000")),
            "{bodies:?}"
        );
        backend.drop_database().await;
    }
}
