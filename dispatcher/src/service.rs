//! The dispatcher proper: events in, cases through their loop, every change committed with its
//! audit entry in one transaction before anyone is told.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use gridwatch_core::{
    config::{Config, Member, Role},
    CameraHealth, Clock, GeoPoint, MemberId, PipelineEvent, ViolationCleared, ViolationEvent,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{any::AnyRow, Any, Row, Transaction};
use tokio::sync::{broadcast, Mutex};

use crate::{
    cases::{
        audit::{self, Entry},
        transition, Action, Case, Refused, State,
    },
    grid::GridMap,
    roster::{fewest_open, Roster},
    store::{Store, StoreError},
};

/// Who does something: a token's holder, or the dispatcher and cameras themselves.
#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    pub name: String,
    pub role: Role,
    pub member: Option<MemberId>,
}

impl Actor {
    /// The dispatcher or a camera acting on its own (auto-dispatch, verification, escalation).
    pub fn system(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            role: Role::Admin,
            member: None,
        }
    }
}

/// What someone asks to do to a case, as the API receives it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    pub action: Option<Action>,
    /// What was done (handle), or any remark.
    #[serde(default)]
    pub note: Option<String>,
    /// Why (void, return, rework, request_extension).
    #[serde(default)]
    pub reason: Option<String>,
    /// The member a case is dispatched to; the fair choice when absent.
    #[serde(default)]
    pub to: Option<MemberId>,
    /// Evidence of handling: a photo's path or URL.
    #[serde(default)]
    pub photo: Option<String>,
    /// The new handling deadline asked for (request_extension).
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
}

/// What became of an event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Ingested {
    /// Stored now; the case it opened or joined, if any.
    Stored { case: Option<String> },
    /// Stored before: nothing changed.
    Duplicate { case: Option<String> },
}

/// A change the live feed announces.
#[derive(Debug, Clone, Serialize)]
pub struct CaseChange {
    pub case: String,
    pub number: i64,
    pub kind: String,
    pub grid: Option<String>,
    pub state: State,
    pub action: String,
    pub actor: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// Absent, or not visible to the caller (a member asking about another grid).
    #[error("no case `{0}`")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Refused(#[from] Refused),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for DispatchError {
    fn from(e: sqlx::Error) -> Self {
        DispatchError::Store(StoreError::Query(e))
    }
}

type Tx = Transaction<'static, Any>;

