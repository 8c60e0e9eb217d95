//! One change to the store, the same way every time: take the writer's turn, begin, change cases,
//! append each step to the audit chain (queueing its webhooks), commit, and only then announce.
//! A change may be made of parts (the events of a batch) each of which can be taken back alone.
//! Cases and received events are [held](held) in memory and written together.

mod held;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use tokio::sync::MutexGuard;

use crate::{
    cases::{
        actions::{self, ActionRequest},
        audit::Entry,
        Action, Case, State,
    },
    store::{self, cases::OpenNear, events::Received, Tx},
    Actor, CaseChange, DispatchError, Dispatcher,
};
use held::Held;

/// A change in progress. Dropped without [`Change::commit`], it is rolled back and nothing is
/// announced.
pub(crate) struct Change<'d> {
    pub(crate) dispatcher: &'d Dispatcher,
    tx: Tx,
    held: Held,
    /// Whether each event received is stored at once, so that one stored before is known at
    /// once (as it must be when every event is a part of its own), not only when the change is
    /// written.
    stores_each_event: bool,
    /// When the change happens: one time for every step of it (or of the part under way).
    pub(crate) now: DateTime<Utc>,
    changes: Vec<CaseChange>,
    /// Audit entries made, written together when the change commits.
    entries: Vec<Entry>,
    next: Next,
    _turn: MutexGuard<'d, ()>,
}

/// What the change's next audit entry, case and webhook delivery follow, read from the store once
/// per change and counted on from there (writers take turns, so nobody else moves them meanwhile).
#[derive(Clone, Default)]
struct Next {
    /// The last audit entry's sequence number and hash.
    audit: Option<(i64, String)>,
    case_number: Option<i64>,
    outbox_id: Option<i64>,
}

/// A part of a change begun with [`Change::begin_part`].
#[must_use = "a part is kept or taken back"]
pub(crate) struct Part {
    /// How many changes were to be announced, and audit entries written, before it.
    announced: usize,
    entries: usize,
    next: Next,
}

impl Dispatcher {
    /// Begins a change.
    pub(crate) async fn change(&self) -> Result<Change<'_>, DispatchError> {
        let turn = self.writers.lock().await;
        let tx = self.store.begin_write().await?;
        Ok(Change {
            dispatcher: self,
            tx,
            held: Held::default(),
            stores_each_event: false,
            now: self.now(),
            changes: Vec::new(),
            entries: Vec::new(),
            next: Next::default(),
            _turn: turn,
        })
    }
}

