//! Events from a pipeline in the same process, through an in-process channel.

use std::time::Duration;

use gridwatch_core::PipelineEvent;
use tokio::sync::mpsc;

use crate::{DispatchError, Dispatcher};

/// How many events are queued for the writer at once, so that a burst shares commits.
const IN_FLIGHT: usize = 64;

/// Ingests every event `incoming` brings, in order, until its senders are gone. The events that
/// have arrived are queued together, in order, and their outcomes awaited; one the store failed
/// on is tried again (after those queued with it) until it is stored.
pub async fn consume(dispatcher: &Dispatcher, mut incoming: mpsc::UnboundedReceiver<PipelineEvent>) {
    let mut events = Vec::with_capacity(IN_FLIGHT);
    while incoming.recv_many(&mut events, IN_FLIGHT).await > 0 {
        let mut pending = Vec::with_capacity(events.len());
        for event in &events {
            pending.push(dispatcher.queue(event.clone()).await);
        }
        for (event, pending) in events.drain(..).zip(pending) {
            let outcome = match pending {
                Ok(pending) => pending.outcome().await,
                Err(e) => Err(e),
            };
            if let Err(e) = outcome {
                settle(dispatcher, &event, e).await;
            }
        }
    }
}

/// Deals with `event`, which failed with `error`: one that can never be accepted is reported and
/// left; otherwise the store is waited out however long that takes: an event is never dropped
/// for the store's sake.
async fn settle(dispatcher: &Dispatcher, event: &PipelineEvent, mut error: DispatchError) {
    let mut wait = Duration::from_secs(1);
    loop {
        if let DispatchError::Invalid(why) = &error {
            tracing::warn!(reason = %why, "Event refused");
            return;
        }
        tracing::warn!(error = %error, retry_in_s = wait.as_secs(), "Event not stored; retrying");
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(60));
        match dispatcher.ingest(event).await {
            Ok(_) => return,
            Err(e) => error = e,
        }
    }
}
