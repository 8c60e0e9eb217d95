//! Which dispatcher process does the periodic work (webhook delivery, deadlines, shop notices):
//! the one holding a PostgreSQL session-level advisory lock on a connection of its own. The server
//! releases the lock when that connection ends, a killed process's included, and another process
//! takes it at its next try. An SQLite file belongs to one process, which always leads.

use sqlx::AnyConnection;

use super::{Dialect, Store};

/// The key of the advisory lock the leading process holds ("gwleader").
const LEADER_LOCK: i64 = 0x6777_6c65_6164_6572;

/// One process's claim to lead.
pub struct Leadership {
    store: Store,
    /// The connection the lock is held on (or tried on), out of the pool for good.
    connection: Option<AnyConnection>,
    leads: bool,
}

impl Leadership {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            connection: None,
            leads: false,
        }
    }

    /// Whether this process leads now: still holding the lock, or having just taken it.
    pub async fn check(&mut self) -> bool {
        if self.store.dialect == Dialect::Sqlite {
            return true;
        }
        if self.leads && self.alive().await {
            return true;
        }
        self.leads = false;
        let mut connection = match self.connection.take() {
            Some(c) => c,
            None => match self.store.pool.acquire().await {
                Ok(c) => c.detach(),
                Err(_) => return false,
            },
        };
        let taken = sqlx::query_scalar::<_, bool>("SELECT pg_try_advisory_lock($1)")
            .bind(LEADER_LOCK)
            .fetch_one(&mut connection)
            .await;
        // A connection that failed is not kept; the next try opens another.
        if let Ok(taken) = taken {
            self.leads = taken;
            self.connection = Some(connection);
        }
        self.leads
    }

    /// Whether the connection holding the lock still answers.
    async fn alive(&mut self) -> bool {
        let Some(connection) = &mut self.connection else {
            return false;
        };
        if sqlx::query("SELECT 1").execute(connection).await.is_ok() {
            return true;
        }
        self.connection = None;
        false
    }
}
