//! gridwatch's pipeline: camera streams in, confirmed violations out.
//!
//! GStreamer, ONNX Runtime and OpenCV live here and nowhere else; the pipeline hands its results
//! to the dispatcher only as `gridwatch-core` events over a transport.

pub mod analysis;
pub mod detect;
pub mod evidence;
pub mod lease;
pub mod metrics;
pub mod replay;
pub mod rules;
pub mod sink;
pub mod source;
pub mod topology;
pub mod track;
pub mod view;
