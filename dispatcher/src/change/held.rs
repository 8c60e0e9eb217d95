//! What a change holds in memory: every case it has read or made, as it now is, and the events
//! it has received. What it made is written in a few multi-row statements — however many events
//! went into the change — before anything else reads the store, and at commit; the open cases a
//! group of events will look for are read in one statement at its start and answered from here.

use std::collections::{BTreeMap, HashMap};

use crate::{
    cases::{audit::Entry, Case},
    store::{self, cases::OpenNear, events::Received, writes::Writes, Tx},
    StoreError,
};

#[derive(Default)]
pub(super) struct Held {
    /// By id, so that writes come in one order whatever order the change made them in.
    cases: BTreeMap<String, HeldCase>,
    /// Events received, in order, each with whether it is already stored.
    events: Vec<(Received, bool)>,
    /// Where each of `events` is, by id and type.
    event_at: HashMap<(String, &'static str), usize>,
    /// Searches for open cases answered in full by `cases`.
    searched: Vec<OpenNear>,
}

struct HeldCase {
    case: Case,
    written: Written,
}

#[derive(Clone, Copy, PartialEq)]
enum Written {
    /// As stored.
    Yes,
    /// Changed since it was read.
    Changed,
    /// Not stored yet.
    New,
}

impl Held {
    /// Case `id` as the change has it, if it holds it.
    pub(super) fn case(&self, id: &str) -> Option<&Case> {
        self.cases.get(id).map(|held| &held.case)
    }

    /// Keeps `case` as read from the store (unless the change holds a later version).
    pub(super) fn read(&mut self, case: Case) {
        let id = case.id.clone();
        self.cases.entry(id).or_insert(HeldCase {
            case,
            written: Written::Yes,
        });
    }

    /// Keeps `case` as the change made it, new or changed, to be written.
    pub(super) fn made(&mut self, case: &Case, new: bool) {
        let written = match self.cases.get(&case.id) {
            Some(held) if held.written == Written::New => Written::New,
            _ if new => Written::New,
            _ => Written::Changed,
        };
        let held = HeldCase {
            case: case.clone(),
            written,
        };
        self.cases.insert(case.id.clone(), held);
    }

    /// Keeps `event` to be written; false when the change already has it.
    pub(super) fn receive(&mut self, event: Received) -> bool {
        let key = (event.id.clone(), event.kind_of_event);
        if self.event_at.contains_key(&key) {
            return false;
        }
        self.event_at.insert(key, self.events.len());
        self.events.push((event, false));
        true
    }

    /// The case of an event the change received, if it did: `Some(None)` for one of no case.
    pub(super) fn case_of_event(&self, id: &str, kind_of_event: &'static str) -> Option<Option<&str>> {
        let at = *self.event_at.get(&(id.to_owned(), kind_of_event))?;
        Some(self.events[at].0.case.as_deref())
    }

    /// The open cases `search` finds, when the change holds all of them.
    pub(super) fn open_near(&self, search: &OpenNear) -> Option<Vec<Case>> {
        if !self.searched.contains(search) {
            return None;
        }
        let found = self.cases.values().map(|held| &held.case);
        Some(found.filter(|case| search.finds(case)).cloned().collect())
    }

    /// Reads at once every open case that `searches` will find, so that they are answered from
    /// memory.
    pub(super) async fn search_ahead(
        &mut self,
        tx: &mut Tx,
        searches: Vec<OpenNear>,
    ) -> Result<(), StoreError> {
        for case in store::cases::open_near(tx, &searches).await? {
            self.read(case);
        }
        self.searched.extend(searches);
        Ok(())
    }

    /// Writes what the change made and has not yet written, with `entries` (the audit entries
    /// made since the last write). An event stored before (an event delivered again) was taken as
    /// new: [`StoreError::StoredBefore`] says so, and the change must be taken back.
    pub(super) async fn write(&mut self, tx: &mut Tx, entries: &[Entry]) -> Result<(), StoreError> {
        let unstored = self.events.iter().position(|(_, stored)| !stored);
        let events = unstored.map_or(&[][..], |first| &self.events[first..]);
        let pending = |w| -> Vec<&Case> {
            let held = self.cases.values().filter(|held| held.written == w);
            held.map(|held| &held.case).collect()
        };
        let writes = Writes {
            events: events.iter().map(|(event, _)| event).collect(),
            new_cases: pending(Written::New),
            changed_cases: pending(Written::Changed),
            entries,
        };
        if !store::writes::write(tx, &writes).await? {
            return Err(StoreError::StoredBefore);
        }
        for (_, stored) in &mut self.events {
            *stored = true;
        }
        for held in self.cases.values_mut() {
            held.written = Written::Yes;
        }
        Ok(())
    }

    /// Forgets everything: the store has taken back what was written since the change began a
    /// part, and what the change held may no longer be so.
    pub(super) fn forget(&mut self) {
        *self = Held::default();
    }
}
