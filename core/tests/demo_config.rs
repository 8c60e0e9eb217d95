//! The shipped example configuration passes every check.

use std::path::Path;

use gridwatch_core::{
    config::{Config, DecodePolicy},
    GeoPoint, ImagePoint,
};

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

#[test]
fn demo_calibration_places_the_pavement_on_the_map() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/demo.toml");
    let camera = Config::load(&path).unwrap().config.cameras.remove(0);
    let h = camera.homography().expect("market-st is calibrated");
    // Halfway between the two surveyed points at the bottom of the frame.
    let got = h.to_geo(ImagePoint::new(651.0, 700.0)).unwrap();
    let want = GeoPoint::new(119.28548, 26.07104).unwrap();
    assert!(
        (got.lon() - want.lon()).abs() < 2e-5 && (got.lat() - want.lat()).abs() < 2e-5,
        "{got}"
    );
    let pavement = camera
        .zones
        .iter()
        .find(|z| z.id.as_str() == "pavement")
        .unwrap()
        .outline();
    assert!(pavement.contains(ImagePoint::new(450.0, 600.0)));
    assert!(
        !pavement.contains(ImagePoint::new(900.0, 600.0)),
        "that is the market"
    );
}
