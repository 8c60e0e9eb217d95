//! Encoding evidence away from analysis: the recorder decides what to take and when, on the
//! analysis thread, and hands the frames and clip packets over as [`Work`]; the [`Encoder`], on
//! the output thread, turns them into JPEG snapshots, MP4 clips and manifests.
//!
//! Work waiting to be encoded holds raw frames, so how much may wait is bounded by a
//! [`Backlog`]. Live, evidence that does not fit is skipped (counted and logged) rather than
//! making analysis wait; replay waits instead, as it waits for every frame.

use std::{
    path::PathBuf,
    sync::{Arc, Condvar, Mutex, OnceLock},
};

use chrono::{DateTime, Utc};
use gridwatch_core::{EventId, EvidenceKind, EvidenceRef, Frame};

use super::{plain_and_annotated, Annotation, Cut, EvidenceError, EvidenceStore, Manifest};

/// Evidence work that may wait for the encoder at once. Each holds one or two raw frames.
pub const BACKLOG: usize = 16;

/// What to do with evidence when [`BACKLOG`] pieces of work already wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenFull {
    /// Skip it, counted and logged: live analysis never waits for a slow disk.
    Skip,
    /// Wait for room: replay analyses every frame and keeps all its evidence.
    Wait,
}

#[derive(Default)]
struct Count {
    waiting: usize,
    skipped: u64,
}

/// The bound on evidence work waiting to be encoded, shared by the recorders and the encoder.
#[derive(Clone)]
pub struct Backlog {
    limit: usize,
    when_full: WhenFull,
    count: Arc<(Mutex<Count>, Condvar)>,
}

/// A place in the backlog, given back when its work is done (or dropped).
pub struct Ticket {
    count: Arc<(Mutex<Count>, Condvar)>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let (count, freed) = &*self.count;
        count.lock().expect("backlog poisoned").waiting -= 1;
        freed.notify_one();
    }
}

impl Backlog {
    pub fn new(limit: usize, when_full: WhenFull) -> Self {
        Self {
            limit,
            when_full,
            count: Arc::default(),
        }
    }

    /// A place for one piece of work, or `None` when it is to be skipped.
    pub fn admit(&self) -> Option<Ticket> {
        let (count, freed) = &*self.count;
        let mut c = count.lock().expect("backlog poisoned");
        while c.waiting >= self.limit {
            match self.when_full {
                WhenFull::Skip => {
                    c.skipped += 1;
                    return None;
                }
                WhenFull::Wait => c = freed.wait(c).expect("backlog poisoned"),
            }
        }
        c.waiting += 1;
        Some(Ticket {
            count: self.count.clone(),
        })
    }

    /// Evidence skipped so far for want of room.
    pub fn skipped(&self) -> u64 {
        self.count.0.lock().expect("backlog poisoned").skipped
    }
}

/// A frame to be stored plain and annotated.
pub struct Shot {
    pub frame: Frame,
    pub annotation: Annotation,
}

/// An onset snapshot, filled in by the encoder once it has encoded it.
pub type OnsetSlot = Arc<OnceLock<Snapshot>>;

/// A shot, encoded.
pub struct Snapshot {
    plain: Vec<u8>,
    annotated: Vec<u8>,
    at: DateTime<Utc>,
}

/// One piece of evidence work, holding its place in the backlog.
pub struct Work {
    pub(super) ticket: Ticket,
    pub(super) job: Job,
}

pub(super) enum Job {
    /// A case opened: encode its onset frame into `slot`, kept until the case is confirmed.
    Onset { shot: Shot, slot: OnsetSlot },
    /// A violation: store its onset (when taken) and confirmation frames and its clip, sealed by
    /// a manifest.
    Confirmed {
        event: EventId,
        folder: PathBuf,
        onset: Option<OnsetSlot>,
        shot: Shot,
        clip: Option<Cut>,
    },
}

/// Encodes and stores evidence work, in the order it was handed over.
pub struct Encoder {
    store: EvidenceStore,
}

impl Encoder {
    pub fn new(store: EvidenceStore) -> Self {
        Self { store }
    }

    /// Does `work`; for a violation, returns the references of what it stored.
    pub fn perform(&self, work: Work) -> Result<Option<Vec<EvidenceRef>>, EvidenceError> {
        // The ticket is held until the work is done, however it ends.
        let Work { ticket: _held, job } = work;
        Ok(match job {
            Job::Onset { shot, slot } => {
                let _ = slot.set(snapshot(&shot)?);
                None
            }
            Job::Confirmed {
                event,
                folder,
                onset,
                shot,
                clip,
            } => Some(self.store_violation(event, &folder, onset, &shot, clip)?),
        })
    }

    fn store_violation(
        &self,
        event: EventId,
        folder: &std::path::Path,
        onset: Option<OnsetSlot>,
        shot: &Shot,
        clip: Option<Cut>,
    ) -> Result<Vec<EvidenceRef>, EvidenceError> {
        let now = snapshot(shot)?;
        let mut refs = Vec::new();
        let onset = onset.as_ref().and_then(|slot| slot.get());
        for (name, shot) in [("onset", onset), ("confirmed", Some(&now))] {
            let Some(shot) = shot else { continue };
            let save = |file: String, bytes: &[u8], kind| {
                self.store.save(folder, &file, bytes, kind, "image/jpeg", shot.at)
            };
            refs.push(save(format!("{name}.jpg"), &shot.plain, EvidenceKind::Frame)?);
            refs.push(save(
                format!("{name}-annotated.jpg"),
                &shot.annotated,
                EvidenceKind::AnnotatedFrame,
            )?);
        }
        if let Some(cut) = clip {
            let at = cut.span().0;
            refs.push(self.store.save(
                folder,
                "clip.mp4",
                &cut.to_mp4()?,
                EvidenceKind::Clip,
                "video/mp4",
                at,
            )?);
        }
        Manifest {
            event,
            artifacts: refs.clone(),
        }
        .write(self.store.root(), folder)?;
        Ok(refs)
    }
}

fn snapshot(shot: &Shot) -> Result<Snapshot, EvidenceError> {
    let (plain, annotated) = plain_and_annotated(&shot.frame, &shot.annotation)?;
    Ok(Snapshot {
        plain,
        annotated,
        at: shot.frame.wall,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_backlog_skips_and_counts_or_waits_for_room() {
        let skip = Backlog::new(2, WhenFull::Skip);
        let (a, _b) = (skip.admit().unwrap(), skip.admit().unwrap());
        assert!(skip.admit().is_none());
        assert_eq!(skip.skipped(), 1);
        drop(a);
        assert!(skip.admit().is_some(), "a finished piece of work makes room");

        let wait = Backlog::new(1, WhenFull::Wait);
        let held = wait.admit().unwrap();
        let waiter = {
            let wait = wait.clone();
            std::thread::spawn(move || wait.admit().is_some())
        };
        drop(held);
        assert!(waiter.join().unwrap(), "the waiter got the freed place");
        assert_eq!(wait.skipped(), 0);
    }
}
