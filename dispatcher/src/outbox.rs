//! Outgoing webhooks through a transactional outbox: a delivery is written in the same
//! transaction as the change it announces (see [`crate::change`]), then POSTed until the receiver
//! takes it, with growing pauses between tries. A restart resumes where delivery stopped.

use std::time::Duration;

use crate::{store, DispatchError, Dispatcher};

pub use crate::store::outbox::Delivery;

/// The longest pause between two tries of one delivery.
const LONGEST_PAUSE: Duration = Duration::from_secs(600);

/// How many deliveries one round tries at most.
const ROUND: u32 = 100;

/// The pause before try `attempt` + 1: 2, 4, 8 … seconds, at most [`LONGEST_PAUSE`].
fn pause(attempt: i64) -> Duration {
    Duration::from_secs(1u64 << attempt.clamp(1, 20)).min(LONGEST_PAUSE)
}

impl Dispatcher {
    /// Tries every delivery that is due; returns how many were delivered.
    pub async fn deliver_webhooks(&self, http: &reqwest::Client) -> Result<usize, DispatchError> {
        let t = self.now().timestamp_millis();
        let pool = self.store().pool();
        let mut delivered = 0;
        for due in store::outbox::due(pool, t, ROUND).await? {
            let sent = http
                .post(&due.url)
                .header("content-type", "application/json")
                .body(due.payload)
                .timeout(Duration::from_secs(10))
                .send()
                .await;
            let failure = match sent {
                Ok(response) if response.status().is_success() => None,
                Ok(response) => Some(format!("{} answered {}", due.url, response.status())),
                Err(e) => Some(format!("{}: {e}", due.url)),
            };
            let attempts = due.attempts + 1;
            match failure {
                None => {
                    store::outbox::delivered(pool, due.id, attempts, t).await?;
                    delivered += 1;
                }
                Some(why) => {
                    let next = t + pause(attempts).as_millis() as i64;
                    store::outbox::failed(pool, due.id, attempts, next, &why).await?;
                }
            }
        }
        Ok(delivered)
    }

    /// Every delivery, newest first.
    pub async fn deliveries(&self) -> Result<Vec<Delivery>, DispatchError> {
        Ok(store::outbox::all(self.store().pool()).await?)
    }
}
