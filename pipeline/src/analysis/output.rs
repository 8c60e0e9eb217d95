//! What analysis hands on leaves through one output thread: it encodes and stores each
//! violation's evidence, attaches the references of what it stored to the event, and passes
//! every event, in the order analysis made them, to the sinks (each on a thread of its own).
//!
//! Analysis only queues. Events are few and are never dropped: when [`OUTPUT_QUEUE`] items
//! already wait (the sinks or the disk are stuck), analysis waits for room, with a warning.
//! Evidence work is bounded apart by its [`Backlog`], whose policy decides whether analysis
//! skips evidence or waits. A violation whose evidence was skipped, or could not be stored,
//! leaves without references, so no reference ever names a file that will not exist.

use std::thread::{self, JoinHandle};

use crossbeam_channel::{bounded, Receiver, Sender, TrySendError};
use gridwatch_core::{CameraId, PipelineEvent};

use crate::{
    evidence::{Backlog, Encoder, EvidenceStore, WhenFull, Work, BACKLOG},
    metrics::PipelineMetrics,
    sink::Sinks,
};

/// Events and evidence work that may wait for the output thread.
pub const OUTPUT_QUEUE: usize = 1024;

struct Item {
    camera: CameraId,
    event: Option<PipelineEvent>,
    work: Option<Work>,
}

/// Analysis's end of the output: queues events and evidence work.
pub struct Outlet {
    items: Sender<Item>,
    backlog: Option<Backlog>,
}

/// The running output thread.
pub struct Output {
    outlet: Outlet,
    thread: JoinHandle<Vec<String>>,
}

impl Output {
    /// Starts the output thread in front of `sinks`; with `evidence`, it stores evidence there,
    /// and evidence that finds the backlog full is handled as `when_full` says. With `metrics`,
    /// every event handed to the sinks is counted there.
    pub fn start(
        sinks: Sinks,
        evidence: Option<(EvidenceStore, WhenFull)>,
        metrics: Option<PipelineMetrics>,
    ) -> Self {
        let (items, queue) = bounded(OUTPUT_QUEUE);
        let backlog = evidence
            .as_ref()
            .map(|(_, when_full)| Backlog::new(BACKLOG, *when_full));
        let encoder = evidence.map(|(store, _)| Encoder::new(store));
        let thread = thread::Builder::new()
            .name("output".into())
            .spawn(move || deliver(queue, encoder, sinks, metrics))
            .expect("the output thread starts");
        Self {
            outlet: Outlet { items, backlog },
            thread,
        }
    }

    pub fn outlet(&self) -> &Outlet {
        &self.outlet
    }

    /// Waits until everything queued is stored and written; returns what failed on the way:
    /// each sink's first failure, and the first evidence that could not be stored.
    pub fn finish(self) -> Vec<String> {
        let Output { outlet, thread } = self;
        if let Some(skipped) = outlet.backlog.as_ref().map(Backlog::skipped).filter(|&n| n > 0) {
            tracing::warn!(
                skipped,
                "evidence skipped for want of room in the encoder's backlog"
            );
        }
        drop(outlet);
        thread
            .join()
            .unwrap_or_else(|_| vec!["the output thread panicked".to_owned()])
    }
}

impl Outlet {
    /// Where evidence work waits, when evidence is stored.
    pub fn backlog(&self) -> Option<&Backlog> {
        self.backlog.as_ref()
    }

    /// Queues an event.
    pub fn event(&self, camera: &CameraId, event: PipelineEvent) {
        self.send(camera, Some(event), None);
    }

    /// Queues `event` (if any) after `work` (if any), whose evidence it is to carry.
    pub fn send(&self, camera: &CameraId, event: Option<PipelineEvent>, work: Option<Work>) {
        if event.is_none() && work.is_none() {
            return;
        }
        let item = Item {
            camera: camera.clone(),
            event,
            work,
        };
        match self.items.try_send(item) {
            Ok(()) => {}
            Err(TrySendError::Full(item)) => {
                tracing::warn!(
                    queued = OUTPUT_QUEUE,
                    "output queue full: analysis waits for the sinks and the evidence store"
                );
                // Disconnected only when the output thread died; `finish` says so.
                let _ = self.items.send(item);
            }
            Err(TrySendError::Disconnected(_)) => {}
        }
    }
}

/// The output thread: stores evidence and hands events on, in order, until analysis is done.
fn deliver(
    queue: Receiver<Item>,
    encoder: Option<Encoder>,
    sinks: Sinks,
    metrics: Option<PipelineMetrics>,
) -> Vec<String> {
    let mut evidence_failed = None;
    for Item { camera, event, work } in queue {
        let refs = match (work, &encoder) {
            (Some(work), Some(encoder)) => encoder.perform(work).unwrap_or_else(|error| {
                tracing::info_span!("camera", id = %camera)
                    .in_scope(|| tracing::warn!(%error, "evidence not stored"));
                evidence_failed
                    .get_or_insert_with(|| format!("camera {camera}: evidence not stored: {error}"));
                None
            }),
            _ => None,
        };
        if let Some(mut event) = event {
            if let (PipelineEvent::Violation(v), Some(refs)) = (&mut event, refs) {
                v.evidence = refs;
            }
            if let Some(metrics) = &metrics {
                metrics.event(&event);
            }
            sinks.send(&event);
        }
    }
    let mut failures = sinks.finish();
    failures.extend(evidence_failed);
    failures
}