impl Change<'_> {
    pub(crate) fn now_ms(&self) -> i64 {
        self.now.timestamp_millis()
    }

    /// The number the next case opened in this change gets.
    pub(crate) async fn next_case_number(&mut self) -> Result<i64, DispatchError> {
        let number = match self.next.case_number {
            Some(number) => number,
            None => store::cases::next_number(self.tx().await?).await?,
        };
        self.next.case_number = Some(number + 1);
        Ok(number)
    }

    /// The transaction, with everything the change holds written to it first: for reading or
    /// writing the store directly.
    pub(crate) async fn tx(&mut self) -> Result<&mut Tx, DispatchError> {
        self.held.write(&mut self.tx, &[]).await?;
        Ok(&mut self.tx)
    }

    /// Case `id` as this change finds it: it may have moved on since it was read before.
    pub(crate) async fn case(&mut self, id: &str) -> Result<Case, DispatchError> {
        if let Some(case) = self.held.case(id) {
            return Ok(case.clone());
        }
        let case = store::cases::find(&mut *self.tx, id)
            .await?
            .ok_or_else(|| DispatchError::NotFound(id.to_owned()))?;
        self.held.read(case.clone());
        Ok(case)
    }

    /// Stores `case`, new.
    pub(crate) fn insert_case(&mut self, case: &Case) {
        self.held.made(case, true);
    }

    /// Stores `case` over what it was.
    pub(crate) fn save_case(&mut self, case: &Case) {
        self.held.made(case, false);
    }

    /// Stores `event`; false when it was stored before (nothing changes then).
    pub(crate) async fn receive(&mut self, event: Received) -> Result<bool, DispatchError> {
        if !self.stores_each_event {
            return Ok(self.held.receive(event));
        }
        let tx = self.tx().await?;
        Ok(store::events::record(tx, &[&event]).await? == 1)
    }

    /// The case the violation with this id opened or joined.
    pub(crate) async fn case_of_violation(&mut self, id: &str) -> Result<Option<String>, DispatchError> {
        if let Some(case) = self.held.case_of_event(id, "violation") {
            return Ok(case.map(str::to_owned));
        }
        Ok(store::events::case_of_violation(&mut self.tx, id).await?)
    }

    /// The open cases `search` finds.
    pub(crate) async fn open_near(&mut self, search: OpenNear) -> Result<Vec<Case>, DispatchError> {
        if let Some(found) = self.held.open_near(&search) {
            return Ok(found);
        }
        let found = store::cases::open_near(self.tx().await?, &[search]).await?;
        for case in &found {
            self.held.read(case.clone());
        }
        Ok(found)
    }

    /// Reads at once the open cases each of `searches` will find, which [`Change::open_near`]
    /// then answers from memory: one statement instead of one per search.
    pub(crate) async fn search_ahead(&mut self, searches: Vec<OpenNear>) -> Result<(), DispatchError> {
        self.held.write(&mut self.tx, &[]).await?;
        Ok(self.held.search_ahead(&mut self.tx, searches).await?)
    }

    /// Begins a part that [`Change::take_back`] can undo — its writes, audit entries, webhooks
    /// and announcements — leaving the rest of the change as it was.
    pub(crate) async fn begin_part(&mut self) -> Result<Part, DispatchError> {
        self.stores_each_event = true;
        store::savepoint(self.tx().await?).await?;
        Ok(Part {
            announced: self.changes.len(),
            entries: self.entries.len(),
            next: self.next.clone(),
        })
    }

    /// Keeps `part` in the change.
    pub(crate) async fn keep(&mut self, _part: Part) -> Result<(), DispatchError> {
        Ok(store::release_savepoint(self.tx().await?).await?)
    }

    /// Undoes `part`; the change goes on from where it began.
    pub(crate) async fn take_back(&mut self, part: Part) -> Result<(), DispatchError> {
        store::rollback_to_savepoint(&mut self.tx).await?;
        self.held.forget();
        self.changes.truncate(part.announced);
        self.entries.truncate(part.entries);
        self.next = part.next;
        Ok(())
    }

    /// Commits, then tells the live feed what changed.
    pub(crate) async fn commit(mut self) -> Result<(), DispatchError> {
        self.held.write(&mut self.tx, &self.entries).await?;
        if !self.changes.is_empty() {
            let notices = crate::feed::notices(self.dispatcher.origin, &self.changes);
            store::notices::send(&mut self.tx, &notices).await?;
        }
        self.tx.commit().await?;
        for change in self.changes {
            // Nobody listening is fine: the feed is a convenience, the store is the record.
            let _ = self.dispatcher.feed.send(change);
        }
        Ok(())
    }

    /// Applies `action` to `case` (permission already checked), with its audit entry.
    pub(crate) async fn apply(
        &mut self,
        case: &Case,
        actor: &Actor,
        action: Action,
        request: &ActionRequest,
    ) -> Result<Case, DispatchError> {
        let applied = actions::apply(case, action, request, &self.dispatcher.config, self.now)?;
        self.save_case(&applied.case);
        self.audit(
            &applied.case,
            actor,
            action.as_str(),
            Some(case.state),
            applied.detail,
        )
        .await?;
        // Filing confirms the violation: from now on it counts against the shop it is at.
        if let (Action::File, Some(shop)) = (action, &applied.case.shop) {
            self.count_against_shop(&applied.case, shop).await?;
        }
        Ok(applied.case)
    }

    /// Writes `case` as it now is, with an audit entry for what happened to it that did not move
    /// its state (a sighting, a notice, an escalation).
    pub(crate) async fn note(
        &mut self,
        case: &Case,
        actor: &Actor,
        what: &str,
        detail: Value,
    ) -> Result<(), DispatchError> {
        self.save_case(case);
        self.audit(case, actor, what, Some(case.state), detail).await
    }

    /// Appends an entry to the audit chain for `case`, now in its current state, queues the
    /// webhooks that follow `what`, and keeps the change to announce.
    pub(crate) async fn audit(
        &mut self,
        case: &Case,
        actor: &Actor,
        what: &str,
        from: Option<State>,
        detail: Value,
    ) -> Result<(), DispatchError> {
        self.chain(
            &case.id,
            actor,
            what,
            from.map(State::as_str),
            case.state.as_str(),
            &detail,
        )
        .await?;
        let change = CaseChange {
            case: case.id.clone(),
            number: case.number,
            kind: case.kind.clone(),
            grid: case.grid.clone(),
            state: case.state,
            action: what.to_owned(),
            actor: actor.name.clone(),
            at: self.now,
        };
        let hooks = self.dispatcher.config.dispatch.webhooks.iter();
        for hook in hooks.filter(|h| h.on.is_empty() || h.on.iter().any(|a| a == what)) {
            let payload = json!({ "change": change, "detail": detail, "assignee": case.assignee });
            let id = match self.next.outbox_id {
                Some(id) => id,
                None => store::outbox::next_id(self.tx().await?).await?,
            };
            self.next.outbox_id = Some(id + 1);
            let now = self.now_ms();
            store::outbox::enqueue(
                self.tx().await?,
                id,
                &hook.name,
                &hook.url,
                &payload.to_string(),
                now,
            )
            .await?;
        }
        self.changes.push(change);
        Ok(())
    }

    /// Appends an entry about `subject` (a case id, or a shop's [`subject`](crate::shops::subject))
    /// to the audit chain: `what` took it from `from` to `to`.
    pub(crate) async fn chain(
        &mut self,
        subject: &str,
        actor: &Actor,
        what: &str,
        from: Option<&str>,
        to: &str,
        detail: &Value,
    ) -> Result<(), DispatchError> {
        let (prev_seq, prev_hash) = match self.next.audit.take() {
            Some(last) => last,
            None => store::audit::last(&mut self.tx).await?,
        };
        let mut entry = Entry {
            seq: prev_seq + 1,
            case_id: subject.to_owned(),
            at: self.now_ms(),
            actor: actor.name.clone(),
            action: what.to_owned(),
            from_state: from.map(str::to_owned),
            to_state: to.to_owned(),
            detail: detail.to_string(),
            prev_hash,
            hash: String::new(),
        };
        entry.hash = entry.expected_hash();
        self.next.audit = Some((entry.seq, entry.hash.clone()));
        self.entries.push(entry);
        Ok(())
    }
}
