//! Notices between dispatcher processes on one PostgreSQL database: sent with NOTIFY inside a
//! change's transaction (so they go out when it commits, and never when it rolls back), heard
//! with LISTEN on a connection of their own. SQLite has one process, which needs none.

use sqlx::postgres::PgListener;

use super::{on_postgres, Store, Tx};

/// The channel every process sends on and listens to.
const CHANNEL: &str = "gridwatch_changes";

/// Sends `payloads` (each under PostgreSQL's 8000 bytes) when `tx` commits, in one statement.
pub async fn send(tx: &mut Tx, payloads: &[String]) -> Result<(), sqlx::Error> {
    if payloads.is_empty() || !on_postgres(tx) {
        return Ok(());
    }
    let calls: Vec<String> = (0..payloads.len())
        .map(|i| format!("pg_notify($1, ${})", i + 2))
        .collect();
    let sql = format!("SELECT {}", calls.join(", "));
    let mut query = sqlx::query(&sql).bind(CHANNEL);
    for payload in payloads {
        query = query.bind(payload.as_str());
    }
    query.execute(&mut **tx).await.map(drop)
}

/// What other processes send, heard on a connection of its own.
pub struct Listener(PgListener);

impl Listener {
    /// Listens to the store's channel; `None` on SQLite.
    pub async fn start(store: &Store) -> Option<Result<Self, sqlx::Error>> {
        let url = store.postgres_url.as_deref()?;
        Some(Self::connect(url).await)
    }

    async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        let mut listener = PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        Ok(Self(listener))
    }

    /// The next payload. A lost connection is opened again (notices sent meanwhile are missed:
    /// the store, not the feed, is the record).
    pub async fn next(&mut self) -> Result<String, sqlx::Error> {
        Ok(self.0.recv().await?.payload().to_owned())
    }
}
