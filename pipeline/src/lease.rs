//! Cameras shared among workers through leases in a NATS JetStream key-value bucket.
//!
//! Each worker keeps a key `workers.<id>` (its capacity and how many cameras it holds) and a key
//! `cameras.<camera>` for every camera it analyses, and renews them every third of the lease. The
//! bucket forgets what is not renewed within the lease (its `max_age`), so a dead worker's cameras
//! are free once its leases lapse. The bucket's compare-and-set makes a camera one worker's at a
//! time: taking one is a `create`, which fails when the key exists, and renewing names the
//! revision the worker wrote last, which fails when another worker has taken it since.
//!
//! Every round each worker works out the same fair share from what the live workers say (the
//! cameras spread evenly, none above its capacity, see [`fair_share`]), takes free cameras up to
//! its share and gives back those above it, [`STEP`] a round at most: a joining worker draws
//! cameras a few at a time, and a dead one's are picked up within a lease and a round.
//!
//! A camera's confirmed violations move with it: its holder keeps them in a second bucket
//! (`<bucket>-violations`, one key a camera) every round while they change, and a worker taking
//! the camera over follows on from them, so a violation already reported is neither reported
//! again under another id nor left uncleared. What changed within the last round before a worker
//! died is lost with it.
//!
//! While the server cannot be reached a worker keeps analysing the cameras it holds (no other
//! worker can take them then: the leases live on that server), and its events wait in the
//! JetStream sink's spool. Once the server is back, a lease another worker took meanwhile is
//! given up at the first renewal.

use std::{
    collections::{BTreeMap, BTreeSet},
    hash::{DefaultHasher, Hash, Hasher},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    thread::{self, JoinHandle},
    time::Duration,
};

use async_nats::jetstream::{
    self,
    kv::{CreateErrorKind, Store, UpdateErrorKind},
    stream,
};
use crossbeam_channel::Sender;
use futures_util::StreamExt;
use gridwatch_core::{config::Workers, redact::credentials, CameraId, WorkerId};
use prometheus_client::metrics::gauge::Gauge;
use serde::{Deserialize, Serialize};

use crate::{
    rules::Carried,
    topology::{Assignment, Handover},
};

/// At most this many cameras are taken, or given back, by one worker in one round.
pub const STEP: usize = 4;

/// How long a camera's confirmed violations are kept once no worker writes them: longer than any
/// violation lasts unseen.
const CARRIED_FOR: Duration = Duration::from_secs(24 * 3600);

/// What a worker says of itself in the bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Worker {
    /// The most cameras it will hold.
    pub capacity: usize,
    /// How many it holds.
    pub held: usize,
}

/// How many of `cameras` the worker with capacity `mine` should hold, given the capacities of all
/// live workers (its own among them): an even spread, where what the workers at their capacity
/// cannot hold is spread over the others. Every worker computes it from the same figures, so
/// together they hold every camera when their capacities allow it.
pub fn fair_share(cameras: usize, capacities: &[usize], mine: usize) -> usize {
    if capacities.is_empty() {
        return mine.min(cameras);
    }
    let mut level = cameras.div_ceil(capacities.len());
    let most = capacities.iter().copied().max().unwrap_or(0);
    while level < most && capacities.iter().map(|c| (*c).min(level)).sum::<usize>() < cameras {
        level += 1;
    }
    mine.min(level)
}

/// The order in which `worker` reaches for cameras: a different one for each worker (highest
/// random weight), so that workers starting together mostly reach for different cameras.
fn preference(worker: &WorkerId, camera: &CameraId) -> u64 {
    let mut hasher = DefaultHasher::new();
    (worker.as_str(), camera.as_str()).hash(&mut hasher);
    hasher.finish()
}

/// Who keeps leases, where, and on which cameras.
pub struct Holder {
    pub id: WorkerId,
    /// The NATS server's address.
    pub url: String,
    pub settings: Workers,
    /// The most cameras this worker holds.
    pub capacity: usize,
    /// Every camera of the configuration.
    pub cameras: Vec<CameraId>,
    /// Where the run keeps its cameras' confirmed violations.
    pub handover: Handover,
}

/// The running lease keeper of one worker.
pub struct Leases {
    thread: JoinHandle<()>,
}

