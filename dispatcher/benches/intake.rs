//! Intake on SQLite and PostgreSQL: events per second over HTTP (one sender, 8 and 64 requests in
//! flight) and through the in-process ingest the local pipeline and the JetStream consumer use (8
//! and 64 concurrent tasks); event-to-task latency with one sender and at a steady 1,000 events/s
//! sent on schedule whatever the answers (a confident event is reported, filed and dispatched to a
//! grid member before it is answered, so the answer's latency is the event's time to a task; the
//! paced latency counts from when the event was due, so a backlog shows).
//!
//! Events go to 2,178 spots in turn across both grids: the first at a spot opens a case, later
//! ones join it. Each throughput row is run three times on the same database; the median is shown.
//!
//! `cargo bench -p gridwatch-dispatcher --bench intake`; PostgreSQL from `GRIDWATCH_TEST_POSTGRES`
//! or the local server.

#[path = "../tests/common/mod.rs"]
mod common;

use std::{
    future::Future,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use common::*;
use gridwatch_core::PipelineEvent;
use gridwatch_dispatcher::{api, Dispatcher};
use tokio::time::MissedTickBehavior;

const RUNS: usize = 3;
const SEQUENTIAL: usize = 1000;
const CONCURRENT: usize = 2000;
const PACED_RATE: u64 = 1000;
const PACED_FOR: Duration = Duration::from_secs(5);

/// Event `i` at spot `i` of 66 × 33 (30 m apart, in G01 and G02).
fn event(i: usize) -> PipelineEvent {
    let spot = i % (66 * 33);
    let (x, y) = ((spot % 66) as f64 * 0.0003, (spot / 66) as f64 * 0.0003);
    let v = violation(
        "street_vending",
        &format!("cam-{}", spot / 100),
        None,
        i as u64,
        place(x, y),
        0.9,
    );
    PipelineEvent::Violation(v)
}

/// Numbers the events so that every one sent is new.
struct Events(AtomicUsize);

impl Events {
    fn next(&self) -> PipelineEvent {
        event(self.0.fetch_add(1, Ordering::Relaxed))
    }

    fn next_body(&self) -> String {
        serde_json::to_string(&self.next()).unwrap()
    }
}

async fn post(http: &reqwest::Client, url: &str, body: String) {
    let response = http
        .post(url)
        .bearer_auth("ingest")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Events per second when `tasks` tasks each send one event after another, `total` in all.
async fn rate<F, Fut>(tasks: usize, total: usize, send: F) -> f64
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let started = Instant::now();
    let senders: Vec<_> = (0..tasks)
        .map(|_| {
            let send = send.clone();
            tokio::spawn(async move {
                for _ in 0..total / tasks {
                    send().await;
                }
            })
        })
        .collect();
    for sender in senders {
        sender.await.unwrap();
    }
    (total / tasks * tasks) as f64 / started.elapsed().as_secs_f64()
}

/// The median of [`RUNS`] runs of `row`, with the lowest and highest.
async fn median<Fut: Future<Output = f64>>(mut row: impl FnMut() -> Fut) -> String {
    let mut runs = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        runs.push(row().await);
    }
    runs.sort_by(f64::total_cmp);
    format!(
        "{:>6.0} events/s (runs {:.0}–{:.0})",
        runs[RUNS / 2],
        runs[0],
        runs[RUNS - 1]
    )
}

#[tokio::main]
async fn main() {
    for backend in backends().await {
        let (d, _) = dispatcher(&backend, &tokens(), morning()).await;
        let d = Arc::new(d);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url: Arc<str> = format!("http://{}/api/v1/events", listener.local_addr().unwrap()).into();
        let router = api::router(d.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        let http = reqwest::Client::new();
        let events = Arc::new(Events(AtomicUsize::new(0)));
        let name = backend.name();

        let over_http = |tasks: usize, total: usize| {
            let (http, url, events) = (http.clone(), url.clone(), events.clone());
            rate(tasks, total, move || {
                let (http, url, body) = (http.clone(), url.clone(), events.next_body());
                async move { post(&http, &url, body).await }
            })
        };
        let in_process = |tasks: usize, total: usize| {
            let (d, events): (Arc<Dispatcher>, _) = (d.clone(), events.clone());
            rate(tasks, total, move || {
                let (d, event) = (d.clone(), events.next());
                async move {
                    d.ingest(&event).await.unwrap();
                }
            })
        };

        let mut latencies = Vec::with_capacity(SEQUENTIAL);
        let started = Instant::now();
        for _ in 0..SEQUENTIAL {
            let sent = Instant::now();
            post(&http, &url, events.next_body()).await;
            latencies.push(sent.elapsed());
        }
        let sequential = SEQUENTIAL as f64 / started.elapsed().as_secs_f64();
        latencies.sort();
        println!(
            "{name:<8} HTTP, 1 sender: {sequential:>6.0} events/s; event-to-task p50 {:.2} ms, p99 {:.2} ms (over {SEQUENTIAL} events)",
            ms(percentile(&latencies, 0.5)),
            ms(percentile(&latencies, 0.99)),
        );
        for tasks in [8, 64] {
            let row = median(|| over_http(tasks, CONCURRENT)).await;
            println!("{name:<8} HTTP, {tasks} in flight: {row}");
        }
        for tasks in [8, 64] {
            let row = median(|| in_process(tasks, CONCURRENT)).await;
            println!("{name:<8} in-process ingest, {tasks} tasks: {row}");
        }

        // Open loop: each event is sent when it is due, answered or not.
        let mut pacer = tokio::time::interval(Duration::from_secs(1) / PACED_RATE as u32);
        pacer.set_missed_tick_behavior(MissedTickBehavior::Burst);
        let count = (PACED_RATE * PACED_FOR.as_secs()) as usize;
        let mut sent = Vec::with_capacity(count);
        for _ in 0..count {
            let due = pacer.tick().await;
            let (http, url, body) = (http.clone(), url.clone(), events.next_body());
            sent.push(tokio::spawn(async move {
                post(&http, &url, body).await;
                due.elapsed()
            }));
        }
        let mut latencies = Vec::with_capacity(count);
        for answer in sent {
            latencies.push(answer.await.unwrap());
        }
        latencies.sort();
        println!(
            "{name:<8} HTTP, paced {PACED_RATE} events/s for {} s: event-to-task p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            PACED_FOR.as_secs(),
            ms(percentile(&latencies, 0.5)),
            ms(percentile(&latencies, 0.99)),
            ms(latencies[count - 1]),
        );
        backend.drop_database().await;
    }
}
