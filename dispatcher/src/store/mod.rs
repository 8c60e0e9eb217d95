//! The case store: every SQL statement of the dispatcher, one code path over SQLite (a file, the
//! embedded default) and PostgreSQL, with the schema's migrations built into the binary and
//! applied on open. Where the two dialects differ, the difference is in [`Store::begin_write`].

pub mod accounts;
pub mod audit;
pub mod cameras;
pub mod cases;
pub mod events;
mod leader;
pub mod notices;
pub mod outbox;
pub mod overview;
pub mod reports;
pub mod shops;
pub mod writes;

pub use leader::Leadership;

use std::str::FromStr;

use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
    Any, AnyPool, Executor, Transaction,
};

static MIGRATIONS: Migrator = sqlx::migrate!("./migrations");

/// A transaction on the store.
pub type Tx = Transaction<'static, Any>;

/// The key of the PostgreSQL advisory lock every writing transaction holds ("gridwatc").
const WRITER_LOCK: i64 = 0x6772_6964_7761_7463;

/// Why the store could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database `{url}`: {reason}")]
    Open { url: String, reason: String },
    #[error("database: {0}")]
    Query(#[from] sqlx::Error),
    /// Events are committed together: when that commit fails, each of them is told why.
    #[error("{reason} (committing {events} events together; none of them was stored)")]
    Together { events: usize, reason: String },
    #[error("the intake's writer stopped before the event was committed")]
    WriterStopped,
    /// Events committed together are taken as new until they are written: when one turns out to
    /// have been stored before, the group is applied again an event at a time.
    #[error("an event committed with others had been stored before")]
    StoredBefore,
    #[error("database: a new case's id is taken by a stored case")]
    CaseIdTaken,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Postgres,
}

/// A connection pool to the case store.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
    /// The database's address on PostgreSQL, for the connections kept outside the pool.
    postgres_url: Option<String>,
}

impl Store {
    /// Opens `url` (`sqlite:PATH`, created if missing, or `postgres://…`) and brings its schema
    /// up to date.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let fail = |e: &dyn std::fmt::Display| StoreError::Open {
            url: url.to_owned(),
            reason: e.to_string(),
        };
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else {
            Dialect::Postgres
        };
        let sqlite = dialect == Dialect::Sqlite;
        if let Some(parent) = url
            .strip_prefix("sqlite:")
            .map(|path| std::path::Path::new(path.split('?').next().unwrap_or(path)))
            .and_then(|path| path.parent())
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent)
                .map_err(|e| fail(&format!("cannot create {}: {e}", parent.display())))?;
        }
        // Create the file on first use.
        let target = if sqlite && !url.contains('?') {
            format!("{url}?mode=rwc")
        } else {
            url.to_owned()
        };
        let options = AnyConnectOptions::from_str(&target).map_err(|e| fail(&e))?;
        let pool = AnyPoolOptions::new()
            // SQLite has one writer; one connection keeps transactions from waiting on each other.
            .max_connections(if sqlite { 1 } else { 8 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        // WAL lets readers work while the writer commits; FULL sync makes a commit
                        // survive a power cut before anything is acknowledged.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| fail(&e))?;
        MIGRATIONS.run(&pool).await.map_err(|e| fail(&e))?;
        let postgres_url = (!sqlite).then(|| url.to_owned());
        Ok(Self {
            pool,
            dialect,
            postgres_url,
        })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A transaction for a change. Case numbers, audit sequence numbers and outbox ids follow the
    /// highest stored, and each audit entry hashes the one before, so writers must take turns:
    /// on PostgreSQL, where several dispatcher processes may share the database, the transaction
    /// first takes an advisory lock that is released with its commit or rollback. SQLite has a
    /// single writer per file already.
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        if self.dialect == Dialect::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(WRITER_LOCK)
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(drop)
    }
}

/// Marks a point in `tx` that [`rollback_to_savepoint`] returns to, taking back what was written
/// since and nothing before.
pub async fn savepoint(tx: &mut Tx) -> Result<(), sqlx::Error> {
    sqlx::query("SAVEPOINT part").execute(&mut **tx).await.map(drop)
}

