//! The live feed across dispatcher processes: what one process commits reaches the command
//! centre's pages on every process. Each commit's changes go out as notices in its transaction
//! (see [`crate::store::notices`]) and every process passes on to its own feed those that other
//! processes sent.

use std::{sync::Arc, time::Duration};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{store::notices::Listener, CaseChange, Dispatcher};

/// Changes per notice: a notice carries at most 8000 bytes, a change a few hundred.
const PER_NOTICE: usize = 8;

#[derive(Serialize, Deserialize)]
struct Notice {
    /// The process that committed the changes.
    from: Uuid,
    changes: Vec<CaseChange>,
}

/// The notices that announce `changes`, committed by the process `from`.
pub(crate) fn notices(from: Uuid, changes: &[CaseChange]) -> Vec<String> {
    changes
        .chunks(PER_NOTICE)
        .map(|chunk| {
            serde_json::to_string(&Notice {
                from,
                changes: chunk.to_vec(),
            })
            .expect("changes serialize")
        })
        .collect()
}

impl Dispatcher {
    /// Passes on to this process's feed what other processes on the same PostgreSQL database
    /// commit, for as long as the runtime runs; returns once it listens (or has failed to, and
    /// goes on trying). Nothing to do on SQLite.
    pub async fn relay_other_processes(self: &Arc<Self>) {
        let Some(first) = Listener::start(self.store()).await else {
            return;
        };
        let dispatcher = self.clone();
        tokio::spawn(async move {
            let mut listening = first;
            loop {
                match listening {
                    Ok(listener) => dispatcher.relay(listener).await,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot hear other dispatchers' changes; trying again in 5 s");
                        tokio::time::sleep(Duration::from_secs(5)).await;
                    }
                }
                let Some(next) = Listener::start(dispatcher.store()).await else {
                    return;
                };
                listening = next;
            }
        });
    }

    /// Passes on what `listener` hears until its connection fails for good.
    async fn relay(&self, mut listener: Listener) {
        loop {
            let payload = match listener.next().await {
                Ok(payload) => payload,
                Err(e) => {
                    tracing::warn!(error = %e, "lost other dispatchers' changes; listening again");
                    return;
                }
            };
            match serde_json::from_str::<Notice>(&payload) {
                Ok(notice) if notice.from != self.origin => {
                    for change in notice.changes {
                        // Nobody listening is fine, as for this process's own changes.
                        let _ = self.feed.send(change);
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "an unreadable notice from another dispatcher"),
            }
        }
    }
}
