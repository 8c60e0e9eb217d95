//! Events as JSON Lines: one event per line, in the shape of docs/events.md, flushed as written.

use std::{
    fs::{File, OpenOptions},
    io::{self, BufWriter, Write},
    path::{Path, PathBuf},
};

use gridwatch_core::PipelineEvent;

pub struct JsonLines {
    path: PathBuf,
    out: BufWriter<File>,
}

impl JsonLines {
    /// Appends to `path`, creating it (and its folder) if needed.
    pub fn open(path: &Path) -> io::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self {
            path: path.to_path_buf(),
            out: BufWriter::new(file),
        })
    }

    /// Writes one event and flushes it, so that a crash loses nothing already written.
    pub fn write(&mut self, event: &PipelineEvent) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, event).map_err(io::Error::other)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use gridwatch_core::{CameraHealth, CameraId, CameraState};

    use super::*;

    #[test]
    fn events_are_appended_one_per_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out/events.jsonl");
        let event = |state| {
            PipelineEvent::CameraHealth(CameraHealth {
                camera: CameraId::new("c").unwrap(),
                state,
                at: Utc::now(),
                detail: None,
            })
        };
        JsonLines::open(&path)
            .unwrap()
            .write(&event(CameraState::Online))
            .unwrap();
        JsonLines::open(&path)
            .unwrap()
            .write(&event(CameraState::Offline))
            .unwrap();
        let lines: Vec<PipelineEvent> = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert!(matches!(&lines[1], PipelineEvent::CameraHealth(h) if h.state == CameraState::Offline));
    }
}
