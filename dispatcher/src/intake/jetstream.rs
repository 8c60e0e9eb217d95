//! Events from NATS JetStream: a durable consumer on the pipeline's stream, each message
//! acknowledged only after the commit its event went into, so a dispatcher that dies mid-way gets
//! the unacknowledged ones again (and stores each once: intake is idempotent by event id).

use std::{sync::Arc, time::Duration};

use async_nats::jetstream::{self, consumer::pull, AckKind};
use futures_util::{StreamExt, TryStreamExt};
use gridwatch_core::{config::NatsOutput, redact::credentials, PipelineEvent};

use crate::{DispatchError, Dispatcher, Ingested};

/// The consumer's durable name: all dispatcher processes share it, so each event goes to one.
pub const CONSUMER: &str = "gridwatch-dispatcher";

/// How many messages may wait for their commit at once. JetStream's own limit on a pull
/// consumer's unacknowledged messages (1,000 by default) is above it.
const IN_FLIGHT: usize = 256;

/// The pipeline's event stream, created as the pipeline would create it if it is not there yet.
pub async fn open_stream(
    js: &jetstream::Context,
    nats: &NatsOutput,
) -> Result<jetstream::stream::Stream, String> {
    let wanted = nats.event_stream();
    js.get_or_create_stream(jetstream::stream::Config {
        name: wanted.name,
        subjects: wanted.subjects,
        duplicate_window: wanted.duplicate_window,
        ..Default::default()
    })
    .await
    .map_err(|e| format!("JetStream stream {}: {e}", nats.stream))
}

/// Consumes until the connection fails; returns why.
pub async fn consume(dispatcher: Arc<Dispatcher>, nats: &NatsOutput) -> Result<(), String> {
    let client = async_nats::connect(&nats.url)
        .await
        .map_err(|e| credentials(&format!("NATS at {}: {e}", nats.url)).into_owned())?;
    let js = jetstream::new(client);
    let stream = open_stream(&js, nats).await?;
    let consumer = stream
        .get_or_create_consumer(
            CONSUMER,
            pull::Config {
                durable_name: Some(CONSUMER.to_owned()),
                ack_policy: jetstream::consumer::AckPolicy::Explicit,
                ack_wait: Duration::from_secs(30),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| format!("JetStream consumer {CONSUMER}: {e}"))?;
    let messages = consumer
        .messages()
        .await
        .map_err(|e| format!("JetStream consumer {CONSUMER}: {e}"))?;
    // Messages are queued for the writer in the order they come, up to IN_FLIGHT at a time so
    // that they share commits; each is acknowledged once its own outcome is known.
    let acknowledged = messages
        .then(move |message| {
            let dispatcher = dispatcher.clone();
            async move {
                let message = message.map_err(|e| format!("JetStream consumer {CONSUMER}: {e}"))?;
                let pending = match serde_json::from_slice::<PipelineEvent>(&message.payload) {
                    Ok(event) => dispatcher.queue(event).await,
                    Err(e) => Err(DispatchError::Invalid(format!("not an event: {e}"))),
                };
                Ok::<_, String>((message, pending))
            }
        })
        .map_ok(|(message, pending)| async move {
            let outcome = match pending {
                Ok(pending) => pending.outcome().await,
                Err(e) => Err(e),
            };
            acknowledge(message, outcome).await
        })
        .try_buffered(IN_FLIGHT);
    let mut acknowledged = std::pin::pin!(acknowledged);
    while acknowledged.try_next().await?.is_some() {}
    Ok(())
}

/// Tells JetStream what became of `message`'s event.
async fn acknowledge(
    message: jetstream::Message,
    outcome: Result<Ingested, DispatchError>,
) -> Result<(), String> {
    let subject = message.subject.to_string();
    let ack = match outcome {
        Ok(_) => message.ack().await,
        // It will never be acceptable: say so and stop it being redelivered.
        Err(DispatchError::Invalid(why)) => {
            tracing::warn!(subject = %subject, reason = %why, "Event refused; message dropped from the stream");
            message.ack_with(AckKind::Term).await
        }
        // The store is down: hand it back to be delivered again later.
        Err(e) => {
            tracing::warn!(subject = %subject, error = %e, "Event not stored; will be redelivered");
            message.ack_with(AckKind::Nak(Some(Duration::from_secs(2)))).await
        }
    };
    ack.map_err(|e| format!("JetStream ack on {subject}: {e}"))
}
