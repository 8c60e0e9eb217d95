//! The contracts both halves of gridwatch share.
//!
//! The pipeline (cameras → detections → violations) and the dispatcher (violations → cases → tasks)
//! never depend on each other; they meet only through the types here: the events that cross a
//! transport, the identifiers and violation kinds they name, the geometry both sides reason with,
//! the configuration file they are both started from, and the clock that drives them.
//!
//! Nothing here does I/O beyond reading the configuration file and the files it names.

pub mod clock;
pub mod config;
mod detection;
pub mod event;
mod frame;
pub mod geometry;
pub mod id;
pub mod redact;

pub use clock::{Clock, SimulatedClock, WallClock};
pub use detection::Detection;
pub use event::{
    CameraHealth, CameraState, EventId, EvidenceKind, EvidenceRef, LocationSource, ModelRef, PipelineEvent,
    Sha256Hex, ViolationCleared, ViolationEvent,
};
pub use frame::{chroma_size, last_frame_path, yuv420_planes, Frame, Pixels, YuvColour, YuvMatrix};
pub use geometry::{GeoPoint, GeoPolygon, Homography, ImageBox, ImagePoint, ImagePolygon};
pub use id::{CameraId, GridId, Id, IdError, MemberId, RuleId, ViolationKind, WorkerId, ZoneId, ZoneRole};
