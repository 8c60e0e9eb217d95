//! The shipped example configuration passes every check.

use std::path::Path;

use gridwatch_core::config::{Config, DecodePolicy};

#[test]
fn shipped_demo_config_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/demo.toml");
    let loaded = Config::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let config = &loaded.config;
    assert_eq!(loaded.grids.len(), 4);
    assert_eq!(config.teams.len(), 4);
    assert_eq!(config.cameras.len(), 3);
    assert_eq!(config.rules.len(), 4);
    assert_eq!(config.cameras[1].decode, DecodePolicy::Fps(1.0));
    assert_eq!(
        config.cameras[2].decode,
        DecodePolicy::Keyframes,
        "keyframes is the default"
    );
    // Relative paths are resolved against the config file's folder.
    assert!(config.grids.geojson.is_absolute() && config.grids.geojson.is_file());
    assert!(
        config.cameras[0].uri.starts_with('/'),
        "{}",
        config.cameras[0].uri
    );
    assert!(
        config.storage.database.starts_with("sqlite:/"),
        "{}",
        config.storage.database
    );
}
