//! The dispatcher: what every stage of the case loop shares — the store, the configuration, the
//! grids, the clock and the live feed of committed changes. Each stage adds its part in its own
//! module; every change goes through [`Change`](crate::change::Change).

use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc,
};

use chrono::{DateTime, Utc};
use gridwatch_core::{config::Config, Clock};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, Mutex};
use uuid::Uuid;

use crate::{cases::State, grid::GridMap, intake::Queue, store::Store};

/// A change the live feed announces.
#[derive(Debug, Clone, Serialize, Deserialize)]
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

pub struct Dispatcher {
    pub(crate) store: Store,
    pub(crate) config: Arc<Config>,
    pub(crate) grids: GridMap,
    clock: Arc<dyn Clock>,
    /// This process's writers queue here rather than each holding a connection while it waits
    /// for the store's own turn-taking (see [`Store::begin_write`]).
    pub(crate) writers: Arc<Mutex<()>>,
    pub(crate) feed: broadcast::Sender<CaseChange>,
    /// Where events wait for the intake's writer (see [`crate::intake`]).
    pub(crate) intake: Queue,
    /// Whether this process does the periodic work now.
    leading: Arc<AtomicBool>,
    /// This process, as its notices to other processes name it (see [`crate::feed`]).
    pub(crate) origin: Uuid,
}

impl Dispatcher {
    pub fn new(store: Store, config: Arc<Config>, grids: GridMap, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            config,
            grids,
            clock,
            writers: Arc::new(Mutex::new(())),
            feed: broadcast::channel(1024).0,
            intake: Queue::default(),
            leading: Arc::default(),
            origin: Uuid::now_v7(),
        }
    }

    /// Another handle on this dispatcher's store, configuration, grids, clock, writers' turn and
    /// feed, for a task of its own. Its intake queue is its own and stays unused, so a task holding
    /// it does not keep this dispatcher's queue open.
    pub(crate) fn handle(&self) -> Self {
        Self {
            store: self.store.clone(),
            config: self.config.clone(),
            grids: self.grids.clone(),
            clock: self.clock.clone(),
            writers: self.writers.clone(),
            feed: self.feed.clone(),
            intake: Queue::default(),
            leading: self.leading.clone(),
            origin: self.origin,
        }
    }

    /// Whether this process does the periodic work (webhooks, deadlines) now.
    pub fn leads(&self) -> bool {
        self.leading.load(Ordering::Relaxed)
    }

    /// Records whether this process leads; returns whether it did before.
    pub(crate) fn set_leading(&self, leads: bool) -> bool {
        self.leading.swap(leads, Ordering::Relaxed)
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

    /// The clock every deadline and record of this dispatcher is kept by.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Case changes as they are committed.
    pub fn subscribe(&self) -> broadcast::Receiver<CaseChange> {
        self.feed.subscribe()
    }
}
