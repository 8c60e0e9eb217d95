//! Events to NATS JetStream, for deployments where the dispatcher runs on another machine.
//!
//! Each event goes to `<prefix>.<camera>.<type>` with the event's identity as the JetStream
//! message id, so a re-sent event is recognised as a duplicate and stored once. An event is never
//! dropped: when the server cannot be reached it is appended to a spool file, and the spool is
//! sent, in order, before the next event once the server is back.
//!
//! An unreachable server is not asked again for every event: for [`RETRY_EVERY`] after a failure
//! events go straight to the spool, at the speed of the disk, and then the spool is tried again
//! (also when no event comes: the sink's thread calls [`JetStream::retry`] while idle).

use std::{
    fs::OpenOptions,
    io::{self, Write},
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use async_nats::jetstream::{self, context::Publish, stream};
use gridwatch_core::{config::EventStream, redact::credentials, PipelineEvent};

/// What became of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Stored in the stream at `sequence`; `duplicate` when it had been stored before.
    Stored { sequence: u64, duplicate: bool },
    /// The server could not be reached; the event waits in the spool.
    Spooled,
}

#[derive(Debug, thiserror::Error)]
pub enum JetStreamError {
    #[error("spool `{}`: {reason}", path.display())]
    Spool { path: PathBuf, reason: String },
    #[error("NATS at {url}: {reason}")]
    Server { url: String, reason: String },
}

pub struct JetStream {
    runtime: tokio::runtime::Runtime,
    url: String,
    /// The address as logs and errors show it: without its password.
    shown: String,
    stream: String,
    prefix: String,
    spool: PathBuf,
    context: Option<jetstream::Context>,
    /// While the server is unreachable: when to try it again.
    retry_at: Option<Instant>,
    /// Whether the spool may hold events.
    backlog: bool,
}

/// How long events go straight to the spool after the server could not be reached.
pub const RETRY_EVERY: Duration = Duration::from_secs(5);

