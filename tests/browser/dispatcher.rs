//! The dispatcher the pages come from: the real `gridwatch dispatcher` with the demo town's
//! configuration, on a free loopback port, keeping its SQLite database and evidence in a folder of
//! its own; killed on drop.

use std::process::Child;

use crate::common;

pub struct Dispatcher {
    child: Child,
    /// Its base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// Holds its configuration, database and evidence.
    pub dir: tempfile::TempDir,
}

impl Dispatcher {
    /// Starts it and returns once it listens.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (config, _) = common::demo_copy(dir.path(), |demo| demo.replace("127.0.0.1:8080", "127.0.0.1:0"));
        let (child, url) = common::start(
            &["dispatcher", "--config", config.to_str().unwrap()],
            "gridwatch dispatcher: listening on ",
        );
        Dispatcher { child, url, dir }
    }
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
