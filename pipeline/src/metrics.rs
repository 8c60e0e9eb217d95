//! The live pipeline's Prometheus metrics: per camera how frames flow from decoding to analysis,
//! per model what inference costs, and what leaves as events.
//!
//! Each [`PipelineMetrics`] has a registry of its own (no global one), so pipelines in one
//! process count apart. The stages hold cheap handles ([`CameraMetrics`], [`ModelMetrics`]) taken
//! once, so counting a frame is an atomic add. The registry is shown by the dispatcher's
//! `/metrics` when it runs in the same process, or by [`serve`] on an address of its own.

use std::{net::SocketAddr, sync::Arc, thread, time::Duration};

use axum::{extract::State, http::header, response::IntoResponse, routing::get, Router};
use gridwatch_core::{CameraId, PipelineEvent};
use prometheus_client::{
    encoding::{text::encode, EncodeLabelSet},
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{exponential_buckets, Histogram},
    },
    registry::Registry,
};
use tokio::sync::oneshot;

/// The exposition's media type: OpenMetrics text, which Prometheus reads.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct CameraLabel {
    camera: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ModelLabel {
    model: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct TypeLabel {
    r#type: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct KindLabel {
    kind: String,
}

type Histograms = Family<ModelLabel, Histogram, fn() -> Histogram>;

/// 5 ms to about 10 s: a small model on a GPU to a large batch on a busy CPU.
fn inference_seconds() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 12))
}

/// 1 to 64 frames.
fn batch_sizes() -> Histogram {
    Histogram::new(exponential_buckets(1.0, 2.0, 7))
}

/// The metrics of one live pipeline; clones count into the same series.
#[derive(Debug, Clone)]
pub struct PipelineMetrics {
    registry: Arc<Registry>,
    decoded: Family<CameraLabel, Counter>,
    dropped: Family<CameraLabel, Counter>,
    queue_depth: Family<CameraLabel, Gauge>,
    reconnects: Family<CameraLabel, Counter>,
    analysed: Family<CameraLabel, Counter>,
    inference: Histograms,
    batch_size: Histograms,
    events: Family<TypeLabel, Counter>,
    violations: Family<KindLabel, Counter>,
}

impl Default for PipelineMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl PipelineMetrics {
    pub fn new() -> Self {
        Self::registered_in(Registry::default())
    }

    /// A worker's metrics: the pipeline's, and how many camera leases the worker holds.
    pub fn worker() -> (Self, Gauge) {
        let mut registry = Registry::default();
        let held = Gauge::default();
        registry.register(
            "gridwatch_worker_cameras_held",
            "Cameras this worker holds a lease on, and so analyses",
            held.clone(),
        );
        (Self::registered_in(registry), held)
    }

    fn registered_in(mut registry: Registry) -> Self {
        let decoded = Family::default();
        let dropped = Family::default();
        let queue_depth = Family::default();
        let reconnects = Family::default();
        let analysed = Family::default();
        let inference = Histograms::new_with_constructor(inference_seconds);
        let batch_size = Histograms::new_with_constructor(batch_sizes);
        let events = Family::default();
        let violations = Family::default();
        registry.register(
            "gridwatch_source_frames_decoded",
            "Frames a camera's stream decoded and handed to analysis",
            decoded.clone(),
        );
        registry.register(
            "gridwatch_source_frames_dropped",
            "Frames dropped unanalysed because analysis was behind (the newest frame wins)",
            dropped.clone(),
        );
        registry.register(
            "gridwatch_source_queue_depth",
            "Frames waiting in a camera's queue for analysis",
            queue_depth.clone(),
        );
        registry.register(
            "gridwatch_source_reconnects",
            "Times a camera's stream was started again after it failed, stalled or ended",
            reconnects.clone(),
        );
        registry.register(
            "gridwatch_pipeline_frames_analysed",
            "Frames whose detections reached tracking and the rules",
            analysed.clone(),
        );
        registry.register(
            "gridwatch_detect_inference_seconds",
            "Time to detect objects in one batch (pre-processing, inference, decoding), in seconds",
            inference.clone(),
        );
        registry.register(
            "gridwatch_detect_batch_size",
            "Frames per inference batch",
            batch_size.clone(),
        );
        registry.register(
            "gridwatch_pipeline_events",
            "Events sent, by type (violation, violation_cleared, camera_health)",
            events.clone(),
        );
        registry.register(
            "gridwatch_pipeline_violations",
            "Violations confirmed, by kind",
            violations.clone(),
        );
        Self {
            registry: Arc::new(registry),
            decoded,
            dropped,
            queue_depth,
            reconnects,
            analysed,
            inference,
            batch_size,
            events,
            violations,
        }
    }

    /// The registry holding every series, for an exposition.
    pub fn registry(&self) -> Arc<Registry> {
        self.registry.clone()
    }

    /// Camera `camera`'s series; they show from now on, at zero until counted.
    pub fn camera(&self, camera: &CameraId) -> CameraMetrics {
        let label = CameraLabel {
            camera: camera.to_string(),
        };
        CameraMetrics {
            decoded: self.decoded.get_or_create_owned(&label),
            dropped: self.dropped.get_or_create_owned(&label),
            queue_depth: self.queue_depth.get_or_create_owned(&label),
            reconnects: self.reconnects.get_or_create_owned(&label),
            analysed: self.analysed.get_or_create_owned(&label),
        }
    }

    /// The series of the model named `model` on its card.
    pub fn model(&self, model: &str) -> ModelMetrics {
        let label = ModelLabel {
            model: model.to_owned(),
        };
        ModelMetrics {
            inference: self.inference.get_or_create_owned(&label),
            batch_size: self.batch_size.get_or_create_owned(&label),
        }
    }

