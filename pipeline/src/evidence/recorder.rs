//! Taking each case's evidence at the right moments: the frame when its subject was first seen
//! in violation, the frame when the violation was confirmed ("still there after N minutes"), and
//! a clip of the compressed stream around the onset.

use std::{collections::HashMap, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use gridwatch_core::{
    config::Camera, EventId, EvidenceKind, EvidenceRef, Frame, ImageBox, ViolationKind, ZoneId,
};

use super::{annotate, encode_jpeg, Annotation, ClipRing, Cut, EvidenceError, EvidenceStore, Manifest};
use crate::rules::{Confirmed, Finding};

fn span(d: Duration) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(d).expect("clip spans are minutes at most")
}

struct Snapshot {
    plain: Vec<u8>,
    annotated: Vec<u8>,
    at: DateTime<Utc>,
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
    store: EvidenceStore,
    camera: Camera,
    tz: Tz,
    clips: Option<Clips>,
    /// Onset snapshots of open cases, until they are confirmed or abandoned.
    opened: HashMap<u64, Snapshot>,
    pending: HashMap<u64, PendingClip>,
}

impl Recorder {
    /// Without `clips`, violations get their frames only.
    pub fn new(store: EvidenceStore, camera: &Camera, tz: Tz, clips: Option<Clips>) -> Self {
        Self {
            store,
            camera: camera.clone(),
            tz,
            clips,
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

    /// Follows a finding made on `frame`; for a confirmed violation, stores its evidence (onset
    /// and confirmation frames, plain and annotated, and the manifest) and returns it.
    pub fn observe(
        &mut self,
        finding: &Finding,
        frame: &Frame,
    ) -> Result<Option<Vec<EvidenceRef>>, EvidenceError> {
        match finding {
            Finding::Opened(o) => {
                let snapshot = self.snapshot(frame, &o.kind, o.zone.as_ref(), o.bbox)?;
                self.opened.insert(o.case, snapshot);
                if let Some(clips) = &self.clips {
                    let (before, after) = (span(clips.before), span(clips.after));
                    let (from, to) = (o.onset - before, o.onset + after);
                    self.pending.insert(o.case, PendingClip { from, to, cut: None });
                }
                Ok(None)
            }
            Finding::Abandoned { case } => {
                self.opened.remove(case);
                self.pending.remove(case);
                Ok(None)
            }
            Finding::Confirmed(c) => {
                let event = EventId::derive(&c.camera, &c.kind, c.track, c.onset);
                let folder = EvidenceStore::folder(c.onset, &c.camera, &event);
                let now = self.snapshot(frame, &c.kind, c.zone.as_ref(), c.bbox)?;
                let mut refs = Vec::new();
                let shots = [("onset", self.opened.remove(&c.case)), ("confirmed", Some(now))];
                for (name, shot) in shots {
                    let Some(shot) = shot else { continue };
                    let save = |file: String, bytes: &[u8], kind| {
                        self.store
                            .save(&folder, &file, bytes, kind, "image/jpeg", shot.at)
                    };
                    refs.push(save(format!("{name}.jpg"), &shot.plain, EvidenceKind::Frame)?);
                    refs.push(save(
                        format!("{name}-annotated.jpg"),
                        &shot.annotated,
                        EvidenceKind::AnnotatedFrame,
                    )?);
                }
                if let Some(cut) = self.clip_of(c) {
                    let at = cut.span().0;
                    refs.push(self.store.save(
                        &folder,
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
                .write(self.store.root(), &folder)?;
                Ok(Some(refs))
            }
            Finding::Cleared(_) => Ok(None),
        }
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

    fn snapshot(
        &self,
        frame: &Frame,
        kind: &ViolationKind,
        zone: Option<&ZoneId>,
        subject: ImageBox,
    ) -> Result<Snapshot, EvidenceError> {
        let outline = zone
            .and_then(|z| self.camera.zones.iter().find(|candidate| &candidate.id == z))
            .map(|z| z.points.clone());
        let local = frame.wall.with_timezone(&self.tz).format("%Y-%m-%d %H:%M:%S");
        let caption = format!("{kind} - {} - {local}", self.camera.id);
        Ok(Snapshot {
            plain: encode_jpeg(frame)?,
            annotated: annotate(
                frame,
                &Annotation {
                    subject,
                    zone: outline,
                    caption,
                },
            )?,
            at: frame.wall,
        })
    }
}
