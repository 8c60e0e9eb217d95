//! Group commit. Every event, whichever way it came, queues for one writer task. The writer takes
//! what has queued up (at most [`BATCH`] events), applies each in order inside one change, commits
//! once, and only then answers each caller with its own outcome. Should one of the events fail,
//! the batch is applied again with each event in a part of its own, so that the one that fails
//! takes back only what it wrote. Nothing is acknowledged before it is
//! committed, and one commit (one sync to disk) serves every event that queued up while the one
//! before was under way; an event that finds the writer idle is committed alone, at once.

use std::sync::{Mutex, PoisonError};

use gridwatch_core::PipelineEvent;
use tokio::sync::{mpsc, oneshot};

use super::Ingested;
use crate::{DispatchError, Dispatcher, StoreError};

/// The most events one commit takes: enough to share a sync among many, few enough that readers
/// waiting for SQLite's one connection wait little.
const BATCH: usize = 128;

/// How many events may wait for the writer; a caller beyond that waits for room.
const WAITING: usize = 1024;

type Outcome = Result<Ingested, DispatchError>;

struct Job {
    event: PipelineEvent,
    answer: oneshot::Sender<Outcome>,
}

/// The way to the writer task. The task starts with the first event, in its caller's runtime (and
/// again should that runtime have gone), and ends when the dispatcher is dropped.
#[derive(Default)]
pub(crate) struct Queue(Mutex<Option<mpsc::Sender<Job>>>);

/// An event in the queue.
pub struct Pending(oneshot::Receiver<Outcome>);

impl Pending {
    /// What became of the event, once the commit it went into is done.
    pub async fn outcome(self) -> Outcome {
        self.0
            .await
            .unwrap_or(Err(DispatchError::Store(StoreError::WriterStopped)))
    }
}

impl Dispatcher {
    /// Stores `event` and moves the cases it concerns; returns only after the commit.
    pub async fn ingest(&self, event: &PipelineEvent) -> Outcome {
        self.queue(event.clone()).await?.outcome().await
    }

    /// Queues `event` behind every event queued before it (waiting for room if the queue is full):
    /// a caller with several events to store in order queues them one after another, then awaits
    /// their outcomes.
    pub async fn queue(&self, event: PipelineEvent) -> Result<Pending, DispatchError> {
        let (answer, answered) = oneshot::channel();
        self.intake
            .writer(self)
            .send(Job { event, answer })
            .await
            .map_err(|_| DispatchError::Store(StoreError::WriterStopped))?;
        Ok(Pending(answered))
    }

    /// Applies the events of `jobs` in order in one change and commits it: each event's outcome,
    /// or, if the change as a whole failed, why for every one.
    async fn commit_together(&self, jobs: &[Job]) -> Vec<Outcome> {
        match self.apply_together(jobs).await {
            Ok(outcomes) => outcomes,
            Err(e) => {
                let reason = e.to_string();
                let failed = || StoreError::Together {
                    events: jobs.len(),
                    reason: reason.clone(),
                };
                jobs.iter().map(|_| Err(failed().into())).collect()
            }
        }
    }

    async fn apply_together(&self, jobs: &[Job]) -> Result<Vec<Outcome>, DispatchError> {
        match self.apply_straight(jobs).await? {
            Some(outcomes) => Ok(outcomes),
            None => self.apply_in_parts(jobs).await,
        }
    }

    /// Events seldom fail once they are valid, and are seldom delivered twice: applies `jobs`
    /// straight through — the open cases they may join read in one go, what they change written
    /// together — and commits; or, when one of several fails or one was stored before, commits
    /// nothing and returns `None` (a lone event's failure is its outcome).
    async fn apply_straight(&self, jobs: &[Job]) -> Result<Option<Vec<Outcome>>, DispatchError> {
        let stored_before = |e: &DispatchError| matches!(e, DispatchError::Store(StoreError::StoredBefore));
        let mut change = self.change().await?;
        let events: Vec<&PipelineEvent> = jobs.iter().map(|job| &job.event).collect();
        change.search_ahead_of(&events).await?;
        let mut outcomes = Vec::with_capacity(jobs.len());
        for job in jobs {
            change.now = self.now();
            let outcome = change.event(&job.event).await;
            if let Err(e) = &outcome {
                let alone = jobs.len() == 1 && !stored_before(e);
                return Ok(alone.then(|| vec![outcome]));
            }
            outcomes.push(outcome);
        }
        match change.commit().await {
            Ok(()) => Ok(Some(outcomes)),
            Err(e) if stored_before(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Applies `jobs` each in a part of its own, so that one that fails takes back only what it
    /// wrote, and commits.
    async fn apply_in_parts(&self, jobs: &[Job]) -> Result<Vec<Outcome>, DispatchError> {
        let mut change = self.change().await?;
        let mut outcomes = Vec::with_capacity(jobs.len());
        for job in jobs {
            change.now = self.now();
            let part = change.begin_part().await?;
            let outcome = change.event(&job.event).await;
            match outcome {
                Ok(_) => change.keep(part).await?,
                Err(_) => change.take_back(part).await?,
            }
            outcomes.push(outcome);
        }
        change.commit().await?;
        Ok(outcomes)
    }
}

impl Queue {
    fn writer(&self, dispatcher: &Dispatcher) -> mpsc::Sender<Job> {
        let mut writer = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match &*writer {
            Some(queue) if !queue.is_closed() => queue.clone(),
            _ => {
                let (queue, jobs) = mpsc::channel(WAITING);
                tokio::spawn(write(dispatcher.handle(), jobs));
                *writer = Some(queue.clone());
                queue
            }
        }
    }
}

/// The writer task: commits what has queued up, answers, and again, until the queue is closed.
async fn write(dispatcher: Dispatcher, mut queue: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(BATCH);
    while queue.recv_many(&mut jobs, BATCH).await > 0 {
        // Senders answered by the last commit are about to send again: give them a turn, so
        // that their events share this commit instead of each waiting for one of its own.
        tokio::task::yield_now().await;
        while jobs.len() < BATCH {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let outcomes = dispatcher.commit_together(&jobs).await;
        for (job, outcome) in jobs.drain(..).zip(outcomes) {
            // A caller that stopped waiting (a closed connection) needs no answer.
            let _ = job.answer.send(outcome);
        }
    }
}
