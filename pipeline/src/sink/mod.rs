//! Where events go when they leave the pipeline.

mod jetstream;
mod json_lines;

pub use jetstream::{Delivery, JetStream, JetStreamError};
pub use json_lines::JsonLines;
