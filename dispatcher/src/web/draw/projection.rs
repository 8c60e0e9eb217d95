//! Longitude/latitude → drawing coordinates: a local equirectangular projection, plenty for the
//! few kilometres of a county town (x = (lon − lon₀)·cos lat₀, y = −(lat − lat₀), scaled).

/// The smallest extent drawn, in degrees (about 100 m): a single point still gets a neighbourhood.
const MIN_SPAN_DEG: f64 = 0.001;

/// The extent of some places, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Bounds {
    pub min_lon: f64,
    pub max_lon: f64,
    pub min_lat: f64,
    pub max_lat: f64,
}

impl Bounds {
    /// The bounds of the finite `[lon, lat]` pairs among `points`; `None` when there are none.
    pub fn of(points: impl IntoIterator<Item = [f64; 2]>) -> Option<Bounds> {
        points
            .into_iter()
            .filter(|[lon, lat]| lon.is_finite() && lat.is_finite())
            .fold(None, |b: Option<Bounds>, [lon, lat]| {
                Some(match b {
                    None => Bounds {
                        min_lon: lon,
                        max_lon: lon,
                        min_lat: lat,
                        max_lat: lat,
                    },
                    Some(b) => Bounds {
                        min_lon: b.min_lon.min(lon),
                        max_lon: b.max_lon.max(lon),
                        min_lat: b.min_lat.min(lat),
                        max_lat: b.max_lat.max(lat),
                    },
                })
            })
    }

    fn centre(&self) -> [f64; 2] {
        [
            (self.min_lon + self.max_lon) / 2.0,
            (self.min_lat + self.max_lat) / 2.0,
        ]
    }

    /// East–west and north–south extent in projected units (latitude degrees).
    fn spans(&self) -> [f64; 2] {
        let k = self.centre()[1].to_radians().cos();
        [
            ((self.max_lon - self.min_lon) * k).max(MIN_SPAN_DEG),
            (self.max_lat - self.min_lat).max(MIN_SPAN_DEG),
        ]
    }

    /// Height over width, as drawn.
    pub fn aspect(&self) -> f64 {
        let [w, h] = self.spans();
        h / w
    }
}

/// Places `Bounds` in a `width` × `height` box, centred, with at least `margin` on every side.
#[derive(Debug, Clone, Copy)]
pub(super) struct Projection {
    lon0: f64,
    lat0: f64,
    cos_lat0: f64,
    scale: f64,
    cx: f64,
    cy: f64,
}

impl Projection {
    pub fn fit(bounds: &Bounds, width: f64, height: f64, margin: f64) -> Projection {
        let [lon0, lat0] = bounds.centre();
        let [span_x, span_y] = bounds.spans();
        let scale = ((width - 2.0 * margin) / span_x).min((height - 2.0 * margin) / span_y);
        Projection {
            lon0,
            lat0,
            cos_lat0: lat0.to_radians().cos(),
            scale: scale.max(0.0),
            cx: width / 2.0,
            cy: height / 2.0,
        }
    }

    /// Drawing coordinates of a place; `None` for a place that is not a number (NaN, ±∞).
    pub fn point(&self, lon: f64, lat: f64) -> Option<[f64; 2]> {
        let x = self.cx + (lon - self.lon0) * self.cos_lat0 * self.scale;
        let y = self.cy - (lat - self.lat0) * self.scale;
        (x.is_finite() && y.is_finite()).then_some([x, y])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corners_of_the_bounds_land_on_the_margin() {
        let b = Bounds::of([[119.28, 26.06], [119.30, 26.075]]).unwrap();
        let k = 26.0675_f64.to_radians().cos();
        let (w, h, m) = (1000.0, 2.0 * 20.0 + 960.0 * 0.015 / (0.02 * k), 20.0);
        let p = Projection::fit(&b, w, h, m);
        let [x, y] = p.point(119.28, 26.075).unwrap();
        assert!(
            (x - 20.0).abs() < 1e-6 && (y - 20.0).abs() < 1e-6,
            "north-west at {x},{y}"
        );
        let [x, y] = p.point(119.30, 26.06).unwrap();
        assert!(
            (x - 980.0).abs() < 1e-6 && (y - (h - 20.0)).abs() < 1e-6,
            "south-east at {x},{y}"
        );
    }

    #[test]
    fn places_that_are_not_numbers_have_no_position() {
        let b = Bounds::of([[f64::NAN, 1.0], [119.0, 26.0], [f64::INFINITY, 0.0]]).unwrap();
        assert_eq!((b.min_lon, b.max_lat), (119.0, 26.0));
        let p = Projection::fit(&b, 300.0, 200.0, 10.0);
        assert_eq!(p.point(f64::NAN, 26.0), None);
        assert_eq!(p.point(119.0, f64::NEG_INFINITY), None);
        assert_eq!(
            p.point(119.0, 26.0),
            Some([150.0, 100.0]),
            "a lone point is centred"
        );
        assert_eq!(Bounds::of([[f64::NAN, f64::NAN]]), None);
    }
}
