//! People who sign in to the web pages: accounts with a role (a grid member's account is tied to
//! their roster id, and so to their grid), passwords kept only as Argon2id hashes, browser
//! sessions with the CSRF token their forms carry, and a limit on sign-in attempts. Machines keep
//! using bearer tokens (`[dispatch] tokens`).

mod limiter;
mod password;

use std::time::Duration;

use chrono::{DateTime, Utc};
use gridwatch_core::{config::Role, MemberId, Sha256Hex};

pub use limiter::SignInLimiter;

use crate::{roster::Roster, store, Actor, DispatchError, Dispatcher};

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// How long a sign-in lasts: a shift, with some to spare.
pub const SESSION_LASTS: Duration = Duration::from_secs(12 * 3600);

/// Someone who may sign in.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub name: String,
    pub role: Role,
    /// For members: their id in the roster, which sets their grid.
    pub member: Option<MemberId>,
}

impl Account {
    /// The account acting, for permissions and the audit log.
    pub fn actor(&self) -> Actor {
        Actor {
            name: self.name.clone(),
            role: self.role,
            member: self.member.clone(),
        }
    }
}

/// A signed-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    pub account: Account,
    /// The token every state-changing request of this session must carry.
    pub csrf: String,
    pub expires: DateTime<Utc>,
}

/// A session just opened: the cookie's secret is known only here and to the browser.
pub struct Opened {
    pub cookie: String,
    pub session: Session,
}

pub(crate) fn random_token() -> Result<String, DispatchError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| DispatchError::Invalid(format!("the system's random source failed: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// What a cookie is stored as.
fn cookie_hash(cookie: &str) -> String {
    Sha256Hex::of(cookie.as_bytes()).to_string()
}

fn from_row(row: store::accounts::AccountRow) -> Result<Account, DispatchError> {
    let role = Role::parse(&row.role).ok_or_else(|| {
        DispatchError::Invalid(format!(
            "account `{}`: stored role `{}` is no role",
            row.name, row.role
        ))
    })?;
    let member = row
        .member
        .map(MemberId::new)
        .transpose()
        .map_err(|e| DispatchError::Invalid(format!("account `{}`: stored member: {e}", row.name)))?;
    Ok(Account {
        name: row.name,
        role,
        member,
    })
}

/// Checks a new account's fields; the roster decides whether a member exists.
fn validate(
    name: &str,
    role: Role,
    member: Option<&MemberId>,
    password: &str,
    roster: &Roster,
) -> Result<(), DispatchError> {
    let invalid = |m: String| Err(DispatchError::Invalid(m));
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return invalid(format!(
            "account name `{name}`: 1 to 64 letters, digits, `-`, `_` or `.`"
        ));
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return invalid(format!(
            "account `{name}`: the password needs at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    match (role, member) {
        (Role::Ingest, _) => invalid(format!(
            "account `{name}`: ingest is for machines; give them a token in [dispatch] tokens"
        )),
        (Role::Member, None) => invalid(format!(
            "account `{name}`: a member account needs the member's roster id"
        )),
        (Role::Member, Some(id)) if roster.member(id).is_none() => invalid(format!(
            "account `{name}`: `{id}` is not in the roster ([[teams]])"
        )),
        (Role::Member, Some(_)) => Ok(()),
        (_, Some(_)) => invalid(format!(
            "account `{name}`: only member accounts name a roster member"
        )),
        (_, None) => Ok(()),
    }
}

impl Dispatcher {
    /// Creates the account or sets its role, member and password; its open sessions end.
    pub async fn set_account(
        &self,
        name: &str,
        role: Role,
        member: Option<MemberId>,
        password: &str,
    ) -> Result<(), DispatchError> {
        validate(name, role, member.as_ref(), password, &Roster::new(&self.config))?;
        let password_hash = password::hash(password.to_owned()).await?;
        let row = store::accounts::AccountRow {
            name: name.to_owned(),
            role: role.as_str().to_owned(),
            member: member.map(|m| m.to_string()),
            password_hash,
        };
        store::accounts::upsert(self.store.pool(), &row, self.now().timestamp_millis()).await?;
        Ok(())
    }

    /// Removes the account; false when there was none.
    pub async fn remove_account(&self, name: &str) -> Result<bool, DispatchError> {
        Ok(store::accounts::remove(self.store.pool(), name).await?)
    }

    pub async fn accounts(&self) -> Result<Vec<Account>, DispatchError> {
        store::accounts::all(self.store.pool())
            .await?
            .into_iter()
            .map(from_row)
            .collect()
    }

    /// Opens a session when the name and password match an account; `None` when they do not
    /// (which one was wrong is not said).
    pub async fn sign_in(&self, name: &str, password: &str) -> Result<Option<Opened>, DispatchError> {
        let row = store::accounts::find(self.store.pool(), name).await?;
        // An unknown name costs the same hash as a wrong password, so timing tells nothing.
        let stored = row.as_ref().map(|r| r.password_hash.clone());
        if !password::verify(password.to_owned(), stored).await? {
            return Ok(None);
        }
        let Some(row) = row else { return Ok(None) };
        let account = from_row(row)?;
        let (cookie, csrf) = (random_token()?, random_token()?);
        let now = self.now();
        let expires = now + SESSION_LASTS;
        store::accounts::open_session(
            self.store.pool(),
            &cookie_hash(&cookie),
            &account.name,
            &csrf,
            now.timestamp_millis(),
            expires.timestamp_millis(),
        )
        .await?;
        Ok(Some(Opened {
            cookie,
            session: Session {
                account,
                csrf,
                expires,
            },
        }))
    }

    /// The live session a cookie belongs to.
    pub async fn session(&self, cookie: &str) -> Result<Option<Session>, DispatchError> {
        let now = self.now().timestamp_millis();
        let Some(row) = store::accounts::session(self.store.pool(), &cookie_hash(cookie), now).await? else {
            return Ok(None);
        };
        Ok(Some(Session {
            account: from_row(row.account)?,
            csrf: row.csrf,
            expires: DateTime::from_timestamp_millis(row.expires_at).unwrap_or(self.now()),
        }))
    }

    pub async fn sign_out(&self, cookie: &str) -> Result<(), DispatchError> {
        Ok(store::accounts::close_session(self.store.pool(), &cookie_hash(cookie)).await?)
    }
}
