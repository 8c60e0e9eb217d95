//! Finding and loading the ONNX Runtime shared library.
//!
//! `ort` is built with `load-dynamic`: nothing is linked or downloaded at build time, and the
//! library is opened when the process starts analysing. It is looked for in two places, in order:
//!
//! 1. `ORT_DYLIB_PATH`, when set: an explicit choice, so a wrong path is an error, not a fallback;
//! 2. the project-local install that `scripts/setup` makes from the pinned PyPI `onnxruntime`
//!    wheel: `.ort/lib/libonnxruntime.so` in the source tree this binary was built from.

use std::{
    ffi::OsString,
    path::{Path, PathBuf},
    sync::OnceLock,
};

/// Why ONNX Runtime could not be started. Each message says what to do about it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RuntimeError {
    #[error(
        "ORT_DYLIB_PATH is `{}`, which does not exist; point it at a libonnxruntime.so, or unset it and run `{}` to install the project's copy",
        .0.display(),
        install_command()
    )]
    EnvPathMissing(PathBuf),
    #[error("the ONNX Runtime library is not installed (no file at `{}`); install it with `{}`", .0.display(), install_command())]
    NotInstalled(PathBuf),
    #[error("cannot load ONNX Runtime from `{}`: {reason}; reinstall it with `{}`", path.display(), install_command())]
    Load { path: PathBuf, reason: String },
    #[error("ONNX Runtime loaded from `{}` but failed to start: {reason}", path.display())]
    Start { path: PathBuf, reason: String },
}

/// The loaded runtime and where it came from.
pub struct Runtime {
    pub path: PathBuf,
    pub environment: ort::environment::Environment,
}

/// The source tree this binary was built from.
fn source_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the pipeline crate sits inside the workspace")
}

/// The command that installs the project-local runtime.
pub fn install_command() -> String {
    source_root().join("scripts/setup").display().to_string()
}

/// Where `scripts/setup` puts the library.
pub fn project_library() -> PathBuf {
    source_root().join(".ort/lib/libonnxruntime.so")
}

/// The library to load: `ORT_DYLIB_PATH` if set, else the project-local install.
pub fn locate() -> Result<PathBuf, RuntimeError> {
    locate_from(std::env::var_os("ORT_DYLIB_PATH"), &project_library())
}

fn locate_from(env: Option<OsString>, project: &Path) -> Result<PathBuf, RuntimeError> {
    match env.filter(|v| !v.is_empty()).map(PathBuf::from) {
        Some(path) if path.is_file() => Ok(path),
        Some(path) => Err(RuntimeError::EnvPathMissing(path)),
        None if project.is_file() => Ok(project.to_path_buf()),
        None => Err(RuntimeError::NotInstalled(project.to_path_buf())),
    }
}

/// Loads the runtime and creates the process's ONNX Runtime environment, once: ONNX Runtime allows
/// one environment per process, so every later call returns the same one (or the same error).
pub fn init() -> Result<&'static Runtime, RuntimeError> {
    static RUNTIME: OnceLock<Result<Runtime, RuntimeError>> = OnceLock::new();
    RUNTIME.get_or_init(start).as_ref().map_err(Clone::clone)
}

fn start() -> Result<Runtime, RuntimeError> {
    let path = locate()?;
    let builder = ort::init_from(&path).map_err(|e| RuntimeError::Load {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    let environment = builder
        .with_name("gridwatch")
        .build()
        .map_err(|e| RuntimeError::Start {
            path: path.clone(),
            reason: e.to_string(),
        })?;
    Ok(Runtime { path, environment })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_path_wins_over_the_project_install() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        let (explicit, project) = (dir.join("custom.so"), dir.join("project.so"));
        std::fs::write(&explicit, b"").unwrap();
        std::fs::write(&project, b"").unwrap();
        assert_eq!(
            locate_from(Some(explicit.clone().into()), &project).unwrap(),
            explicit
        );
        assert_eq!(locate_from(None, &project).unwrap(), project);
        assert_eq!(
            locate_from(Some(OsString::new()), &project).unwrap(),
            project,
            "empty means unset"
        );
    }

    #[test]
    fn missing_library_says_which_command_installs_it() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join(".ort/lib/libonnxruntime.so");
        let message = locate_from(None, &project).unwrap_err().to_string();
        assert_eq!(
            message,
            format!(
                "the ONNX Runtime library is not installed (no file at `{}`); install it with `{}`",
                project.display(),
                install_command()
            )
        );
        assert!(install_command().ends_with("/scripts/setup"), "{message}");
        assert!(
            Path::new(&install_command()).is_file(),
            "the named command exists: {message}"
        );
    }

    #[test]
    fn wrong_explicit_path_is_an_error_not_a_fallback() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        let project = dir.join("project.so");
        std::fs::write(&project, b"").unwrap();
        let err = locate_from(Some(dir.join("nope.so").into()), &project).unwrap_err();
        assert!(matches!(err, RuntimeError::EnvPathMissing(_)), "{err}");
        assert!(err.to_string().contains("ORT_DYLIB_PATH is `"), "{err}");
    }
}
