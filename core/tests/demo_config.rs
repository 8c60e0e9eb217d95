//! The shipped example configuration passes every check.

use std::path::Path;

use gridwatch_core::{
    config::{Config, DecodePolicy},
    ImagePoint,
};

#[test]
fn shipped_demo_config_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/demo.toml");
    let loaded = Config::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let config = &loaded.config;
    assert_eq!(loaded.grids.len(), 4);
    assert_eq!(config.teams.len(), 4);
    assert_eq!(config.cameras.len(), 3);
    assert_eq!(config.rules.len(), 5);
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
fn demo_calibrations_and_zones_are_consistent() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/demo.toml");
    for camera in Config::load(&path).unwrap().config.cameras {
        let calibration = camera
            .calibration
            .as_ref()
            .expect("every demo camera is calibrated");
        let h = camera.homography().unwrap();
        // The surveyed pixels land on their surveyed positions (within a few centimetres).
        for (&[x, y], place) in calibration.image.iter().zip(&calibration.geo) {
            let got = h.to_geo(ImagePoint::new(x, y)).unwrap();
            assert!(
                (got.lon() - place.lon()).abs() < 1e-6 && (got.lat() - place.lat()).abs() < 1e-6,
                "{}: {got} vs {place}",
                camera.id
            );
        }
        for zone in &camera.zones {
            let n = zone.points.len() as f64;
            let centre = ImagePoint::new(
                zone.points.iter().map(|p| p[0]).sum::<f64>() / n,
                zone.points.iter().map(|p| p[1]).sum::<f64>() / n,
            );
            assert!(zone.outline().contains(centre), "{}: zone {}", camera.id, zone.id);
        }
    }
}
