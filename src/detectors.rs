//! What every command that analyses video loads first: the configuration, its model card, the
//! rules' classes checked against it, and detector sessions. Problems come back as message lines.

use std::path::Path;

use gridwatch_core::config::{Config, ConfigErrors, LoadedConfig, ModelSource};
use gridwatch_pipeline::detect::{runtime, AnalysisRegions, Detector, DetectorOptions, ModelCard};

fn lines(errors: ConfigErrors) -> Vec<String> {
    errors.0.iter().map(ToString::to_string).collect()
}

fn one(e: &dyn std::fmt::Display) -> Vec<String> {
    vec![e.to_string()]
}

pub fn load_config(path: &Path) -> Result<LoadedConfig, Vec<String>> {
    Config::load(path).map_err(lines)
}

/// The `[model]` section, which `command` cannot do without.
pub fn required_model<'c>(loaded: &'c LoadedConfig, command: &str) -> Result<&'c ModelSource, Vec<String>> {
    loaded.config.model.as_ref().ok_or_else(|| {
        vec![format!(
            "{}: {command} needs a [model] section",
            loaded.path.display()
        )]
    })
}

/// `count` detector sessions for `source`, after checking the rules' classes against its card;
/// each looks only within its camera's analysed region.
pub fn detectors(
    loaded: &LoadedConfig,
    source: &ModelSource,
    count: usize,
) -> Result<Vec<Detector>, Vec<String>> {
    let runtime = runtime::init().map_err(|e| one(&e))?;
    let card = ModelCard::load(&source.card).map_err(|e| one(&e))?;
    loaded.check_classes(&card.classes, &source.card).map_err(lines)?;
    let regions = AnalysisRegions::new(&loaded.config.cameras, &loaded.config.rules);
    (0..count.max(1))
        .map(|_| {
            Detector::load(runtime, card.clone(), DetectorOptions::from_config(source))
                .map(|detector| detector.with_regions(regions.clone()))
                .map_err(|e| one(&e))
        })
        .collect()
}