/// Keeps what was written since the last [`savepoint`], as part of `tx`.
pub async fn release_savepoint(tx: &mut Tx) -> Result<(), sqlx::Error> {
    sqlx::query("RELEASE SAVEPOINT part")
        .execute(&mut **tx)
        .await
        .map(drop)
}

/// Takes back what was written since the last [`savepoint`]; `tx` goes on from there.
pub async fn rollback_to_savepoint(tx: &mut Tx) -> Result<(), sqlx::Error> {
    sqlx::query("ROLLBACK TO SAVEPOINT part")
        .execute(&mut **tx)
        .await?;
    release_savepoint(tx).await
}

/// The most rows one multi-row statement writes: well under either database's limit of
/// parameters for the widest table (cases, 33 columns).
const ROWS_PER_STATEMENT: usize = 64;

/// Groups up to this size are written in one statement of their own size.
const WHOLE_UP_TO: usize = 16;

/// `items` in pieces for multi-row statements: a group of up to [`WHOLE_UP_TO`] whole (one round
/// trip, which is what a statement costs most), a larger one in pieces a power of two long
/// (largest first, at most [`ROWS_PER_STATEMENT`]), so that a statement comes in a few texts and
/// each stays in the connection's cache of prepared statements.
fn pieces<T>(mut items: &[T]) -> impl Iterator<Item = &[T]> {
    std::iter::from_fn(move || {
        let len = match items.len() {
            whole @ 0..=WHOLE_UP_TO => whole,
            more => 1 << more.min(ROWS_PER_STATEMENT).ilog2(),
        };
        if len == 0 {
            return None;
        }
        let (piece, rest) = items.split_at(len);
        items = rest;
        Some(piece)
    })
}

/// Whether `tx` is on PostgreSQL, for the few statements whose best form differs by dialect.
fn on_postgres(tx: &mut Tx) -> bool {
    tx.backend_name() == <sqlx::Postgres as sqlx::Database>::NAME
}

/// The placeholders of `rows` rows of `columns` values each, bound in row order, for a multi-row
/// `VALUES` list: `($1, $2), ($3, $4)` on PostgreSQL, `(?, ?), (?, ?)` on SQLite. SQLite finds a
/// numbered placeholder's name by a search through all of a statement's names, once per value
/// bound: with a few thousand values to a statement, that search was a tenth of its time.
fn placeholder_rows(tx: &mut Tx, rows: usize, columns: usize) -> String {
    let postgres = on_postgres(tx);
    let row = |r: usize| {
        let values: Vec<String> = (1..=columns)
            .map(|c| {
                if postgres {
                    format!("${}", r * columns + c)
                } else {
                    "?".to_owned()
                }
            })
            .collect();
        format!("({})", values.join(", "))
    };
    (0..rows).map(row).collect::<Vec<_>>().join(", ")
}

/// `'a', 'b'`: states as an SQL `IN` list. The names are the state machine's own constants.
fn in_list(states: &[crate::cases::State]) -> String {
    let quoted: Vec<String> = states.iter().map(|s| format!("'{}'", s.as_str())).collect();
    quoted.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_groups_whole_larger_ones_in_powers_of_two() {
        let lengths = |n: usize| -> Vec<usize> {
            let items: Vec<usize> = (0..n).collect();
            let all: Vec<usize> = pieces(&items).flatten().copied().collect();
            assert_eq!(all, items, "{n} items come back whole and in order");
            pieces(&items).map(<[usize]>::len).collect()
        };
        assert_eq!(lengths(0), Vec::<usize>::new());
        assert_eq!(lengths(1), [1]);
        assert_eq!(lengths(13), [13]);
        assert_eq!(lengths(16), [16]);
        assert_eq!(lengths(17), [16, 1]);
        assert_eq!(lengths(45), [32, 13]);
        assert_eq!(lengths(64), [64]);
        assert_eq!(lengths(200), [64, 64, 64, 8]);
    }
}
