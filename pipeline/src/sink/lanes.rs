//! Sinks on threads of their own, each behind a bounded queue.

use std::{
    thread::{self, JoinHandle},
    time::Duration,
};

use crossbeam_channel::{bounded, RecvTimeoutError, Sender, TrySendError};
use gridwatch_core::PipelineEvent;

use super::Sink;

/// Events that may wait for one sink. Events are few (a camera's health changes, violations),
/// so a full queue means the sink is stuck, not busy: the sender then waits for it, with a
/// warning, because an event is never dropped.
pub const SINK_QUEUE: usize = 1024;

/// How long a sink may go without events before it is told it is idle.
const IDLE: Duration = Duration::from_secs(1);

struct Lane {
    name: String,
    events: Sender<PipelineEvent>,
    thread: JoinHandle<Option<String>>,
}

/// Running sinks, each given every event in order.
pub struct Sinks {
    lanes: Vec<Lane>,
}

impl Sinks {
    /// Starts a thread for each named sink.
    pub fn start(sinks: Vec<(String, Box<dyn Sink>)>) -> Self {
        let lanes = sinks
            .into_iter()
            .map(|(name, sink)| {
                let (events, queue) = bounded(SINK_QUEUE);
                let thread = thread::Builder::new()
                    .name(format!("sink {name}"))
                    .spawn({
                        let name = name.clone();
                        move || drain(&name, sink, queue)
                    })
                    .expect("a sink thread starts");
                Lane { name, events, thread }
            })
            .collect();
        Self { lanes }
    }

    /// Queues `event` for every sink; waits, with a warning, for a sink whose queue is full.
    pub fn send(&self, event: &PipelineEvent) {
        for lane in &self.lanes {
            match lane.events.try_send(event.clone()) {
                Ok(()) => {}
                Err(TrySendError::Full(event)) => {
                    tracing::warn!(
                        sink = %lane.name,
                        queued = SINK_QUEUE,
                        "sink queue full: waiting for the sink to take events"
                    );
                    // Disconnected only when the sink's thread died; joining it says so.
                    let _ = lane.events.send(event);
                }
                Err(TrySendError::Disconnected(_)) => {}
            }
        }
    }

    /// Waits until every sink has taken everything queued for it; returns each sink's first
    /// failure.
    pub fn finish(self) -> Vec<String> {
        self.lanes
            .into_iter()
            .filter_map(|lane| {
                drop(lane.events);
                lane.thread
                    .join()
                    .unwrap_or_else(|_| Some(format!("sink {}: its thread panicked", lane.name)))
            })
            .collect()
    }
}

/// A sink's thread: writes what comes until the queue closes; returns the first failure.
fn drain(
    name: &str,
    mut sink: Box<dyn Sink>,
    queue: crossbeam_channel::Receiver<PipelineEvent>,
) -> Option<String> {
    let mut first = None;
    let mut failures = 0u64;
    loop {
        let result = match queue.recv_timeout(IDLE) {
            Ok(event) => sink.write(&event),
            Err(RecvTimeoutError::Timeout) => sink.idle(),
            Err(RecvTimeoutError::Disconnected) => return first,
        };
        if let Err(error) = result {
            failures += 1;
            // Logged at each doubling: a full disk fails every event.
            if failures.is_power_of_two() {
                tracing::warn!(sink = name, failures, %error, "sink failed");
            }
            first.get_or_insert(error);
        }
    }
}