impl JetStream {
    /// Prepares to publish to stream `stream` at `url`; the server need not be up yet.
    pub fn new(url: &str, stream: &str, prefix: &str, spool: &Path) -> Result<Self, JetStreamError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| JetStreamError::Server {
                url: credentials(url).into_owned(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            runtime,
            url: url.to_owned(),
            shown: credentials(url).into_owned(),
            stream: stream.to_owned(),
            prefix: prefix.to_owned(),
            // A spool left by an earlier run is sent first.
            backlog: std::fs::metadata(spool).is_ok_and(|m| m.len() > 0),
            spool: spool.to_path_buf(),
            context: None,
            retry_at: None,
        })
    }

    /// Sends the spool, then `event`; while the server is known to be unreachable, spools it
    /// without asking. Fails only when the spool itself cannot be written.
    pub fn send(&mut self, event: &PipelineEvent) -> Result<Delivery, JetStreamError> {
        if !self.unreachable() {
            if self.backlog {
                self.flush()?;
            }
            // Behind a non-empty spool the event waits its turn, so the stream keeps their order.
            if !self.backlog {
                if let Ok(delivery) = self.publish(event) {
                    return Ok(delivery);
                }
            }
        }
        self.spool_event(event)?;
        Ok(Delivery::Spooled)
    }

    /// Sends the spool when it holds events and the server is due to be tried again; returns
    /// how many were sent.
    pub fn retry(&mut self) -> Result<usize, JetStreamError> {
        if self.backlog && !self.unreachable() {
            self.flush()
        } else {
            Ok(0)
        }
    }

    /// Sends what the spool holds, in order, trying the server now; returns how many were sent.
    /// What cannot be sent stays spooled.
    pub fn flush(&mut self) -> Result<usize, JetStreamError> {
        let waiting = self.spooled()?;
        let mut sent = 0;
        for event in &waiting {
            if self.publish(event).is_err() {
                break;
            }
            sent += 1;
        }
        if sent > 0 {
            self.rewrite_spool(&waiting[sent..])?;
            tracing::info!(url = %self.shown, sent, left = waiting.len() - sent, "spooled events sent");
        }
        self.backlog = sent < waiting.len();
        Ok(sent)
    }

    /// Whether the server failed less than [`RETRY_EVERY`] ago.
    fn unreachable(&self) -> bool {
        self.retry_at.is_some_and(|at| Instant::now() < at)
    }

    /// The events waiting in the spool.
    pub fn spooled(&self) -> Result<Vec<PipelineEvent>, JetStreamError> {
        let text = match std::fs::read_to_string(&self.spool) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.spool_error(e)),
        };
        text.lines()
            .map(|l| serde_json::from_str(l).map_err(|e| self.spool_error(io::Error::other(e))))
            .collect()
    }

    /// One try; a failure marks the server unreachable for [`RETRY_EVERY`].
    fn publish(&mut self, event: &PipelineEvent) -> Result<Delivery, JetStreamError> {
        let (subject, id) = address(&self.prefix, event);
        let payload = serde_json::to_vec(event).expect("events serialize");
        let result = self.runtime.block_on(async {
            let context = match &self.context {
                Some(c) => c.clone(),
                None => {
                    let context = connect(&self.url).await?;
                    let wanted = EventStream::new(&self.stream, &self.prefix);
                    let config = stream::Config {
                        name: wanted.name,
                        subjects: wanted.subjects,
                        duplicate_window: wanted.duplicate_window,
                        ..Default::default()
                    };
                    context
                        .get_or_create_stream(config)
                        .await
                        .map_err(|e| e.to_string())?;
                    self.context = Some(context.clone());
                    context
                }
            };
            let publish = Publish::build().payload(payload.into()).message_id(id.as_str());
            let ack = context
                .send_publish(subject, publish)
                .await
                .map_err(|e| e.to_string())?;
            let ack = tokio::time::timeout(Duration::from_secs(5), ack)
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            Ok::<_, String>(Delivery::Stored {
                sequence: ack.sequence,
                duplicate: ack.duplicate,
            })
        });
        match result {
            Ok(delivery) => {
                if self.retry_at.take().is_some() {
                    tracing::info!(url = %self.shown, "NATS reachable again");
                }
                Ok(delivery)
            }
            Err(reason) => {
                // The client's own words may quote the address it was given.
                let reason = credentials(&reason).into_owned();
                if self.retry_at.is_none() {
                    tracing::warn!(
                        url = %self.shown,
                        %reason,
                        retry_every = ?RETRY_EVERY,
                        "NATS unreachable: events wait in the spool"
                    );
                }
                self.context = None;
                self.retry_at = Some(Instant::now() + RETRY_EVERY);
                Err(JetStreamError::Server {
                    url: self.shown.clone(),
                    reason,
                })
            }
        }
    }

    fn spool_event(&mut self, event: &PipelineEvent) -> Result<(), JetStreamError> {
        self.backlog = true;
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.spool)
            .map_err(|e| self.spool_error(e))?;
        let mut line = serde_json::to_vec(event).expect("events serialize");
        line.push(b'\n');
        file.write_all(&line)
            .and_then(|_| file.sync_data())
            .map_err(|e| self.spool_error(e))
    }

    fn rewrite_spool(&self, rest: &[PipelineEvent]) -> Result<(), JetStreamError> {
        let mut text = Vec::new();
        for event in rest {
            text.extend(serde_json::to_vec(event).expect("events serialize"));
            text.push(b'\n');
        }
        let part = self.spool.with_extension("part");
        std::fs::write(&part, text)
            .and_then(|_| std::fs::rename(&part, &self.spool))
            .map_err(|e| self.spool_error(e))
    }

    fn spool_error(&self, e: io::Error) -> JetStreamError {
        JetStreamError::Spool {
            path: self.spool.clone(),
            reason: e.to_string(),
        }
    }
}

/// The subject an event goes to and its message id.
fn address(prefix: &str, event: &PipelineEvent) -> (String, String) {
    match event {
        PipelineEvent::Violation(v) => (format!("{prefix}.{}.violation", v.camera), v.id.to_string()),
        PipelineEvent::ViolationCleared(c) => (
            format!("{prefix}.{}.cleared", c.camera),
            format!("{}.cleared", c.id),
        ),
        PipelineEvent::CameraHealth(h) => {
            let state = serde_json::to_value(h.state).expect("states serialize");
            let id = format!(
                "{}.{}.{}",
                h.camera,
                state.as_str().unwrap_or_default(),
                h.at.timestamp_millis()
            );
            (format!("{prefix}.{}.health", h.camera), id)
        }
    }
}

/// A JetStream context on the server at `url`. The short timeout lets an unreachable server be
/// noticed within a round of whoever asks, not after the client's default 5 s.
pub(crate) async fn connect(url: &str) -> Result<jetstream::Context, String> {
    async_nats::ConnectOptions::new()
        .connection_timeout(Duration::from_secs(2))
        .connect(url)
        .await
        .map(jetstream::new)
        .map_err(|e| e.to_string())
}
