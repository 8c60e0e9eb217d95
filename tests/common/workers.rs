//! `gridwatch worker` processes and the lease bucket they share, as the many-machine tests see
//! them. Needs the test's `common` and `nats` modules beside it.

#![allow(dead_code)] // each test file uses its own part of this

use std::{collections::BTreeMap, path::Path};

use async_nats::jetstream;
use futures_util::StreamExt;

use crate::{
    common::{sample, scrape, start, wait_for, Started, DEMO_CAMERAS},
    nats,
};

pub struct Worker {
    pub name: &'static str,
    pub child: Started,
    pub metrics: String,
}

impl Worker {
    /// Starts worker `name` on `config`, which has `cameras` cameras, with metrics on a free port.
    pub fn start(name: &'static str, config: &str, cameras: usize) -> Self {
        let port = nats::free_port();
        let address = format!("127.0.0.1:{port}");
        let args = [
            "worker",
            "--config",
            config,
            "--id",
            name,
            "--metrics",
            &address,
            "--seconds",
            "900",
        ];
        let (child, said) = start(&args, "gridwatch: worker ");
        assert!(
            said.starts_with(&format!("{name} shares {cameras} cameras")),
            "{said}"
        );
        Worker {
            name,
            child,
            metrics: format!("http://{address}/metrics"),
        }
    }

    pub fn exposition(&self) -> String {
        scrape(&self.metrics)
    }

    /// Frames of `camera` this worker has analysed.
    pub fn analysed(&self, camera: &str) -> f64 {
        let series = format!("gridwatch_pipeline_frames_analysed_total{{camera=\"{camera}\"}}");
        sample(&self.exposition(), &series).unwrap_or(0.0)
    }

    /// Stops it in order (SIGINT), as an operator does, and checks that it ended well.
    pub fn stop(mut self) {
        // SAFETY: kill only sends a signal to the child this test started.
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) }, 0);
        assert!(self.child.wait().unwrap().success(), "{} ended badly", self.name);
    }
}

/// Who holds each camera's lease, read from the bucket as an operator would.
pub fn holders(runtime: &tokio::runtime::Runtime, url: &str) -> BTreeMap<String, String> {
    runtime.block_on(async {
        let client = async_nats::connect(url).await.unwrap();
        let Ok(store) = jetstream::new(client).get_key_value("gridwatch-leases").await else {
            return BTreeMap::new();
        };
        let mut keys = store.keys().await.unwrap();
        let mut held = BTreeMap::new();
        while let Some(key) = keys.next().await {
            let key = key.unwrap();
            if let Some(camera) = key.strip_prefix("cameras.") {
                if let Some(worker) = store.get(&key).await.unwrap() {
                    held.insert(camera.to_owned(), String::from_utf8(worker.to_vec()).unwrap());
                }
            }
        }
        held
    })
}

/// Waits until each of `cameras` is analysed by the worker of `fleet` that `held` says holds it.
pub fn heirs_analyse(fleet: &[Worker], held: &BTreeMap<String, String>, cameras: &[String]) {
    for camera in cameras {
        let heir = fleet.iter().find(|w| w.name == held[camera]).unwrap();
        wait_for(
            &format!("{} analyses {camera}", heir.name),
            || heir.analysed(camera),
            |n| *n > 0.0,
        );
    }
}

/// How many cameras `worker` holds.
pub fn count(held: &BTreeMap<String, String>, worker: &str) -> usize {
    held.values().filter(|w| *w == worker).count()
}

/// The demo's cameras again under other ids: each of `suffixes` added to every id (`""` keeps
/// the demo's own).
pub fn cameras_again(demo: String, suffixes: &[&str]) -> String {
    let from = demo.find("[[cameras]]").unwrap();
    let to = demo.find("[[rules]]").unwrap();
    let again: String = suffixes
        .iter()
        .filter(|s| !s.is_empty())
        .map(|suffix| {
            DEMO_CAMERAS
                .iter()
                .fold(demo[from..to].to_owned(), |cameras, camera| {
                    cameras.replace(
                        &format!("id = \"{camera}\""),
                        &format!("id = \"{camera}{suffix}\""),
                    )
                })
        })
        .collect();
    format!("{}{again}{}", &demo[..to], &demo[to..])
}

/// The ids [`cameras_again`] gives.
pub fn camera_ids(suffixes: &[&str]) -> Vec<String> {
    let mut ids: Vec<String> = suffixes
        .iter()
        .flat_map(|suffix| DEMO_CAMERAS.iter().map(move |c| format!("{c}{suffix}")))
        .collect();
    ids.sort();
    ids
}

/// What a configuration needs for workers: events to the NATS server at `url` (spooled at
/// `spool` while it is away) and leases of `lease_secs`.
pub fn shared_settings(url: &str, spool: &Path, lease_secs: u64) -> String {
    format!(
        "\n[output.nats]\nurl = \"{url}\"\nspool = \"{}\"\n\n[workers]\nlease = \"{lease_secs}s\"\n",
        spool.display()
    )
}
