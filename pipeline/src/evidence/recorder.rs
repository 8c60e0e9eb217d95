//! Taking each case's evidence at the right moments: the frame when its subject was first seen
//! in violation, and the frame when the violation was confirmed ("still there after N minutes").

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use gridwatch_core::{
    config::Camera, EventId, EvidenceKind, EvidenceRef, Frame, ImageBox, ViolationKind, ZoneId,
};

use super::{annotate, encode_jpeg, Annotation, EvidenceError, EvidenceStore, Manifest};
use crate::rules::Finding;

struct Snapshot {
    plain: Vec<u8>,
    annotated: Vec<u8>,
    at: DateTime<Utc>,
}

/// One camera's evidence taker.
pub struct Recorder {
    store: EvidenceStore,
    camera: Camera,
    tz: Tz,
    /// Onset snapshots of open cases, until they are confirmed or abandoned.
    opened: HashMap<u64, Snapshot>,
}

impl Recorder {
    pub fn new(store: EvidenceStore, camera: &Camera, tz: Tz) -> Self {
        Self {
            store,
            camera: camera.clone(),
            tz,
            opened: HashMap::new(),
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
                Ok(None)
            }
            Finding::Abandoned { case } => {
                self.opened.remove(case);
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
