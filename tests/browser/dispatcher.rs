//! The dispatcher the pages come from: the real `gridwatch dispatcher` with the demo town's
//! configuration (or a test's own copy of it), on a free loopback port, keeping its SQLite database
//! and evidence in a folder of its own; killed on drop.

use std::path::Path;

use crate::common;

pub struct Dispatcher {
    /// Killed when dropped.
    _process: common::Started,
    /// Its base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// Holds its configuration, database and evidence.
    pub dir: tempfile::TempDir,
}

impl Dispatcher {
    /// Starts it on the demo town as it is, and returns once it listens.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (config, _) = common::demo_copy(dir.path(), Self::on_a_free_port);
        Self::start_on(dir, &config)
    }

    /// Starts it on `config`, a test's copy of the demo in `dir` (see [`common::demo_copy`], and
    /// [`Self::on_a_free_port`] for its `[api] bind`), and returns once it listens.
    pub fn start_on(dir: tempfile::TempDir, config: &Path) -> Self {
        let (process, url) = common::start_dispatcher(config);
        Dispatcher {
            _process: process,
            url,
            dir,
        }
    }

    /// The demo's `[api] bind` moved to a port the system picks, so that tests never collide.
    pub fn on_a_free_port(demo: String) -> String {
        demo.replace("127.0.0.1:8080", "127.0.0.1:0")
    }
}
