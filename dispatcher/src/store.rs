//! The case store: one code path over SQLite (a file, the embedded default) and PostgreSQL, with
//! the schema's migrations built into the binary and applied on open.

use std::str::FromStr;

use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
    AnyPool, Executor,
};

static MIGRATIONS: Migrator = sqlx::migrate!("./migrations");

/// Why the store could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database `{url}`: {reason}")]
    Open { url: String, reason: String },
    #[error("database: {0}")]
    Query(#[from] sqlx::Error),
}

/// A connection pool to the case store.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
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
        let sqlite = url.starts_with("sqlite:");
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
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
}
