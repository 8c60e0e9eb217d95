//! A file that is not ONNX Runtime gives an error naming it and the fix, not a crash.
//! (Its own test binary: the runtime library is process-global.)

use gridwatch_pipeline::detect::runtime::{self, RuntimeError};

#[test]
fn a_file_that_is_not_the_runtime_is_reported_not_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("libonnxruntime.so");
    std::fs::write(&fake, b"this is not a shared library").unwrap();
    std::env::set_var("ORT_DYLIB_PATH", &fake);

    let err = runtime::init().err().expect("loading a text file must fail");
    assert!(matches!(err, RuntimeError::Load { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("cannot load ONNX Runtime from `{}`: ", fake.display())),
        "{message}"
    );
    assert!(
        message.ends_with(&format!("reinstall it with `{}`", runtime::install_command())),
        "{message}"
    );
}
