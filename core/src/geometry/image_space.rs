//! Image-space geometry, in source-frame pixels with the origin at the top-left corner.

use geo::{Coord, Intersects, LineString, Point, Polygon, Validation};
use serde::{Deserialize, Serialize};

/// A point in source-frame pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ImagePoint {
    pub x: f64,
    pub y: f64,
}

impl ImagePoint {
    pub fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }
}

/// An axis-aligned box in source-frame pixels: `(x1, y1)` top-left, `(x2, y2)` bottom-right.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ImageBox {
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

impl ImageBox {
    /// Where an object touches the ground: the middle of the box's bottom edge. Rules test zones
    /// here by default, because the box's centre of a tall object lies far above its footprint.
    pub fn bottom_center(&self) -> ImagePoint {
        ImagePoint::new((self.x1 + self.x2) / 2.0, self.y2)
    }

    pub fn center(&self) -> ImagePoint {
        ImagePoint::new((self.x1 + self.x2) / 2.0, (self.y1 + self.y2) / 2.0)
    }
}

/// Why a list of points is not a usable zone outline.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolygonError {
    #[error("has {0} points; a polygon needs at least 3")]
    TooFewPoints(usize),
    #[error("has a point that is not a finite number")]
    NotFinite,
    #[error("is not a simple polygon ({0})")]
    Invalid(String),
}

/// A zone outline in source-frame pixels. Closed implicitly: the last point joins the first.
///
/// Serialized as a list of `[x, y]` pairs, the way zones are written in the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ImagePolygon {
    polygon: Polygon<f64>,
}

impl ImagePolygon {
    pub fn new(points: &[[f64; 2]]) -> Result<Self, PolygonError> {
        if points.len() < 3 {
            return Err(PolygonError::TooFewPoints(points.len()));
        }
        if points.iter().flatten().any(|v| !v.is_finite()) {
            return Err(PolygonError::NotFinite);
        }
        let ring: LineString<f64> = points.iter().map(|&[x, y]| Coord { x, y }).collect();
        let polygon = Polygon::new(ring, vec![]);
        if let Err(problem) = polygon.check_validation() {
            return Err(PolygonError::Invalid(problem.to_string()));
        }
        Ok(Self { polygon })
    }

    /// True when `point` lies inside the outline or on its edge: an anchor exactly on a painted line
    /// counts as inside, so a bicycle standing on its bay's line is not "outside the bay".
    pub fn contains(&self, point: ImagePoint) -> bool {
        self.polygon.intersects(&Point::new(point.x, point.y))
    }

    /// The outline's vertices, without repeating the first at the end.
    pub fn points(&self) -> Vec<[f64; 2]> {
        let ring = self.polygon.exterior();
        ring.coords()
            .take(ring.0.len().saturating_sub(1))
            .map(|c| [c.x, c.y])
            .collect()
    }
}

impl Serialize for ImagePolygon {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.points().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ImagePolygon {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let points = Vec::<[f64; 2]>::deserialize(deserializer)?;
        Self::new(&points).map_err(|e| serde::de::Error::custom(format!("this polygon {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square() -> ImagePolygon {
        ImagePolygon::new(&[[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]]).unwrap()
    }

    #[test]
    fn interior_point_is_inside_and_far_point_is_outside() {
        assert!(square().contains(ImagePoint::new(5.0, 5.0)));
        assert!(!square().contains(ImagePoint::new(15.0, 5.0)));
        assert!(!square().contains(ImagePoint::new(-0.001, 5.0)));
    }

    #[test]
    fn points_on_edges_and_vertices_count_as_inside() {
        for (x, y) in [
            (0.0, 5.0),
            (10.0, 5.0),
            (5.0, 0.0),
            (5.0, 10.0),
            (0.0, 0.0),
            (10.0, 10.0),
        ] {
            assert!(square().contains(ImagePoint::new(x, y)), "({x}, {y})");
        }
    }

    #[test]
    fn concave_notch_is_outside() {
        // A "U": the notch between the arms (x 4..6, y 0..8) is not part of the zone.
        let u = ImagePolygon::new(&[
            [0.0, 0.0],
            [4.0, 0.0],
            [4.0, 8.0],
            [6.0, 8.0],
            [6.0, 0.0],
            [10.0, 0.0],
            [10.0, 10.0],
            [0.0, 10.0],
        ])
        .unwrap();
        assert!(!u.contains(ImagePoint::new(5.0, 4.0)), "inside the notch");
        assert!(u.contains(ImagePoint::new(5.0, 9.0)), "below the notch");
        assert!(u.contains(ImagePoint::new(2.0, 4.0)), "left arm");
        assert!(u.contains(ImagePoint::new(8.0, 4.0)), "right arm");
        assert!(
            u.contains(ImagePoint::new(5.0, 8.0)),
            "on the notch's bottom edge"
        );
    }

    #[test]
    fn rejects_outlines_that_are_not_zones() {
        assert_eq!(
            ImagePolygon::new(&[[0.0, 0.0], [1.0, 1.0]]),
            Err(PolygonError::TooFewPoints(2))
        );
        assert_eq!(
            ImagePolygon::new(&[[0.0, 0.0], [f64::NAN, 1.0], [1.0, 0.0]]),
            Err(PolygonError::NotFinite)
        );
        // A bow-tie crosses itself.
        let bow_tie = ImagePolygon::new(&[[0.0, 0.0], [10.0, 10.0], [10.0, 0.0], [0.0, 10.0]]);
        assert!(matches!(bow_tie, Err(PolygonError::Invalid(_))), "{bow_tie:?}");
    }

    #[test]
    fn serializes_as_the_points_it_was_written_with() {
        let json = serde_json::to_string(&square()).unwrap();
        assert_eq!(json, "[[0.0,0.0],[10.0,0.0],[10.0,10.0],[0.0,10.0]]");
        assert_eq!(serde_json::from_str::<ImagePolygon>(&json).unwrap(), square());
    }

    #[test]
    fn bottom_center_is_the_footprint() {
        let b = ImageBox {
            x1: 10.0,
            y1: 20.0,
            x2: 30.0,
            y2: 80.0,
        };
        assert_eq!(b.bottom_center(), ImagePoint::new(20.0, 80.0));
        assert_eq!(b.center(), ImagePoint::new(20.0, 50.0));
    }
}
