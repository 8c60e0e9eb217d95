//! Camera streams in, decoded frames out.
//!
//! Each camera's stream runs in a GStreamer pipeline shaped by its decode policy (every frame,
//! keyframes only, or N per second: decode only what the rules need), and its frames go through
//! a bounded [`FrameQueue`] to analysis.

use gridwatch_core::config::{Camera, DecodePolicy, Transport};

mod camera;
mod describe;
mod queue;
mod stream;

pub use camera::{spawn, Backoff, LiveCamera};
pub use describe::describe;
pub use queue::{Doorbell, FrameQueue, Next, Overflow};
pub use stream::{play, play_watched, Finished, Timeline, Watch};

/// What to play and how: the stream, which frames to decode, and (for RTSP) the transport.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamSpec {
    pub uri: String,
    pub decode: DecodePolicy,
    pub transport: Transport,
    /// Start again at the end of a file instead of ending.
    pub looped: bool,
}

impl StreamSpec {
    /// A stream over TCP (for RTSP), played once.
    pub fn new(uri: impl Into<String>, decode: DecodePolicy) -> Self {
        Self {
            uri: uri.into(),
            decode,
            transport: Transport::Tcp,
            looped: false,
        }
    }

    /// The camera's analysed stream, as configured.
    pub fn detect_stream(camera: &Camera) -> Self {
        Self {
            uri: camera.uri.clone(),
            decode: camera.decode,
            transport: camera.transport,
            looped: camera.looped,
        }
    }
}

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
    /// Started, but no frame came within the stall time: a source that will never deliver (a
    /// hung encoder, or a pipeline that lost its error while starting) is started again.
    #[error("no frame within {0:?} of starting")]
    Silent(std::time::Duration),
}
