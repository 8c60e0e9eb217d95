//! A test's screenshots, numbered in the order they were taken, under
//! `<target dir>/browser-shots/<test>/`, where they outlive the test for a person to look at.

use std::{
    path::{Path, PathBuf},
    sync::atomic::{AtomicUsize, Ordering},
};

pub struct Shots {
    dir: PathBuf,
    taken: AtomicUsize,
}

impl Shots {
    /// The folder of the test running on this thread (libtest names the thread after it),
    /// emptied of an earlier run's screenshots.
    pub fn for_this_test() -> Self {
        let thread = std::thread::current();
        let test = thread.name().unwrap_or("unnamed").replace("::", ".");
        let dir = target_dir().join("browser-shots").join(test);
        // Best effort: another run of the same test may be writing there at the same time.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        Shots {
            dir,
            taken: AtomicUsize::new(0),
        }
    }

    /// Writes `png` as the next step, `<NN>-<name>.png`, and returns its path.
    pub fn save(&self, name: &str, png: &[u8]) -> PathBuf {
        let step = self.taken.fetch_add(1, Ordering::SeqCst) + 1;
        let path = self.dir.join(format!("{step:02}-{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        path
    }
}

/// Cargo's target dir, wherever CARGO_TARGET_DIR put it: a test runs as
/// `<target dir>/<profile>/deps/<test>-<hash>`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| panic!("{} is not in a cargo target dir", exe.display()))
}