impl Leases {
    /// Keeps leases for `holder`, starting and stopping its cameras through `assign`, until
    /// `stop` is set; then it gives its leases back, so other workers take the cameras over at
    /// once. `held` shows how many it holds.
    pub fn start(
        holder: Holder,
        assign: Sender<Assignment>,
        stop: Arc<AtomicBool>,
        held: Gauge,
    ) -> Result<Self, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("leases: cannot start the async runtime: {e}"))?;
        let mut keeper = Keeper {
            shown: credentials(&holder.url).into_owned(),
            id: holder.id,
            url: holder.url,
            bucket: holder.settings.bucket,
            lease: holder.settings.lease.0,
            capacity: holder.capacity,
            cameras: holder.cameras,
            handover: holder.handover,
            violations: None,
            written: BTreeMap::new(),
            assign,
            held,
            store: None,
            mine: BTreeMap::new(),
            unreachable: false,
        };
        let thread = thread::Builder::new()
            .name("leases".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let round = keeper.lease / 3;
                    while !stop.load(Ordering::Relaxed) {
                        keeper.round().await;
                        // Woken early by a stop, so a stopping worker gives its leases back at once.
                        let mut waited = Duration::ZERO;
                        while waited < round && !stop.load(Ordering::Relaxed) {
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            waited += Duration::from_millis(100);
                        }
                    }
                    keeper.give_back().await;
                })
            })
            .map_err(|e| format!("leases: cannot start their thread: {e}"))?;
        Ok(Self { thread })
    }

    /// Waits until the leases are given back (after `stop`).
    pub fn join(self) {
        let _ = self.thread.join();
    }
}

struct Keeper {
    id: WorkerId,
    url: String,
    /// The address as logs show it: without its password.
    shown: String,
    bucket: String,
    lease: Duration,
    capacity: usize,
    cameras: Vec<CameraId>,
    handover: Handover,
    /// The bucket of the cameras' confirmed violations.
    violations: Option<Store>,
    /// What was last written there, per camera held.
    written: BTreeMap<CameraId, Vec<Carried>>,
    assign: Sender<Assignment>,
    held: Gauge,
    store: Option<Store>,
    /// The cameras held, with the revision of each one's lease.
    mine: BTreeMap<CameraId, u64>,
    /// Whether the last round failed to reach the server (logged once).
    unreachable: bool,
}

/// A round's failure to talk to the server.
type Unreached = String;

impl Keeper {
    async fn round(&mut self) {
        match self.try_round().await {
            Ok(()) => {
                if std::mem::take(&mut self.unreachable) {
                    tracing::info!(url = %self.shown, "lease bucket reachable again");
                }
            }
            Err(reason) => {
                if !self.unreachable {
                    tracing::warn!(
                        url = %self.shown,
                        reason = %credentials(&reason),
                        held = self.mine.len(),
                        "lease bucket unreachable: the cameras held go on; no camera is taken"
                    );
                }
                self.unreachable = true;
                self.store = None;
            }
        }
        self.held.set(self.mine.len() as i64);
    }

    async fn try_round(&mut self) -> Result<(), Unreached> {
        let store = self.store().await?;
        self.renew(&store).await?;
        self.keep_violations().await?;
        let (workers, taken) = self.look(&store).await?;
        let capacities: Vec<usize> = workers.values().map(|w| w.capacity).collect();
        let share = fair_share(self.cameras.len(), &capacities, self.capacity);
        let held = self.mine.len();
        if held > share {
            self.release(&store, (held - share).min(STEP)).await?;
        } else if held < share {
            let mut free: Vec<&CameraId> = self.cameras.iter().filter(|c| !taken.contains(*c)).collect();
            free.sort_by_key(|c| std::cmp::Reverse(preference(&self.id, c)));
            let wanted = (share - held).min(STEP);
            let free: Vec<CameraId> = free.into_iter().cloned().collect();
            self.take(&store, &free, wanted).await?;
        }
        Ok(())
    }

    /// The bucket, connecting and creating it when needed.
    async fn store(&mut self) -> Result<Store, Unreached> {
        if let Some(store) = &self.store {
            return Ok(store.clone());
        }
        let context = crate::sink::connect_jetstream(&self.url).await?;
        let store = key_value(
            &context,
            &self.bucket,
            "gridwatch: which worker analyses which camera",
            self.lease,
        )
        .await?;
        let violations = key_value(
            &context,
            &format!("{}-violations", self.bucket),
            "gridwatch: each camera's confirmed violations, for the worker taking it over",
            CARRIED_FOR,
        )
        .await?;
        self.violations = Some(violations);
        self.store = Some(store.clone());
        Ok(store)
    }

