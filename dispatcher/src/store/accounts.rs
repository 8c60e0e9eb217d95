//! Accounts and their signed-in sessions.

use sqlx::Row;

/// An account as stored: who signs in, with what role, and their password's Argon2id hash.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub name: String,
    pub role: String,
    pub member: Option<String>,
    pub password_hash: String,
}

/// A live session with the account that holds it.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub account: AccountRow,
    pub csrf: String,
    pub expires_at: i64,
}

/// Creates the account or replaces its role, member and password; ends its sessions, so a reset
/// password signs out every browser that used the old one.
pub async fn upsert(pool: &sqlx::AnyPool, account: &AccountRow, now: i64) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO accounts (name, role, member, password_hash, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (name) DO UPDATE SET role = excluded.role, member = excluded.member,
           password_hash = excluded.password_hash, updated_at = excluded.updated_at",
    )
    .bind(&account.name)
    .bind(&account.role)
    .bind(account.member.clone())
    .bind(&account.password_hash)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM sessions WHERE account = $1")
        .bind(&account.name)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Removes the account and its sessions; false when there was none.
pub async fn remove(pool: &sqlx::AnyPool, name: &str) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM sessions WHERE account = $1")
        .bind(name)
        .execute(&mut *tx)
        .await?;
    let removed = sqlx::query("DELETE FROM accounts WHERE name = $1")
        .bind(name)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(removed == 1)
}

fn account(r: &sqlx::any::AnyRow) -> Result<AccountRow, sqlx::Error> {
    Ok(AccountRow {
        name: r.try_get("name")?,
        role: r.try_get("role")?,
        member: r.try_get("member")?,
        password_hash: r.try_get("password_hash")?,
    })
}

pub async fn find(pool: &sqlx::AnyPool, name: &str) -> Result<Option<AccountRow>, sqlx::Error> {
    sqlx::query("SELECT name, role, member, password_hash FROM accounts WHERE name = $1")
        .bind(name)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(account)
        .transpose()
}

/// Every account, by name.
pub async fn all(pool: &sqlx::AnyPool) -> Result<Vec<AccountRow>, sqlx::Error> {
    sqlx::query("SELECT name, role, member, password_hash FROM accounts ORDER BY name")
        .fetch_all(pool)
        .await?
        .iter()
        .map(account)
        .collect()
}

/// Starts a session; expired ones of every account are swept at the same time.
pub async fn open_session(
    pool: &sqlx::AnyPool,
    token_sha256: &str,
    account: &str,
    csrf: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO sessions (token_sha256, account, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_sha256)
    .bind(account)
    .bind(csrf)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// The unexpired session with this cookie hash.
pub async fn session(
    pool: &sqlx::AnyPool,
    token_sha256: &str,
    now: i64,
) -> Result<Option<SessionRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT a.name, a.role, a.member, a.password_hash, s.csrf, s.expires_at
         FROM sessions s JOIN accounts a ON a.name = s.account
         WHERE s.token_sha256 = $1 AND s.expires_at > $2",
    )
    .bind(token_sha256)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(SessionRow {
            account: account(&r)?,
            csrf: r.try_get("csrf")?,
            expires_at: r.try_get("expires_at")?,
        })
    })
    .transpose()
}

pub async fn close_session(pool: &sqlx::AnyPool, token_sha256: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_sha256 = $1")
        .bind(token_sha256)
        .execute(pool)
        .await
        .map(drop)
}
