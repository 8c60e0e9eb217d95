//! Where events go when they leave the pipeline: each [`Sink`] on a thread of its own, fed
//! through a bounded queue, so a slow disk or an unreachable server never holds up analysis.

mod jetstream;
mod json_lines;
mod lanes;

pub(crate) use jetstream::connect as connect_jetstream;
pub use jetstream::{Delivery, JetStream, JetStreamError, RETRY_EVERY};
pub use json_lines::JsonLines;
pub use lanes::{Sinks, SINK_QUEUE};

use gridwatch_core::PipelineEvent;

/// A destination for events, run on a thread of its own.
pub trait Sink: Send {
    /// Takes one event. An error is reported and the sink keeps taking the events that follow.
    fn write(&mut self, event: &PipelineEvent) -> Result<(), String>;

    /// Called when no event has come for a while, e.g. to retry an unreachable server.
    fn idle(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// Any function taking events is a sink (an in-process channel, a test's collector).
impl<F: FnMut(&PipelineEvent) -> Result<(), String> + Send> Sink for F {
    fn write(&mut self, event: &PipelineEvent) -> Result<(), String> {
        self(event)
    }
}

impl Sink for JsonLines {
    fn write(&mut self, event: &PipelineEvent) -> Result<(), String> {
        JsonLines::write(self, event)
            .map_err(|e| format!("{}: cannot write events: {e}", self.path().display()))
    }
}

/// Undeliverable events wait in the spool: only a spool that cannot be written is an error.
impl Sink for JetStream {
    fn write(&mut self, event: &PipelineEvent) -> Result<(), String> {
        self.send(event).map(drop).map_err(|e| e.to_string())
    }

    fn idle(&mut self) -> Result<(), String> {
        self.retry().map(drop).map_err(|e| e.to_string())
    }
}