    /// Renews this worker's own key and every lease it holds; a lease another worker has taken
    /// meanwhile is given up.
    async fn renew(&mut self, store: &Store) -> Result<(), Unreached> {
        let me = serde_json::to_vec(&Worker {
            capacity: self.capacity,
            held: self.mine.len(),
        })
        .expect("workers serialize");
        store
            .put(format!("workers.{}", self.id), me.into())
            .await
            .map_err(|e| e.to_string())?;
        let value = self.id.as_str().as_bytes().to_vec();
        let mut lost = Vec::new();
        for (camera, revision) in &mut self.mine {
            let key = format!("cameras.{camera}");
            match store.update(&key, value.clone().into(), *revision).await {
                Ok(r) => *revision = r,
                Err(e) if e.kind() == UpdateErrorKind::WrongLastRevision => {
                    // Lapsed (the server was away longer than a lease) and free, or taken.
                    match store.create(&key, value.clone().into()).await {
                        Ok(r) => *revision = r,
                        Err(e) if e.kind() == CreateErrorKind::AlreadyExists => lost.push(camera.clone()),
                        Err(e) => return Err(e.to_string()),
                    }
                }
                Err(e) => return Err(e.to_string()),
            }
        }
        for camera in lost {
            tracing::warn!(camera = %camera, "lease taken by another worker: camera stopped");
            self.mine.remove(&camera);
            self.written.remove(&camera);
            let _ = self.assign.send(Assignment::Stop(camera));
        }
        Ok(())
    }

    /// Writes the confirmed violations of the cameras held that changed since the last round.
    async fn keep_violations(&mut self) -> Result<(), Unreached> {
        let now: Vec<(CameraId, Vec<Carried>)> = {
            let handover = self.handover.lock().expect("handover lock poisoned");
            self.mine
                .keys()
                .filter_map(|c| Some((c.clone(), handover.get(c)?.clone())))
                .filter(|(c, carried)| self.written.get(c) != Some(carried))
                .collect()
        };
        for (camera, carried) in now {
            self.write_violations(&camera, &carried).await?;
            self.written.insert(camera, carried);
        }
        Ok(())
    }

