//! Replay: recorded scenarios through the same per-camera analysis as live cameras (tracking,
//! view checks, rules, evidence), on the footage's own clock, scored against what the footage is
//! known to contain.

mod run;
mod scenario;
mod score;

use std::path::PathBuf;

use gridwatch_core::config::ConfigErrors;
pub use run::{replay, Replayed};
pub use scenario::{Expected, Meta, Negative, Overrides, Scenario, Thresholds, Truth};
pub use score::{score, Judged, KindScore, ScenarioScore};

use crate::{analysis::AnalysisError, detect::DetectError, rules::RuleError, source::SourceError};

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("scenario `{}`: {reason}", path.display())]
    Scenario { path: PathBuf, reason: String },
    /// A scenario file that does not parse, or whose camera fails the configuration's checks.
    #[error(transparent)]
    Invalid(#[from] ConfigErrors),
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Detect(#[from] DetectError),
    #[error("scenario `{0}`: the footage stopped delivering frames")]
    Stalled(String),
}
