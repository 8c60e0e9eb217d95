//! Object detection with ONNX models through ONNX Runtime (`ort`).

pub mod runtime;
