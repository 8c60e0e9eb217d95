//! Keeping one camera's frames flowing: play the stream, and when it fails or ends, say so and
//! try again after a growing, jittered pause. One camera's trouble never touches another's: each
//! runs on its own thread with its own pipeline and queue.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    thread,
    time::{Duration, Instant},
};

use chrono::Utc;
use crossbeam_channel::Sender;
use gridwatch_core::{config::Camera, CameraHealth, CameraId, CameraState};

use super::{stream::Watch, FrameQueue, SourceError, StreamSpec, Timeline};
use crate::evidence::ClipRing;

/// Pauses between reconnection attempts: doubling from `initial` up to `max`, each stretched by a
/// random factor in 1 ± `jitter` so that cameras behind one failed switch do not retry in step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(60),
            jitter: 0.2,
        }
    }
}

impl Backoff {
    /// The pause before attempt `attempt` (0-based) given a random `unit` in [0, 1).
    pub fn delay(&self, attempt: u32, unit: f64) -> Duration {
        let base = self.initial.as_secs_f64() * 2f64.powi(attempt.min(30) as i32);
        let capped = base.min(self.max.as_secs_f64());
        Duration::from_secs_f64(capped * (1.0 + self.jitter * (2.0 * unit - 1.0)))
    }
}

/// A live camera to keep running.
#[derive(Debug, Clone)]
pub struct LiveCamera {
    pub id: CameraId,
    pub stream: StreamSpec,
    pub backoff: Backoff,
    /// Connected but silent for this long is reported as stalled; silent from the start, the
    /// stream is also started again.
    pub stall_after: Duration,
    /// Where compressed packets go for evidence clips: from `record` when set, else from `stream`.
    pub clips: Option<Arc<ClipRing>>,
    /// The camera's main stream, recorded (not analysed) for clips, when it is not `stream`.
    pub record: Option<StreamSpec>,
}

impl LiveCamera {
    /// The camera as its configuration describes it.
    pub fn from_config(camera: &Camera) -> Self {
        let r = camera.reconnect;
        Self {
            id: camera.id.clone(),
            stream: StreamSpec::detect_stream(camera),
            backoff: Backoff {
                initial: r.initial.0,
                max: r.max.0,
                jitter: r.jitter,
            },
            stall_after: camera.stall_after.0,
            clips: None,
            record: camera
                .record_uri
                .as_ref()
                .filter(|uri| **uri != camera.uri)
                .map(|uri| StreamSpec {
                    uri: uri.clone(),
                    ..StreamSpec::detect_stream(camera)
                }),
        }
    }
}

/// Runs `camera` on its own thread until `stop` is set, feeding `queue` and reporting every
/// change of state on `health`; its main stream, when it has one for clips, records on another.
pub fn spawn(
    camera: LiveCamera,
    queue: Arc<FrameQueue>,
    health: Sender<CameraHealth>,
    stop: Arc<AtomicBool>,
) -> thread::JoinHandle<()> {
    thread::Builder::new()
        .name(format!("camera-{}", camera.id))
        .spawn(move || {
            let _span = tracing::info_span!("camera", id = %camera.id).entered();
            let recorder = camera
                .record
                .clone()
                .zip(camera.clips.clone())
                .map(|(stream, ring)| {
                    let (id, backoff, stop) = (camera.id.clone(), camera.backoff, stop.clone());
                    thread::Builder::new()
                        .name(format!("record-{id}"))
                        .spawn(move || {
                            let _span = tracing::info_span!("camera", id = %id).entered();
                            keep_recording(&stream, &ring, backoff, &stop)
                        })
                        .expect("spawning a recording thread")
                });
            run(camera, &queue, &health, &stop);
            if let Some(recorder) = recorder {
                let _ = recorder.join();
            }
        })
        .expect("spawning a camera thread")
}

/// Records the main stream until `stop`, reconnecting like the analysed stream does. Its failures
/// cost clips, not analysis: they are reported, not raised as camera health.
fn keep_recording(stream: &StreamSpec, ring: &Arc<ClipRing>, backoff: Backoff, stop: &AtomicBool) {
    let mut attempt = 0;
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        if let Err(e) = super::stream::record(stream, ring.clone(), stop) {
            tracing::warn!(error = %e, "Recording the main stream for clips failed; retrying");
        }
        attempt = if started.elapsed() > backoff.max {
            0
        } else {
            attempt + 1
        };
        sleep_unless_stopped(backoff.delay(attempt, 0.5), stop);
    }
}

fn run(camera: LiveCamera, queue: &FrameQueue, health: &Sender<CameraHealth>, stop: &AtomicBool) {
    let mut reporter = Reporter {
        camera: camera.id.clone(),
        health,
        last: None,
    };
    let mut attempt = 0;
    // Jitter needs no cryptographic randomness: a per-camera xorshift seeded from the clock.
    let mut seed = Utc::now().timestamp_nanos_opt().unwrap_or(1) as u64 | 1;
    while !stop.load(Ordering::Relaxed) {
        let watch = Watch {
            stall_after: camera.stall_after,
            stop,
            on_state: &mut |state| reporter.report(state, None),
            clips: camera.clips.clone().filter(|_| camera.record.is_none()),
        };
        let outcome = super::stream::play_watched(&camera.id, &camera.stream, Timeline::Live, queue, watch);
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let delivered = match outcome {
            Ok(finished) => {
                reporter.report(CameraState::Offline, Some("the stream ended".to_owned()));
                finished.frames > 0
            }
            // Already reported stalled; it stays so until a new attempt delivers or fails.
            Err(SourceError::Silent(_)) => false,
            Err(e) => {
                reporter.report(CameraState::Offline, Some(e.to_string()));
                false
            }
        };
        attempt = if delivered { 0 } else { attempt + 1 };
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let pause = camera
            .backoff
            .delay(attempt, (seed >> 11) as f64 / (1u64 << 53) as f64);
        sleep_unless_stopped(pause, stop);
        if !stop.load(Ordering::Relaxed) {
            queue.metrics().reconnects.inc();
        }
    }
}

fn sleep_unless_stopped(pause: Duration, stop: &AtomicBool) {
    let until = Instant::now() + pause;
    while Instant::now() < until && !stop.load(Ordering::Relaxed) {
        thread::sleep(Duration::from_millis(50).min(until - Instant::now()));
    }
}

/// Sends a health event whenever the state changes, and only then.
struct Reporter<'a> {
    camera: CameraId,
    health: &'a Sender<CameraHealth>,
    last: Option<CameraState>,
}

impl Reporter<'_> {
    fn report(&mut self, state: CameraState, detail: Option<String>) {
        if self.last == Some(state) {
            return;
        }
        self.last = Some(state);
        // A closed channel means nobody listens any more; the camera keeps running regardless.
        let _ = self.health.send(CameraHealth {
            camera: self.camera.clone(),
            state,
            at: Utc::now(),
            detail,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap_with_bounded_jitter() {
        let b = Backoff {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(8),
            jitter: 0.2,
        };
        let middle: Vec<f64> = (0..7).map(|a| b.delay(a, 0.5).as_secs_f64()).collect();
        assert_eq!(middle, [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]);
        assert!((b.delay(2, 0.0).as_secs_f64() - 1.6).abs() < 1e-9);
        assert!((b.delay(2, 0.999_999).as_secs_f64() - 2.4).abs() < 1e-5);
    }
}
