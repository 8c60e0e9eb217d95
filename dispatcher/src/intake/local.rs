//! Events from a pipeline in the same process, through an in-process channel.

use std::time::Duration;

use gridwatch_core::PipelineEvent;
use tokio::sync::mpsc;

use crate::{DispatchError, Dispatcher};

/// Ingests every event `incoming` brings, in order, until its senders are gone.
pub async fn consume(dispatcher: &Dispatcher, mut incoming: mpsc::UnboundedReceiver<PipelineEvent>) {
    while let Some(event) = incoming.recv().await {
        ingest_until_stored(dispatcher, &event).await;
    }
}

/// Ingests `event`, waiting out a store outage however long it lasts: an event is never dropped
/// for the store's sake. One that can never be accepted is reported and left.
async fn ingest_until_stored(dispatcher: &Dispatcher, event: &PipelineEvent) {
    let mut wait = Duration::from_secs(1);
    loop {
        match dispatcher.ingest(event).await {
            Ok(_) => return,
            Err(DispatchError::Invalid(why)) => {
                tracing::warn!(reason = %why, "Event refused");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in_s = wait.as_secs(), "Event not stored; retrying");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(60));
            }
        }
    }
}
