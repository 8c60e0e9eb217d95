//! Camera streams in, decoded frames out.
//!
//! Each camera's stream runs in a GStreamer pipeline shaped by its decode policy (every frame,
//! keyframes only, or N per second: decode only what the rules need), and its frames go through
//! a bounded [`FrameQueue`] to analysis.

mod camera;
mod describe;
mod queue;
mod stream;

pub use camera::{spawn, Backoff, LiveCamera};
pub use describe::describe;
pub use queue::{Doorbell, FrameQueue, Next, Overflow};
pub use stream::{play, play_watched, Finished, Timeline, Watch};

/// Why a stream could not be played; each names the part at fault.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("`{0}://` streams are not supported")]
    Scheme(String),
    #[error("GStreamer: {0}")]
    Gstreamer(String),
    #[error("{element}: {message}")]
    Stream { element: String, message: String },
    #[error("bad frame: {0}")]
    Frame(&'static str),
}