    async fn write_violations(&self, camera: &CameraId, carried: &[Carried]) -> Result<(), Unreached> {
        let Some(violations) = &self.violations else {
            return Err("not connected".to_owned());
        };
        let value = serde_json::to_vec(carried).expect("violations serialize");
        violations
            .put(camera.as_str(), value.into())
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// The violations confirmed on `camera` by the worker that held it before.
    async fn carried(&self, camera: &CameraId) -> Result<Vec<Carried>, Unreached> {
        let Some(violations) = &self.violations else {
            return Err("not connected".to_owned());
        };
        let Some(value) = violations.get(camera.as_str()).await.map_err(|e| e.to_string())? else {
            return Ok(Vec::new());
        };
        Ok(serde_json::from_slice(&value).unwrap_or_else(|e| {
            tracing::warn!(camera = %camera, error = %e, "unreadable violations left by the last holder: starting afresh");
            Vec::new()
        }))
    }

    /// The live workers and the cameras leased by anyone.
    async fn look(&self, store: &Store) -> Result<(BTreeMap<String, Worker>, BTreeSet<CameraId>), Unreached> {
        let mut keys = store.keys().await.map_err(|e| e.to_string())?;
        let mut workers = BTreeMap::new();
        let mut taken = BTreeSet::new();
        while let Some(key) = keys.next().await {
            let key = key.map_err(|e| e.to_string())?;
            if let Some(camera) = key.strip_prefix("cameras.") {
                if let Ok(camera) = CameraId::new(camera) {
                    taken.insert(camera);
                }
            } else if let Some(worker) = key.strip_prefix("workers.") {
                let said = store.get(&key).await.map_err(|e| e.to_string())?;
                // A key that lapsed between the listing and the read is a worker gone.
                if let Some(w) = said.and_then(|v| serde_json::from_slice::<Worker>(&v).ok()) {
                    workers.insert(worker.to_owned(), w);
                }
            }
        }
        Ok((workers, taken))
    }

    /// Takes up to `wanted` of `free`, in order; another worker may take one first.
    async fn take(&mut self, store: &Store, free: &[CameraId], wanted: usize) -> Result<(), Unreached> {
        let value = self.id.as_str().as_bytes().to_vec();
        let mut taken = 0;
        for camera in free {
            if taken == wanted {
                break;
            }
            match store
                .create(format!("cameras.{camera}"), value.clone().into())
                .await
            {
                Ok(revision) => {
                    let carried = self.carried(camera).await?;
                    tracing::info!(camera = %camera, carried = carried.len(), "lease taken");
                    self.mine.insert(camera.clone(), revision);
                    self.written.insert(camera.clone(), carried.clone());
                    let _ = self.assign.send(Assignment::Start(camera.clone(), carried));
                    taken += 1;
                }
                Err(e) if e.kind() == CreateErrorKind::AlreadyExists => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(())
    }

    /// Gives back `count` cameras, those this worker prefers least first.
    async fn release(&mut self, store: &Store, count: usize) -> Result<(), Unreached> {
        let mut mine: Vec<CameraId> = self.mine.keys().cloned().collect();
        mine.sort_by_key(|c| preference(&self.id, c));
        for camera in mine.into_iter().take(count) {
            self.give_up(store, &camera).await?;
        }
        Ok(())
    }

    /// Stops `camera` and then frees its lease, unless another worker holds it by now.
    async fn give_up(&mut self, store: &Store, camera: &CameraId) -> Result<(), Unreached> {
        let Some(revision) = self.mine.remove(camera) else {
            return Ok(());
        };
        // What it confirmed goes along to the worker that takes it next; the run forgets it
        // once the camera has stopped.
        let last = self
            .handover
            .lock()
            .expect("handover lock poisoned")
            .get(camera)
            .cloned();
        if let Some(carried) = last {
            self.write_violations(camera, &carried).await?;
        }
        let _ = self.assign.send(Assignment::Stop(camera.clone()));
        self.written.remove(camera);
        tracing::info!(camera = %camera, "lease given back");
        store
            .delete_expect_revision(format!("cameras.{camera}"), Some(revision))
            .await
            .map_err(|e| e.to_string())
    }

    /// On stopping: every lease and this worker's own key given back.
    async fn give_back(&mut self) {
        let Ok(store) = self.store().await else {
            // The leases lapse by themselves.
            return;
        };
        let cameras: Vec<CameraId> = self.mine.keys().cloned().collect();
        for camera in cameras {
            if let Err(reason) = self.give_up(&store, &camera).await {
                tracing::warn!(camera = %camera, %reason, "lease not given back: it lapses");
            }
        }
        let _ = store.delete(format!("workers.{}", self.id)).await;
        self.held.set(0);
    }
}

/// A key-value bucket, its stream made as the client library would make it (one value a key,
/// kept for `max_age`) when it is not there. The library's own `create_key_value` first reads the
/// account's limits, in a shape that Debian 12's nats-server (2.9) does not answer in.
async fn key_value(
    context: &jetstream::Context,
    bucket: &str,
    description: &str,
    max_age: Duration,
) -> Result<Store, Unreached> {
    context
        .get_or_create_stream(stream::Config {
            name: format!("KV_{bucket}"),
            description: Some(description.to_owned()),
            subjects: vec![format!("$KV.{bucket}.>")],
            max_messages_per_subject: 1,
            max_age,
            allow_rollup: true,
            deny_delete: true,
            allow_direct: true,
            discard: stream::DiscardPolicy::New,
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    context.get_key_value(bucket).await.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cameras_spread_evenly_over_workers_with_room() {
        assert_eq!(fair_share(12, &[100, 100, 100], 100), 4);
        assert_eq!(fair_share(13, &[100, 100, 100], 100), 5);
        // Alone, a worker takes all it may.
        assert_eq!(fair_share(12, &[100], 100), 12);
        assert_eq!(fair_share(12, &[5], 5), 5);
        // What a small worker cannot hold goes to the others.
        assert_eq!(fair_share(12, &[2, 100, 100], 2), 2);
        assert_eq!(fair_share(12, &[2, 100, 100], 100), 5);
        // Not enough room anywhere: each holds what it may.
        assert_eq!(fair_share(12, &[3, 3], 3), 3);
        // No worker has said anything yet (its own key not yet listed).
        assert_eq!(fair_share(12, &[], 7), 7);
    }

    #[test]
    fn shares_add_up_to_every_camera_whenever_the_capacities_allow() {
        for cameras in 0..40 {
            for capacities in [vec![10, 10, 10], vec![1, 30, 4], vec![7], vec![2, 2, 50, 3]] {
                let total: usize = capacities.iter().sum();
                let shares: usize = capacities
                    .iter()
                    .map(|c| fair_share(cameras, &capacities, *c))
                    .sum();
                assert!(
                    shares >= cameras.min(total),
                    "{cameras} over {capacities:?}: {shares}"
                );
                for c in &capacities {
                    assert!(fair_share(cameras, &capacities, *c) <= *c);
                }
            }
        }
    }

    #[test]
    fn workers_reach_for_cameras_in_different_orders() {
        let cameras: Vec<CameraId> = (0..12)
            .map(|i| CameraId::new(format!("cam-{i}")).unwrap())
            .collect();
        let order = |w: &str| {
            let w = WorkerId::new(w).unwrap();
            let mut c = cameras.clone();
            c.sort_by_key(|c| std::cmp::Reverse(preference(&w, c)));
            c
        };
        assert_ne!(order("a")[0], order("b")[0]);
        assert_eq!(order("a"), order("a"));
    }
}
