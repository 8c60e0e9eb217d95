//! Geometry on the rules' hot path: every detection's anchor is tested against every zone of its
//! camera, and every confirmed violation is projected to the map.
//!
//! Run with `cargo bench --bench geometry`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use gridwatch_core::{GeoPoint, Homography, ImagePoint, ImagePolygon};

fn zone_membership(c: &mut Criterion) {
    // A concave pavement outline of the kind cities draw around shopfronts.
    let zone = ImagePolygon::new(&[
        [0.0, 720.0],
        [180.0, 720.0],
        [470.0, 330.0],
        [380.0, 330.0],
        [300.0, 420.0],
        [120.0, 450.0],
        [60.0, 520.0],
        [0.0, 600.0],
    ])
    .unwrap();
    let anchors: Vec<ImagePoint> = (0..64)
        .map(|i| ImagePoint::new((i * 37 % 640) as f64, 300.0 + (i * 53 % 420) as f64))
        .collect();
    c.bench_function("zone contains, 64 anchors", |b| {
        b.iter(|| anchors.iter().filter(|p| zone.contains(black_box(**p))).count())
    });
}

fn projection(c: &mut Criterion) {
    let image =
        [[212.0, 700.0], [1090.0, 700.0], [860.0, 330.0], [420.0, 330.0]].map(|[x, y]| ImagePoint::new(x, y));
    let geo = [
        (119.28540, 26.07105),
        (119.28556, 26.07103),
        (119.28560, 26.07140),
        (119.28544, 26.07142),
    ]
    .map(|(lon, lat)| GeoPoint::new(lon, lat).unwrap());
    c.bench_function("homography fit, 4 points", |b| {
        b.iter(|| Homography::fit(black_box(&image), black_box(&geo)))
    });
    let h = Homography::fit(&image, &geo).unwrap();
    c.bench_function("homography image to geo", |b| {
        b.iter(|| h.to_geo(black_box(ImagePoint::new(640.0, 500.0))))
    });
}

criterion_group!(benches, zone_membership, projection);
criterion_main!(benches);
