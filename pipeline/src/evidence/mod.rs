//! Evidence a reviewer can trust: the frames that show a violation, as delivered and annotated,
//! each stored with its SHA-256, and a manifest per violation that a later audit can verify.
//!
//! Storage is a directory laid out `date/camera/event/` (the date in UTC of the onset); live
//! running also keeps each camera's last analysed frame in `cameras/` ([`LastFrames`]).

mod clip;
mod encoder;
mod last_frame;
mod manifest;
mod recorder;
mod snapshot;
mod store;

pub use clip::{ClipRing, Cut, Packet};
pub use encoder::{Backlog, Encoder, Ticket, WhenFull, Work, BACKLOG};
pub use last_frame::{LastFrames, LAST_FRAME_INTERVAL};
pub use manifest::{verify, Manifest, Tampered};
pub use recorder::{Clips, Recorder};
pub use snapshot::{annotate, encode_jpeg, plain_and_annotated, Annotation};
pub use store::EvidenceStore;

/// Why evidence could not be made or kept.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("evidence store `{}`: {reason}", path.display())]
    Io {
        path: std::path::PathBuf,
        reason: String,
    },
    #[error("encoding evidence failed: {0}")]
    Encode(String),
}
