//! Intake over HTTP on SQLite and PostgreSQL: events per second (one sender, and eight at once),
//! and event-to-task latency (a confident event is reported, filed and dispatched to a grid
//! member before its POST is answered, so the answer's latency is the event's time to a task).
//!
//! `cargo bench -p gridwatch-dispatcher --bench intake`; PostgreSQL from `GRIDWATCH_TEST_POSTGRES`
//! or the local server.

#[path = "../tests/common/mod.rs"]
mod common;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use common::*;
use gridwatch_core::PipelineEvent;
use gridwatch_dispatcher::api;

const SEQUENTIAL: usize = 1000;
const SENDERS: usize = 8;
const EACH: usize = 250;

/// Event `i` at a spot of its own (30 m apart), so each opens and dispatches a case.
fn event(i: usize) -> String {
    let (x, y) = ((i % 30) as f64 * 0.0003, (i / 30 % 30) as f64 * 0.0003);
    let v = violation(
        "street_vending",
        &format!("cam-{}", i / 900),
        None,
        i as u64,
        place(x, y),
        0.9,
    );
    serde_json::to_string(&PipelineEvent::Violation(v)).unwrap()
}

async fn post(http: &reqwest::Client, url: &str, body: String) -> Duration {
    let started = Instant::now();
    let response = http
        .post(url)
        .bearer_auth("ingest")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    started.elapsed()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() {
    for backend in backends().await {
        let (d, _) = dispatcher(&backend, &tokens(), morning()).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/api/v1/events", listener.local_addr().unwrap());
        let router = api::router(Arc::new(d));
        tokio::spawn(async move { axum::serve(listener, router).await });
        let http = reqwest::Client::new();

        let mut latencies = Vec::with_capacity(SEQUENTIAL);
        let started = Instant::now();
        for i in 0..SEQUENTIAL {
            latencies.push(post(&http, &url, event(i)).await);
        }
        let sequential = SEQUENTIAL as f64 / started.elapsed().as_secs_f64();
        latencies.sort();

        let started = Instant::now();
        let senders: Vec<_> = (0..SENDERS)
            .map(|s| {
                let (http, url) = (http.clone(), url.clone());
                tokio::spawn(async move {
                    for i in 0..EACH {
                        post(&http, &url, event(SEQUENTIAL + s * EACH + i)).await;
                    }
                })
            })
            .collect();
        for sender in senders {
            sender.await.unwrap();
        }
        let concurrent = (SENDERS * EACH) as f64 / started.elapsed().as_secs_f64();
        println!(
            "{:<8} intake {sequential:>6.0} events/s (1 sender), {concurrent:>6.0} events/s ({SENDERS} senders); event-to-task p50 {:.2} ms, p99 {:.2} ms (over {SEQUENTIAL} events)",
            backend.name(),
            percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
            percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        );
        backend.drop_database().await;
    }
}