pub struct Dispatcher {
    store: Store,
    config: Arc<Config>,
    grids: GridMap,
    clock: Arc<dyn Clock>,
    /// One writer at a time: audit sequence numbers and case numbers are allocated in order.
    write: Mutex<()>,
    feed: broadcast::Sender<CaseChange>,
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn span_ms(span: gridwatch_core::config::time::Span) -> i64 {
    span.0.as_millis() as i64
}

impl Dispatcher {
    pub fn new(store: Store, config: Arc<Config>, grids: GridMap, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            config,
            grids,
            clock,
            write: Mutex::new(()),
            feed: broadcast::channel(1024).0,
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn grids(&self) -> &GridMap {
        &self.grids
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Case changes as they are committed.
    pub fn subscribe(&self) -> broadcast::Receiver<CaseChange> {
        self.feed.subscribe()
    }

    /// Stores `event` and moves the cases it concerns; returns only after the commit.
    pub async fn ingest(&self, event: &PipelineEvent) -> Result<Ingested, DispatchError> {
        let _writer = self.write.lock().await;
        let mut tx = self.store.pool().begin().await?;
        let mut changes = Vec::new();
        let outcome = match event {
            PipelineEvent::Violation(v) => self.violation(&mut tx, v, &mut changes).await?,
            PipelineEvent::ViolationCleared(c) => self.cleared(&mut tx, c, &mut changes).await?,
            PipelineEvent::CameraHealth(h) => self.health(&mut tx, h).await?,
        };
        tx.commit().await?;
        self.announce(changes);
        Ok(outcome)
    }

    async fn record_event(
        &self,
        tx: &mut Tx,
        id: &str,
        kind_of_event: &str,
        camera: &str,
        kind: Option<&str>,
        body: &impl Serialize,
    ) -> Result<bool, DispatchError> {
        let body = serde_json::to_string(body).expect("events serialize");
        let inserted = sqlx::query(
            "INSERT INTO events (id, type, camera, kind, received_at, body) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id, type) DO NOTHING",
        )
        .bind(id)
        .bind(kind_of_event)
        .bind(camera)
        .bind(kind)
        .bind(ms(self.now()))
        .bind(body)
        .execute(&mut **tx)
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    async fn case_of_event(&self, tx: &mut Tx, id: &str) -> Result<Option<String>, DispatchError> {
        let row = sqlx::query("SELECT case_id FROM events WHERE id = $1 AND type = 'violation'")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
        Ok(row.and_then(|r| r.try_get("case_id").ok()).flatten())
    }

    async fn violation(
        &self,
        tx: &mut Tx,
        v: &ViolationEvent,
        changes: &mut Vec<CaseChange>,
    ) -> Result<Ingested, DispatchError> {
        if !self.config.known_kinds().contains(&v.kind) {
            let known: Vec<String> = self.config.known_kinds().iter().map(|k| k.to_string()).collect();
            return Err(DispatchError::Invalid(format!(
                "kind: unknown violation kind `{}`; known kinds are {}",
                v.kind,
                known.join(", ")
            )));
        }
        if !(0.0..=1.0).contains(&v.confidence) {
            return Err(DispatchError::Invalid(format!(
                "confidence: {} is not between 0 and 1",
                v.confidence
            )));
        }
        let id = v.id.to_string();
        let fresh = self
            .record_event(tx, &id, "violation", v.camera.as_str(), Some(v.kind.as_str()), v)
            .await?;
        if !fresh {
            return Ok(Ingested::Duplicate {
                case: self.case_of_event(tx, &id).await?,
            });
        }
        let now = self.now();
        let case = match self.open_case_near(tx, v).await? {
            Some(case) => self.sighted_again(tx, case, v, now, changes).await?,
            None => self.open_case(tx, v, now, changes).await?,
        };
        sqlx::query("UPDATE events SET case_id = $1 WHERE id = $2 AND type = 'violation'")
            .bind(&case)
            .bind(&id)
            .execute(&mut **tx)
            .await?;
        Ok(Ingested::Stored { case: Some(case) })
    }

    /// The open case of the same kind this sighting belongs to: same camera zone, or the nearest
    /// within the merge radius.
    async fn open_case_near(&self, tx: &mut Tx, v: &ViolationEvent) -> Result<Option<Case>, DispatchError> {
        let radius = self.config.dispatch.merge_radius_m;
        let ((lat0, lat1), (lon0, lon1)) = around(v.location, radius);
        let rows = sqlx::query(
            "SELECT * FROM cases WHERE kind = $1 AND state <> 'voided' AND state <> 'closed'
               AND ((lat BETWEEN $2 AND $3 AND lon BETWEEN $4 AND $5) OR (camera = $6 AND zone = $7))",
        )
        .bind(v.kind.as_str())
        .bind(lat0)
        .bind(lat1)
        .bind(lon0)
        .bind(lon1)
        .bind(v.camera.as_str())
        .bind(v.zone.as_ref().map(|z| z.to_string()))
        .fetch_all(&mut **tx)
        .await?;
        nearest(&rows, v.location, |case, distance| {
            let same_zone = v.zone.is_some()
                && case.camera == v.camera.as_str()
                && case.zone.as_deref() == v.zone.as_ref().map(|z| z.as_str());
            same_zone || distance <= radius
        })
    }

    async fn sighted_again(
        &self,
        tx: &mut Tx,
        case: Case,
        v: &ViolationEvent,
        now: DateTime<Utc>,
        changes: &mut Vec<CaseChange>,
    ) -> Result<String, DispatchError> {
        sqlx::query(
            "UPDATE cases SET occurrences = occurrences + 1, last_event = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(v.id.to_string())
        .bind(ms(now))
        .bind(&case.id)
        .execute(&mut **tx)
        .await?;
        let camera = Actor::system(format!("camera:{}", v.camera));
        let detail = json!({ "event": v.id, "occurrence": case.occurrences + 1 });
        self.log(tx, &case, &camera, "sighted", case.state, detail, now, changes)
            .await?;
        if case.state == State::Handled {
            // Marked handled, but the camera still sees it: the work is not done.
            let request = ActionRequest {
                reason: Some("the camera still sees the violation after it was marked handled".into()),
                ..ActionRequest::default()
            };
            self.apply(tx, &case, &camera, Action::Rework, &request, now, changes)
                .await?;
        }
        Ok(case.id)
    }

    async fn open_case(
        &self,
        tx: &mut Tx,
        v: &ViolationEvent,
        now: DateTime<Utc>,
        changes: &mut Vec<CaseChange>,
    ) -> Result<String, DispatchError> {
        let grid = self.grids.locate(v.location).map(|g| g.id.to_string());
        let recurrence_of = self.recent_closed_case_near(tx, v, now).await?;
        let number: i64 = sqlx::query("SELECT COALESCE(MAX(number), 0) + 1 AS next FROM cases")
            .fetch_one(&mut **tx)
            .await?
            .try_get("next")?;
        let id = v.id.to_string();
        sqlx::query(
            "INSERT INTO cases (id, number, kind, state, grid, camera, zone, lon, lat, confidence, occurrences,
                 recurrence_of, first_event, last_event, reported_at, updated_at, escalation, extensions, reworks)
             VALUES ($1, $2, $3, 'reported', $4, $5, $6, $7, $8, $9, 1, $10, $11, $11, $12, $12, 0, 0, 0)",
        )
        .bind(&id)
        .bind(number)
        .bind(v.kind.as_str())
        .bind(grid.clone())
        .bind(v.camera.as_str())
        .bind(v.zone.as_ref().map(|z| z.to_string()))
        .bind(v.location.lon())
        .bind(v.location.lat())
        .bind(v.confidence)
        .bind(recurrence_of.clone())
        .bind(&id)
        .bind(ms(now))
        .execute(&mut **tx)
        .await?;
        let case = self.load(tx, &id).await?;
        let camera = Actor::system(format!("camera:{}", v.camera));
        let detail = json!({ "event": v.id, "grid": grid, "recurrence_of": recurrence_of });
        self.log_transition(
            tx,
            &case,
            &camera,
            "report",
            None,
            State::Reported,
            detail,
            now,
            changes,
        )
        .await?;
        let policy = self.config.case_policy(&v.kind);
        let shop = self
            .config
            .dispatch
            .shops
            .iter()
            .find(|shop| shop.camera == v.camera && Some(&shop.zone) == v.zone.as_ref());
        let notice = policy.notice_grace.zip(shop);
        if notice.is_none() && !policy.auto_dispatch_at.is_some_and(|t| v.confidence >= t) {
            return Ok(id); // waits for an operator's review
        }
        let dispatcher = Actor::system("dispatcher");
        let case = self
            .apply(
                tx,
                &case,
                &dispatcher,
                Action::File,
                &ActionRequest::default(),
                now,
                changes,
            )
            .await?;
        match notice {
            // Graduated response: the shop is told first and given time to comply.
            Some((grace, shop)) => {
                let until = ms(now) + span_ms(grace);
                sqlx::query("UPDATE cases SET shop = $1, notice_until = $2 WHERE id = $3")
                    .bind(&shop.id)
                    .bind(until)
                    .bind(&id)
                    .execute(&mut **tx)
                    .await?;
                let detail = json!({
                    "shop": shop.id, "name": shop.name, "contact": shop.contact,
                    "until": DateTime::<Utc>::from_timestamp_millis(until),
                });
                self.log(tx, &case, &dispatcher, "notice", case.state, detail, now, changes)
                    .await?;
            }
            None if case.grid.is_some() => {
                self.dispatch_fairly(tx, &case, &dispatcher, now, changes).await?;
            }
            None => {} // outside every grid: the command centre dispatches it
        }
        Ok(id)
    }

    /// A case of the same kind at the same spot closed within the recurrence window.
    async fn recent_closed_case_near(
        &self,
        tx: &mut Tx,
        v: &ViolationEvent,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, DispatchError> {
        let since = ms(now) - span_ms(self.config.dispatch.recurrence_within);
        let radius = self.config.dispatch.merge_radius_m;
        let ((lat0, lat1), (lon0, lon1)) = around(v.location, radius);
        let rows = sqlx::query(
            "SELECT * FROM cases WHERE kind = $1 AND state = 'closed' AND closed_at >= $2
               AND lat BETWEEN $3 AND $4 AND lon BETWEEN $5 AND $6",
        )
        .bind(v.kind.as_str())
        .bind(since)
        .bind(lat0)
        .bind(lat1)
        .bind(lon0)
        .bind(lon1)
        .fetch_all(&mut **tx)
        .await?;
        Ok(nearest(&rows, v.location, |_, distance| distance <= radius)?.map(|case| case.id))
    }

    /// Dispatches to the on-duty member with the fewest open tasks; leaves the case filed when
    /// nobody is on duty.
    async fn dispatch_fairly(
        &self,
        tx: &mut Tx,
        case: &Case,
        actor: &Actor,
        now: DateTime<Utc>,
        changes: &mut Vec<CaseChange>,
    ) -> Result<Option<Case>, DispatchError> {
        let Some(grid) = case
            .grid
            .as_deref()
            .and_then(|g| gridwatch_core::GridId::new(g).ok())
        else {
            return Ok(None);
        };
        let roster = Roster::new(&self.config);
        let on_duty = roster.on_duty(&grid, now);
        let open = self.open_tasks(tx, &on_duty).await?;
        let Some(member) = fewest_open(&on_duty, |id| {
            open.iter().find(|(m, _)| m == id.as_str()).map_or(0, |(_, n)| *n)
        }) else {
            return Ok(None);
        };
        let request = ActionRequest {
            to: Some(member.id.clone()),
            ..ActionRequest::default()
        };
        Ok(Some(
            self.apply(tx, case, actor, Action::Dispatch, &request, now, changes)
                .await?,
        ))
    }

    /// Open tasks of each of `members` (those without any are left out).
    async fn open_tasks(
        &self,
        tx: &mut Tx,
        members: &[&Member],
    ) -> Result<Vec<(String, i64)>, DispatchError> {
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=members.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT assignee, COUNT(*) AS n FROM cases
             WHERE assignee IN ({}) AND state IN ('dispatched', 'accepted', 'handled', 'rework')
             GROUP BY assignee",
            placeholders.join(", ")
        );
        let query = members
            .iter()
            .fold(sqlx::query(&sql), |q, m| q.bind(m.id.to_string()));
        let rows = query.fetch_all(&mut **tx).await?;
        rows.iter()
            .map(|r| Ok((r.try_get("assignee")?, r.try_get("n")?)))
            .collect()
    }

    async fn cleared(
        &self,
        tx: &mut Tx,
        c: &ViolationCleared,
        changes: &mut Vec<CaseChange>,
    ) -> Result<Ingested, DispatchError> {
        let id = c.id.to_string();
        let fresh = self
            .record_event(
                tx,
                &id,
                "violation_cleared",
                c.camera.as_str(),
                Some(c.kind.as_str()),
                c,
            )
            .await?;
        let case_id = self.case_of_event(tx, &id).await?;
        if !fresh {
            return Ok(Ingested::Duplicate { case: case_id });
        }
        let Some(case_id) = case_id else {
            return Ok(Ingested::Stored { case: None });
        };
        let now = self.now();
        let case = self.load(tx, &case_id).await?;
        // A later sighting of the same case is not cleared by an earlier one's end.
        if case.last_event != id {
            return Ok(Ingested::Stored { case: Some(case_id) });
        }
        sqlx::query("UPDATE cases SET cleared_at = $1, updated_at = $1 WHERE id = $2")
            .bind(ms(now))
            .bind(&case_id)
            .execute(&mut **tx)
            .await?;
        let complied = case.state == State::Filed && case.notice_until.is_some_and(|until| ms(now) <= until);
        if case.state == State::Handled || complied {
            let camera = Actor::system(format!("camera:{}", c.camera));
            let request = ActionRequest {
                note: Some("the camera reports the violation cleared".into()),
                ..ActionRequest::default()
            };
            let case = self
                .apply(tx, &case, &camera, Action::Verify, &request, now, changes)
                .await?;
            if complied {
                let request = ActionRequest {
                    note: Some("the shop complied with its notice in time; closed without dispatch".into()),
                    ..ActionRequest::default()
                };
                let dispatcher = Actor::system("dispatcher");
                self.apply(tx, &case, &dispatcher, Action::Close, &request, now, changes)
                    .await?;
            }
        }
        sqlx::query("UPDATE events SET case_id = $1 WHERE id = $2 AND type = 'violation_cleared'")
            .bind(&case_id)
            .bind(&id)
            .execute(&mut **tx)
            .await?;
        Ok(Ingested::Stored { case: Some(case_id) })
    }

    async fn health(&self, tx: &mut Tx, h: &CameraHealth) -> Result<Ingested, DispatchError> {
        let state = serde_json::to_value(h.state).expect("states serialize");
        sqlx::query(
            "INSERT INTO cameras (id, state, since, detail) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET state = excluded.state, since = excluded.since, detail = excluded.detail",
        )
        .bind(h.camera.as_str())
        .bind(state.as_str().unwrap_or_default().to_owned())
        .bind(ms(h.at))
        .bind(h.detail.clone())
        .execute(&mut **tx)
        .await?;
        Ok(Ingested::Stored { case: None })
    }

    /// Someone acts on a case. Refused when their role or grid does not allow it, or when the
    /// case's state does not.
    pub async fn act(
        &self,
        actor: &Actor,
        case_id: &str,
        request: &ActionRequest,
    ) -> Result<Case, DispatchError> {
        let action = request
            .action
            .ok_or_else(|| DispatchError::Invalid("action: missing; say what to do to the case".into()))?;
        let _writer = self.write.lock().await;
        let mut tx = self.store.pool().begin().await?;
        let case = self.visible(&mut tx, actor, case_id).await?;
        self.may(actor, &case, action)?;
        let now = self.now();
        let mut changes = Vec::new();
        let case = if action == Action::Dispatch && request.to.is_none() {
            self.dispatch_fairly(&mut tx, &case, actor, now, &mut changes)
                .await?
                .ok_or_else(|| {
                    DispatchError::Invalid(
                        "to: nobody in the case's grid is on duty now; name a member".into(),
                    )
                })?
        } else {
            self.apply(&mut tx, &case, actor, action, request, now, &mut changes)
                .await?
        };
        tx.commit().await?;
        self.announce(changes);
        Ok(case)
    }

    /// The case, if `actor` may see it: members see their own grid's cases only; ingest
    /// tokens see nothing.
    async fn visible(&self, tx: &mut Tx, actor: &Actor, case_id: &str) -> Result<Case, DispatchError> {
        if actor.role == Role::Ingest {
            return Err(DispatchError::Forbidden(
                "ingest tokens may only post events".into(),
            ));
        }
        let row = sqlx::query("SELECT * FROM cases WHERE id = $1")
            .bind(case_id)
            .fetch_optional(&mut **tx)
            .await?;
        let case = row
            .map(|r| Case::from_row(&r))
            .transpose()?
            .ok_or_else(|| DispatchError::NotFound(case_id.to_owned()))?;
        if actor.role == Role::Member && case.grid.as_deref() != self.member_grid(actor).as_deref() {
            return Err(DispatchError::NotFound(case_id.to_owned()));
        }
        Ok(case)
    }

    /// The grid of a member token's member.
    pub fn member_grid(&self, actor: &Actor) -> Option<String> {
        let member = actor.member.as_ref()?;
        Roster::new(&self.config)
            .member(member)
            .map(|(team, _)| team.grid.to_string())
    }

    /// Whether `actor`'s role allows `action` on `case`.
    fn may(&self, actor: &Actor, case: &Case, action: Action) -> Result<(), DispatchError> {
        let refuse = |why: String| Err(DispatchError::Forbidden(why));
        match actor.role {
            Role::Command | Role::Admin => Ok(()),
            Role::Auditor | Role::Ingest => {
                refuse(format!("{} tokens cannot change cases", role_name(actor.role)))
            }
            Role::Member => {
                let member = actor.member.as_ref().map(|m| m.as_str());
                let is_leader = Roster::new(&self.config)
                    .member(actor.member.as_ref().expect("member tokens name a member"))
                    .is_some_and(|(team, _)| Some(team.leader.id.as_str()) == member);
                let own = case.assignee.as_deref() == member;
                match action {
                    Action::Accept | Action::Return | Action::RequestExtension | Action::Handle
                        if own || is_leader =>
                    {
                        Ok(())
                    }
                    Action::Dispatch | Action::GrantExtension | Action::Verify | Action::Rework
                        if is_leader =>
                    {
                        Ok(())
                    }
                    _ if is_leader => refuse(format!(
                        "a grid leader cannot {action} cases; the command centre can"
                    )),
                    _ => refuse(format!(
                        "only the assigned member or the grid leader can {action} this case"
                    )),
                }
            }
        }
    }

    /// Applies `action` to `case` (already checked for permission), with its audit entry.
    #[allow(clippy::too_many_arguments)]
    async fn apply(
        &self,
        tx: &mut Tx,
        case: &Case,
        actor: &Actor,
        action: Action,
        request: &ActionRequest,
        now: DateTime<Utc>,
        changes: &mut Vec<CaseChange>,
    ) -> Result<Case, DispatchError> {
        let next = transition(case.state, action)?;
        let need = |field: &str, value: &Option<String>| {
            value
                .as_deref()
                .filter(|v| !v.trim().is_empty())
                .map(str::to_owned)
                .ok_or_else(|| DispatchError::Invalid(format!("{field}: required to {action} a case")))
        };
        let t = ms(now);
        let kind = gridwatch_core::ViolationKind::new(&case.kind)
            .map_err(|e| DispatchError::Invalid(e.to_string()))?;
        let policy = self.config.case_policy(&kind);
        let mut detail = json!({});
        let update = match action {
            Action::File => Update::new("filed_at = $1", vec![Value::Int(t)]),
            Action::Void => {
                let reason = need("reason", &request.reason)?;
                detail = json!({ "reason": reason });
                Update::new(
                    "void_reason = $1, closed_at = $2",
                    vec![Value::Text(reason), Value::Int(t)],
                )
            }
            Action::Dispatch => {
                let to = request
                    .to
                    .clone()
                    .ok_or_else(|| DispatchError::Invalid("to: required to dispatch a case".into()))?;
                let (team, _) = Roster::new(&self.config)
                    .member(&to)
                    .ok_or_else(|| DispatchError::Invalid(format!("to: no roster member has id `{to}`")))?;
                if case.grid.as_deref().is_some_and(|g| g != team.grid.as_str()) {
                    return Err(DispatchError::Invalid(format!(
                        "to: `{to}` works grid {}, the case is in grid {}",
                        team.grid,
                        case.grid.as_deref().unwrap_or_default()
                    )));
                }
                detail = json!({ "to": to, "informed": team.leader.id });
                Update::new(
                    "assignee = $1, grid = $2, dispatched_at = $3, accepted_at = NULL, accept_due = $4, handle_due = $5, escalation = 0",
                    vec![
                        Value::Text(to.to_string()),
                        Value::Text(team.grid.to_string()),
                        Value::Int(t),
                        Value::Int(t + span_ms(policy.accept_within)),
                        Value::Int(t + span_ms(policy.handle_within)),
                    ],
                )
            }
            Action::Accept => Update::new("accepted_at = $1", vec![Value::Int(t)]),
            Action::Return => {
                let reason = need("reason", &request.reason)?;
                detail = json!({ "reason": reason, "from": case.assignee });
                Update::new("assignee = NULL, accept_due = NULL, handle_due = NULL", vec![])
            }
            Action::RequestExtension => {
                let reason = need("reason", &request.reason)?;
                let until = request
                    .until
                    .filter(|u| case.handle_due.is_none_or(|due| ms(*u) > due))
                    .ok_or_else(|| {
                        DispatchError::Invalid(
                            "until: required, and later than the current handling deadline".into(),
                        )
                    })?;
                detail = json!({ "reason": reason, "until": until });
                Update::new("extension_until = $1", vec![Value::Int(ms(until))])
            }
            Action::GrantExtension => {
                let until = case.extension_until.ok_or_else(|| {
                    DispatchError::Invalid("no extension has been requested for this case".into())
                })?;
                detail = json!({ "until": DateTime::<Utc>::from_timestamp_millis(until) });
                Update::new(
                    "handle_due = $1, extension_until = NULL, extensions = extensions + 1, escalation = CASE WHEN escalation > 1 THEN 1 ELSE escalation END",
                    vec![Value::Int(until)],
                )
            }
            Action::Handle => {
                let note = need("note", &request.note)?;
                detail = json!({ "note": note, "photo": request.photo });
                Update::new("handled_at = $1, cleared_at = NULL", vec![Value::Int(t)])
            }
            Action::Verify => {
                detail = json!({ "note": request.note });
                Update::new("", vec![])
            }
            Action::Rework => {
                let reason = need("reason", &request.reason)?;
                detail = json!({ "reason": reason });
                Update::new("reworks = reworks + 1, handled_at = NULL", vec![])
            }
            Action::Close => Update::new("closed_at = $1", vec![Value::Int(t)]),
            Action::Reopen => {
                let reason = need("reason", &request.reason)?;
                detail = json!({ "reason": reason });
                Update::new("closed_at = NULL, assignee = NULL", vec![])
            }
        };
        if let Some(note) = request.note.as_ref().filter(|_| detail.get("note").is_none()) {
            detail["note"] = json!(note);
        }
        update.run(tx, &case.id, next, t).await?;
        let updated = self.load(tx, &case.id).await?;
        self.log_transition(
            tx,
            &updated,
            actor,
            action.as_str(),
            Some(case.state),
            next,
            detail,
            now,
            changes,
        )
        .await?;
        Ok(updated)
    }

    pub(crate) async fn load(&self, tx: &mut Tx, id: &str) -> Result<Case, DispatchError> {
        let row = sqlx::query("SELECT * FROM cases WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
        Ok(Case::from_row(&row)?)
    }

    /// An audit entry for something that did not change the state (a sighting, an escalation).
    #[allow(clippy::too_many_arguments)]
    async fn log(
        &self,
        tx: &mut Tx,
        case: &Case,
        actor: &Actor,
        what: &str,
        state: State,
        detail: serde_json::Value,
        now: DateTime<Utc>,
        changes: &mut Vec<CaseChange>,
    ) -> Result<(), DispatchError> {
        self.log_transition(tx, case, actor, what, Some(state), state, detail, now, changes)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn log_transition(
        &self,
        tx: &mut Tx,
        case: &Case,
        actor: &Actor,
        what: &str,
        from: Option<State>,
        to: State,
        detail: serde_json::Value,
        now: DateTime<Utc>,
        changes: &mut Vec<CaseChange>,
    ) -> Result<(), DispatchError> {
        let last = sqlx::query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?;
        let (prev_seq, prev_hash) = match last {
            Some(row) => (row.try_get::<i64, _>("seq")?, row.try_get::<String, _>("hash")?),
            None => (0, audit::GENESIS.to_owned()),
        };
        let mut entry = Entry {
            seq: prev_seq + 1,
            case_id: case.id.clone(),
            at: ms(now),
            actor: actor.name.clone(),
            action: what.to_owned(),
            from_state: from.map(|s| s.as_str().to_owned()),
            to_state: to.as_str().to_owned(),
            detail: detail.to_string(),
            prev_hash,
            hash: String::new(),
        };
        entry.hash = entry.expected_hash();
        sqlx::query(
            "INSERT INTO audit (seq, case_id, at, actor, action, from_state, to_state, detail, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(entry.seq)
        .bind(&entry.case_id)
        .bind(entry.at)
        .bind(&entry.actor)
        .bind(&entry.action)
        .bind(entry.from_state.clone())
        .bind(&entry.to_state)
        .bind(&entry.detail)
        .bind(&entry.prev_hash)
        .bind(&entry.hash)
        .execute(&mut **tx)
        .await?;
        let change = CaseChange {
            case: case.id.clone(),
            number: case.number,
            kind: case.kind.clone(),
            grid: case.grid.clone(),
            state: to,
            action: what.to_owned(),
            actor: actor.name.clone(),
            at: now,
        };
        let hooks = self.config.dispatch.webhooks.iter();
        for hook in hooks.filter(|h| h.on.is_empty() || h.on.iter().any(|a| a == what)) {
            let payload = json!({ "change": change, "detail": detail, "assignee": case.assignee });
            crate::outbox::enqueue(tx, hook, &payload.to_string(), entry.at).await?;
        }
        changes.push(change);
        Ok(())
    }

    fn announce(&self, changes: Vec<CaseChange>) {
        for change in changes {
            // Nobody listening is fine: the feed is a convenience, the store is the record.
            let _ = self.feed.send(change);
        }
    }

    /// Escalates cases whose deadlines have passed: not accepted in time → the grid leader;
    /// not handled in time → the command centre. Timers live in the database, so a restart
    /// loses none. Returns the cases escalated.
    pub async fn escalate_overdue(&self) -> Result<Vec<String>, DispatchError> {
        let _writer = self.write.lock().await;
        let mut tx = self.store.pool().begin().await?;
        let now = self.now();
        let t = ms(now);
        let rows = sqlx::query(
            "SELECT * FROM cases WHERE
               (state = 'dispatched' AND accept_due < $1 AND escalation < 1)
            OR (state IN ('dispatched', 'accepted', 'rework') AND handle_due < $1 AND escalation < 2)",
        )
        .bind(t)
        .fetch_all(&mut *tx)
        .await?;
        let mut changes = Vec::new();
        let mut escalated = Vec::new();
        let dispatcher = Actor::system("dispatcher");
        // Notices whose grace has run out: the shop did not comply, the grid team goes.
        let ignored = sqlx::query("SELECT * FROM cases WHERE state = 'filed' AND notice_until < $1")
            .bind(t)
            .fetch_all(&mut *tx)
            .await?;
        for row in &ignored {
            let case = Case::from_row(row)?;
            if self
                .dispatch_fairly(&mut tx, &case, &dispatcher, now, &mut changes)
                .await?
                .is_some()
            {
                escalated.push(case.id);
            }
        }
        for row in &rows {
            let case = Case::from_row(row)?;
            let handle_late = case.handle_due.is_some_and(|d| d < t);
            let (level, to, due) = if handle_late {
                (2, "command_centre", case.handle_due)
            } else {
                (1, "grid_leader", case.accept_due)
            };
            sqlx::query("UPDATE cases SET escalation = $1, updated_at = $2 WHERE id = $3")
                .bind(level)
                .bind(t)
                .bind(&case.id)
                .execute(&mut *tx)
                .await?;
            let leader = case
                .grid
                .as_deref()
                .and_then(|g| gridwatch_core::GridId::new(g).ok())
                .and_then(|g| {
                    Roster::new(&self.config)
                        .team(&g)
                        .map(|team| team.leader.id.to_string())
                });
            let detail = json!({ "to": to, "leader": leader, "due": due.and_then(DateTime::<Utc>::from_timestamp_millis) });
            self.log(
                &mut tx,
                &case,
                &dispatcher,
                "escalate",
                case.state,
                detail,
                now,
                &mut changes,
            )
            .await?;
            escalated.push(case.id);
        }
        tx.commit().await?;
        self.announce(changes);
        Ok(escalated)
    }

    /// The case, if `actor` may see it.
    pub async fn case(&self, actor: &Actor, id: &str) -> Result<Case, DispatchError> {
        let mut tx = self.store.pool().begin().await?;
        let case = self.visible(&mut tx, actor, id).await?;
        tx.commit().await?;
        Ok(case)
    }

    /// The audit chain in order: all of it, or one case's entries.
    pub async fn audit_log(&self, case: Option<&str>) -> Result<Vec<Entry>, DispatchError> {
        let rows = match case {
            None => sqlx::query("SELECT * FROM audit ORDER BY seq"),
            Some(case) => sqlx::query("SELECT * FROM audit WHERE case_id = $1 ORDER BY seq").bind(case),
        }
        .fetch_all(self.store.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Entry {
                    seq: r.try_get("seq")?,
                    case_id: r.try_get("case_id")?,
                    at: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    from_state: r.try_get("from_state")?,
                    to_state: r.try_get("to_state")?,
                    detail: r.try_get("detail")?,
                    prev_hash: r.try_get("prev_hash")?,
                    hash: r.try_get("hash")?,
                })
            })
            .collect()
    }
}

/// Of the cases in `rows` that `accept` (given each with its distance in metres from `place`),
/// the nearest; the first of equals.
fn nearest(
    rows: &[AnyRow],
    place: GeoPoint,
    accept: impl Fn(&Case, f64) -> bool,
) -> Result<Option<Case>, DispatchError> {
    let mut cases = Vec::with_capacity(rows.len());
    for row in rows {
        let case = Case::from_row(row)?;
        let distance = GeoPoint::new(case.lon, case.lat).map_or(f64::INFINITY, |p| p.metres_to(place));
        if accept(&case, distance) {
            cases.push((distance, case));
        }
    }
    Ok(cases
        .into_iter()
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, case)| case))
}

/// Latitude and longitude bounds of a square `radius` metres around `place`, to narrow a search
/// before the exact distance is measured.
fn around(place: GeoPoint, radius: f64) -> ((f64, f64), (f64, f64)) {
    const METRES_PER_DEGREE: f64 = 111_320.0;
    let dlat = radius / METRES_PER_DEGREE;
    let dlon = radius / (METRES_PER_DEGREE * place.lat().to_radians().cos().max(0.01));
    (
        (place.lat() - dlat, place.lat() + dlat),
        (place.lon() - dlon, place.lon() + dlon),
    )
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Command => "command",
        Role::Member => "member",
        Role::Auditor => "auditor",
        Role::Ingest => "ingest",
        Role::Admin => "admin",
    }
}

/// A bound value for an UPDATE's extra assignments.
enum Value {
    Int(i64),
    Text(String),
}

/// The columns an action sets besides the state, numbered from $1.
struct Update {
    assignments: &'static str,
    values: Vec<Value>,
}

impl Update {
    fn new(assignments: &'static str, values: Vec<Value>) -> Self {
        Self { assignments, values }
    }

    async fn run(self, tx: &mut Tx, id: &str, state: State, now: i64) -> Result<(), sqlx::Error> {
        let n = self.values.len();
        let extra = if self.assignments.is_empty() {
            String::new()
        } else {
            format!("{}, ", self.assignments)
        };
        let sql = format!(
            "UPDATE cases SET {extra}state = ${}, updated_at = ${} WHERE id = ${}",
            n + 1,
            n + 2,
            n + 3
        );
        let mut query = sqlx::query(&sql);
        for value in self.values {
            query = match value {
                Value::Int(v) => query.bind(v),
                Value::Text(v) => query.bind(v),
            };
        }
        query
            .bind(state.as_str())
            .bind(now)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}
