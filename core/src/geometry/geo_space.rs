//! Places on the Earth, in WGS-84 longitude and latitude degrees (GeoJSON's order and datum).

use std::fmt;

use geo::{Distance, Haversine, InteriorPoint, Intersects, MultiPolygon, Point};
use serde::{Deserialize, Serialize};

/// Why a longitude/latitude pair is not a place on the Earth.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeoPointError {
    #[error("longitude {0} is outside -180…180")]
    Longitude(f64),
    #[error("latitude {0} is outside -90…90")]
    Latitude(f64),
}

/// A WGS-84 position. Written `{ lon = …, lat = … }` in configuration and `{"lon":…,"lat":…}` in
/// events: named fields, because swapped latitude and longitude is the classic mistake.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawGeoPoint", deny_unknown_fields)]
pub struct GeoPoint {
    lon: f64,
    lat: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGeoPoint {
    lon: f64,
    lat: f64,
}

impl TryFrom<RawGeoPoint> for GeoPoint {
    type Error = GeoPointError;
    fn try_from(raw: RawGeoPoint) -> Result<Self, GeoPointError> {
        Self::new(raw.lon, raw.lat)
    }
}

impl GeoPoint {
    pub fn new(lon: f64, lat: f64) -> Result<Self, GeoPointError> {
        if !(-180.0..=180.0).contains(&lon) {
            return Err(GeoPointError::Longitude(lon));
        }
        if !(-90.0..=90.0).contains(&lat) {
            return Err(GeoPointError::Latitude(lat));
        }
        Ok(Self { lon, lat })
    }

    pub fn lon(&self) -> f64 {
        self.lon
    }

    pub fn lat(&self) -> f64 {
        self.lat
    }

    /// Great-circle distance in metres.
    pub fn metres_to(&self, other: GeoPoint) -> f64 {
        Haversine.distance(Point::new(self.lon, self.lat), Point::new(other.lon, other.lat))
    }
}

impl fmt::Display for GeoPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({:.6}, {:.6})", self.lon, self.lat)
    }
}

/// An area on the Earth, such as a grid: one or more polygons, possibly with holes.
#[derive(Debug, Clone, PartialEq)]
pub struct GeoPolygon {
    area: MultiPolygon<f64>,
}

impl GeoPolygon {
    /// Takes a GeoJSON `Polygon` or `MultiPolygon` geometry.
    pub fn from_geojson(geometry: &geojson::Geometry) -> Result<Self, String> {
        let area = match &geometry.value {
            geojson::Value::Polygon(_) => {
                MultiPolygon::new(vec![
                    geo::Polygon::try_from(geometry.value.clone()).map_err(|e| e.to_string())?
                ])
            }
            geojson::Value::MultiPolygon(_) => {
                MultiPolygon::try_from(geometry.value.clone()).map_err(|e| e.to_string())?
            }
            other => {
                return Err(format!(
                    "is a {}; a grid must be a Polygon or MultiPolygon",
                    other.type_name()
                ))
            }
        };
        Ok(Self { area })
    }

    /// True inside the area or on its boundary (a point on the line between two grids belongs to both;
    /// whoever looks it up decides the tie).
    pub fn contains(&self, point: GeoPoint) -> bool {
        self.area.intersects(&Point::new(point.lon, point.lat))
    }

    /// Every ring of the area (each polygon's outline, then its holes) as `[lon, lat]` pairs, first
    /// point repeated at the end: what a map needs to draw it.
    pub fn rings(&self) -> impl Iterator<Item = impl Iterator<Item = [f64; 2]> + '_> + '_ {
        self.area
            .iter()
            .flat_map(|polygon| std::iter::once(polygon.exterior()).chain(polygon.interiors()))
            .map(|ring| ring.coords().map(|c| [c.x, c.y]))
    }

    /// A point inside the area, near its middle: where a map puts the area's label. Unlike the
    /// centroid it never falls outside an L-shaped or hollow area.
    pub fn label_point(&self) -> Option<GeoPoint> {
        let p = self.area.interior_point()?;
        GeoPoint::new(p.x(), p.y()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_positions_off_the_earth() {
        assert_eq!(GeoPoint::new(181.0, 0.0), Err(GeoPointError::Longitude(181.0)));
        assert_eq!(GeoPoint::new(0.0, -90.5), Err(GeoPointError::Latitude(-90.5)));
        assert!(GeoPoint::new(f64::NAN, 0.0).is_err());
        assert!(GeoPoint::new(180.0, 90.0).is_ok());
    }

    #[test]
    fn deserializing_checks_the_range() {
        let err = serde_json::from_str::<GeoPoint>(r#"{"lon": 119.3, "lat": 95.0}"#).unwrap_err();
        assert!(err.to_string().contains("latitude 95 is outside -90…90"), "{err}");
        let p: GeoPoint = serde_json::from_str(r#"{"lon": 119.3, "lat": 26.1}"#).unwrap();
        assert_eq!((p.lon(), p.lat()), (119.3, 26.1));
    }

    #[test]
    fn grid_polygon_with_a_hole() {
        let geometry: geojson::Geometry = r#"{"type":"Polygon","coordinates":[
            [[0,0],[10,0],[10,10],[0,10],[0,0]],
            [[4,4],[6,4],[6,6],[4,6],[4,4]]]}"#
            .parse()
            .unwrap();
        let area = GeoPolygon::from_geojson(&geometry).unwrap();
        assert!(area.contains(GeoPoint::new(1.0, 1.0).unwrap()));
        assert!(
            !area.contains(GeoPoint::new(5.0, 5.0).unwrap()),
            "inside the hole"
        );
        assert!(
            area.contains(GeoPoint::new(10.0, 5.0).unwrap()),
            "on the boundary"
        );
    }

    #[test]
    fn rings_list_outlines_then_holes_and_the_label_avoids_the_hole() {
        let geometry: geojson::Geometry = r#"{"type":"Polygon","coordinates":[
            [[0,0],[10,0],[10,10],[0,10],[0,0]],
            [[2,2],[8,2],[8,8],[2,8],[2,2]]]}"#
            .parse()
            .unwrap();
        let area = GeoPolygon::from_geojson(&geometry).unwrap();
        let rings: Vec<Vec<[f64; 2]>> = area.rings().map(Iterator::collect).collect();
        assert_eq!(rings.len(), 2);
        assert_eq!(rings[0][..2], [[0.0, 0.0], [10.0, 0.0]]);
        assert_eq!(rings[1][0], [2.0, 2.0]);
        let label = area.label_point().unwrap();
        assert!(area.contains(label), "{label} is in the hole");
    }

    #[test]
    fn grid_must_be_an_area() {
        let line: geojson::Geometry = r#"{"type":"LineString","coordinates":[[0,0],[1,1]]}"#.parse().unwrap();
        let err = GeoPolygon::from_geojson(&line).unwrap_err();
        assert_eq!(err, "is a LineString; a grid must be a Polygon or MultiPolygon");
    }
}
