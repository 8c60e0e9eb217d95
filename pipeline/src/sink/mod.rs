//! Where events go when they leave the pipeline.

mod json_lines;

pub use json_lines::JsonLines;
