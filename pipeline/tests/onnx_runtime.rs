//! The ONNX Runtime that `scripts/setup` installs loads and runs a real graph through `ort`.

use std::path::Path;

use gridwatch_pipeline::detect::runtime;
use ndarray::Array4;
use ort::{session::Session, value::TensorRef};

#[test]
fn project_runtime_runs_a_model_with_a_dynamic_batch() {
    let rt = runtime::init().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rt.path, runtime::locate().unwrap());
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/affine.onnx");
    let mut session = Session::builder(&rt.environment)
        .unwrap()
        .commit_from_file(&model)
        .unwrap();
    assert_eq!(session.inputs()[0].name(), "x");

    let x = Array4::from_shape_fn((2, 3, 4, 4), |(b, c, h, w)| {
        (b * 48 + c * 16 + h * 4 + w) as f32 / 10.0
    });
    let outputs = session
        .run(ort::inputs![TensorRef::from_array_view(&x).unwrap()])
        .unwrap();
    let y = outputs["y"].try_extract_array::<f32>().unwrap();

    assert_eq!(y.shape(), &[2, 3, 4, 4]);
    for (got, input) in y.iter().zip(x.iter()) {
        assert_eq!(*got, input * 2.0 + 1.0);
    }
}
