//! Taking each case's evidence at the right moments: the frame when its subject was first seen
//! in violation, the frame when the violation was confirmed ("still there after N minutes"), and
//! a clip of the compressed stream around the onset.
//!
//! The recorder runs on the analysis thread and only decides: what it takes goes to the
//! [`Encoder`](super::Encoder) as [`Work`], when the [`Backlog`] has room for it.

use std::{collections::HashMap, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use gridwatch_core::{config::Camera, EventId, Frame, ImageBox, ViolationKind, ZoneId};

use super::{
    encoder::{Job, OnsetSlot, Shot},
    Annotation, Backlog, ClipRing, Cut, EvidenceStore, Ticket, Work,
};
use crate::rules::{Confirmed, Finding};

fn span(d: Duration) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(d).expect("clip spans are minutes at most")
}
/// Where a camera's clips are cut from, and how much of the stream each holds around the onset.
pub struct Clips {
    pub ring: Arc<ClipRing>,
    pub before: Duration,
    pub after: Duration,
}

impl Clips {
    /// A ring that keeps enough of the stream for clips from `before` the onset to `after` it.
    /// Onsets lie up to the tracker's history before the finding that opens a case: the ring
    /// keeps that much more.
    pub fn new(before: Duration, after: Duration) -> Self {
        Self {
            ring: ClipRing::new(before + Duration::from_secs(30)),
            before,
            after,
        }
    }
}

/// An open case's clip: its window, and its packets once the stream has passed the window's end.
struct PendingClip {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    cut: Option<Cut>,
}

/// One camera's evidence taker.
pub struct Recorder {
    camera: Camera,
    tz: Tz,
    clips: Option<Clips>,
    backlog: Backlog,
    /// Onset snapshots of open cases (filled in by the encoder), until they are confirmed or
    /// abandoned.
    opened: HashMap<u64, OnsetSlot>,
    pending: HashMap<u64, PendingClip>,
}

impl Recorder {
    /// Without `clips`, violations get their frames only. Its work waits in `backlog`.
    pub fn new(camera: &Camera, tz: Tz, clips: Option<Clips>, backlog: Backlog) -> Self {
        Self {
            camera: camera.clone(),
            tz,
            clips,
            backlog,
            opened: HashMap::new(),
            pending: HashMap::new(),
        }
    }

    /// Called for every analysed frame, with its time: cuts the clips whose window the stream
    /// has passed, while their packets are still in the ring.
    pub fn advance(&mut self, at: DateTime<Utc>) {
        let Some(clips) = &self.clips else { return };
        clips.ring.analysed(at);
        let Some(newest) = clips.ring.newest() else { return };
        for clip in self
            .pending
            .values_mut()
            .filter(|c| c.cut.is_none() && c.to <= newest)
        {
            clip.cut = clips.ring.cut(clip.from, clip.to);
        }
    }

    /// Follows a finding made on `frame`: an opened case's onset frame and a confirmed
    /// violation's evidence become work for the encoder. Evidence the backlog has no room for is
    /// skipped, logged with how much has been so far.
    pub fn observe(&mut self, finding: &Finding, frame: &Frame) -> Option<Work> {
        match finding {
            Finding::Opened(o) => {
                if let Some(clips) = &self.clips {
                    let (before, after) = (span(clips.before), span(clips.after));
                    let (from, to) = (o.onset - before, o.onset + after);
                    self.pending.insert(o.case, PendingClip { from, to, cut: None });
                }
                let ticket = self.admit()?;
                let slot = OnsetSlot::default();
                self.opened.insert(o.case, slot.clone());
                let shot = self.shot(frame, &o.kind, o.zone.as_ref(), o.bbox);
                Some(Work {
                    ticket,
                    job: Job::Onset { shot, slot },
                })
            }
            Finding::Abandoned { case } => {
                self.opened.remove(case);
                self.pending.remove(case);
                None
            }
            Finding::Confirmed(c) => {
                let onset = self.opened.remove(&c.case);
                let clip = self.clip_of(c);
                let ticket = self.admit()?;
                let event = EventId::derive(&c.camera, &c.kind, c.track, c.onset);
                Some(Work {
                    ticket,
                    job: Job::Confirmed {
                        event,
                        folder: EvidenceStore::folder(c.onset, &c.camera, &event),
                        onset,
                        shot: self.shot(frame, &c.kind, c.zone.as_ref(), c.bbox),
                        clip,
                    },
                })
            }
            Finding::Cleared(_) => None,
        }
    }

    fn admit(&self) -> Option<Ticket> {
        let ticket = self.backlog.admit();
        if ticket.is_none() {
            // Logged at each doubling: a disk that cannot keep up skips a lot.
            let skipped = self.backlog.skipped();
            if skipped.is_power_of_two() {
                tracing::warn!(
                    skipped,
                    "evidence skipped: the encoder already has its fill of work waiting"
                );
            }
        }
        ticket
    }

    /// The confirmed case's clip: cut when the stream passed its window, or, when confirmation
    /// comes first, what the stream holds up to now.
    fn clip_of(&mut self, c: &Confirmed) -> Option<Cut> {
        let clips = self.clips.as_ref()?;
        let pending = self.pending.remove(&c.case);
        if let Some(cut) = pending.as_ref().and_then(|p| p.cut.as_ref()) {
            return Some(Cut::clone(cut));
        }
        let from = pending.map_or(c.onset - span(clips.before), |p| p.from);
        clips.ring.cut(from, clips.ring.newest()?)
    }

    /// `frame` with what to draw on it.
    fn shot(&self, frame: &Frame, kind: &ViolationKind, zone: Option<&ZoneId>, subject: ImageBox) -> Shot {
        let outline = zone
            .and_then(|z| self.camera.zones.iter().find(|candidate| &candidate.id == z))
            .map(|z| z.points.clone());
        let local = frame.wall.with_timezone(&self.tz).format("%Y-%m-%d %H:%M:%S");
        let caption = format!("{kind} - {} - {local}", self.camera.id);
        Shot {
            frame: frame.clone(),
            annotation: Annotation {
                subject,
                zone: outline,
                caption,
            },
        }
    }
}