    /// `event` sent.
    pub fn event(&self, event: &PipelineEvent) {
        let r#type = match event {
            PipelineEvent::Violation(v) => {
                self.violations
                    .get_or_create(&KindLabel {
                        kind: v.kind.to_string(),
                    })
                    .inc();
                "violation"
            }
            PipelineEvent::ViolationCleared(_) => "violation_cleared",
            PipelineEvent::CameraHealth(_) => "camera_health",
        };
        self.events.get_or_create(&TypeLabel { r#type }).inc();
    }
}

/// One camera's frame flow. The default counts into series that no registry shows (replay and
/// tests that do not watch them).
#[derive(Debug, Clone, Default)]
pub struct CameraMetrics {
    pub decoded: Counter,
    pub dropped: Counter,
    pub queue_depth: Gauge,
    pub reconnects: Counter,
    /// Frames whose detections reached tracking and the rules.
    pub analysed: Counter,
}

/// One model's inference cost.
#[derive(Debug, Clone)]
pub struct ModelMetrics {
    inference: Histogram,
    batch_size: Histogram,
}

impl ModelMetrics {
    /// A batch of `frames` frames took `took`.
    pub fn batch(&self, frames: usize, took: Duration) {
        self.inference.observe(took.as_secs_f64());
        self.batch_size.observe(frames as f64);
    }
}

/// `/metrics` served on an address of its own, for as long as this lives.
pub struct Exporter {
    pub address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

/// Serves `registry` at `/metrics` (and `/health`) on `address` from a thread of its own; returns
/// once the port is bound.
pub fn serve(address: SocketAddr, registry: Arc<Registry>) -> Result<Exporter, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("metrics: cannot start the async runtime: {e}"))?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(address))
        .map_err(|e| format!("metrics: cannot listen on {address}: {e}"))?;
    let bound = listener
        .local_addr()
        .map_err(|e| format!("metrics: {address}: {e}"))?;
    let (stop, stopped) = oneshot::channel::<()>();
    let app = Router::new()
        .route("/metrics", get(scrape))
        // Answers while the process runs: for a service manager's or load balancer's check.
        .route("/health", get(|| async { "ok\n" }))
        .with_state(registry);
    tracing::info!(address = %bound, "Serving metrics at /metrics");
    let thread = thread::Builder::new()
        .name("metrics".into())
        .spawn(move || {
            let served = runtime.block_on(async move {
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
            });
            if let Err(e) = served {
                tracing::error!(address = %bound, error = %e, "Serving metrics failed");
            }
        })
        .map_err(|e| format!("metrics: cannot start the metrics thread: {e}"))?;
    Ok(Exporter {
        address: bound,
        stop: Some(stop),
        thread: Some(thread),
    })
}

async fn scrape(State(registry): State<Arc<Registry>>) -> impl IntoResponse {
    let mut text = String::new();
    encode(&mut text, &registry).expect("writing to a String cannot fail");
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], text)
}

impl Drop for Exporter {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::*;

    fn scrape(address: SocketAddr) -> String {
        let mut http = std::net::TcpStream::connect(address).unwrap();
        http.write_all(b"GET /metrics HTTP/1.0\r\nHost: gridwatch\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        http.read_to_string(&mut answer).unwrap();
        answer
    }

    #[test]
    fn the_exporter_shows_what_the_stages_counted() {
        let metrics = PipelineMetrics::new();
        let camera = CameraId::new("market-st").unwrap();
        let counted = metrics.camera(&camera);
        counted.decoded.inc_by(3);
        counted.queue_depth.set(1);
        counted.analysed.inc();
        metrics.model("demo").batch(2, Duration::from_millis(30));
        let exporter = serve("127.0.0.1:0".parse().unwrap(), metrics.registry()).unwrap();
        let answer = scrape(exporter.address);
        assert!(
            answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200"),
            "{answer}"
        );
        assert!(answer.contains(CONTENT_TYPE), "{answer}");
        for series in [
            "gridwatch_source_frames_decoded_total{camera=\"market-st\"} 3\n",
            "gridwatch_source_frames_dropped_total{camera=\"market-st\"} 0\n",
            "gridwatch_source_queue_depth{camera=\"market-st\"} 1\n",
            "gridwatch_pipeline_frames_analysed_total{camera=\"market-st\"} 1\n",
            "gridwatch_detect_inference_seconds_count{model=\"demo\"} 1\n",
            "gridwatch_detect_batch_size_sum{model=\"demo\"} 2.0\n",
        ] {
            assert!(answer.contains(series), "{series} in {answer}");
        }
        assert!(answer.ends_with("# EOF\n"), "{answer}");
        drop(exporter);
    }

    #[test]
    fn events_count_by_type_and_violations_by_kind() {
        let metrics = PipelineMetrics::new();
        let health: PipelineEvent = serde_json::from_value(serde_json::json!({
            "type": "camera_health",
            "camera": "market-st",
            "state": "online",
            "at": "2025-06-01T08:00:00Z"
        }))
        .unwrap();
        metrics.event(&health);
        metrics.event(&health);
        // The documented example: a street-vending violation.
        let example = include_str!("../../docs/events.md")
            .split("```json")
            .nth(1)
            .and_then(|block| block.split("```").next())
            .unwrap();
        let violation: PipelineEvent = serde_json::from_str(example).unwrap();
        metrics.event(&violation);
        let mut text = String::new();
        encode(&mut text, &metrics.registry()).unwrap();
        assert!(
            text.contains("gridwatch_pipeline_events_total{type=\"camera_health\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("gridwatch_pipeline_events_total{type=\"violation\"} 1\n")
                && text.contains("gridwatch_pipeline_violations_total{kind=\"street_vending\"} 1\n"),
            "{text}"
        );
    }
}
