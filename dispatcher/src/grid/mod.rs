//! Which grid a place belongs to. Pure logic: no storage, no HTTP.

use gridwatch_core::{config::Grid, GeoPoint};

/// The city's grids, in the order the grids file lists them.
#[derive(Debug, Clone)]
pub struct GridMap {
    grids: Vec<Grid>,
}

impl GridMap {
    pub fn new(grids: Vec<Grid>) -> Self {
        Self { grids }
    }

    /// The grid responsible for `place`, or `None` when it lies outside every grid (such events go
    /// to the command centre's unassigned queue). A place on the border of two grids belongs to
    /// the one listed first, so the answer never depends on anything but the grids file.
    pub fn locate(&self, place: GeoPoint) -> Option<&Grid> {
        self.grids.iter().find(|g| g.area.contains(place))
    }

    pub fn grids(&self) -> &[Grid] {
        &self.grids
    }
}

#[cfg(test)]
mod tests {
    use gridwatch_core::{GeoPolygon, GridId};

    use super::*;

    fn square(id: &str, x0: f64, y0: f64) -> Grid {
        let json = format!(
            r#"{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}"#,
            x1 = x0 + 0.01,
            y1 = y0 + 0.01
        );
        let geometry: geojson::Geometry = json.parse().unwrap();
        Grid {
            id: GridId::new(id).unwrap(),
            name: id.into(),
            area: GeoPolygon::from_geojson(&geometry).unwrap(),
        }
    }

    fn map() -> GridMap {
        GridMap::new(vec![square("G01", 119.28, 26.06), square("G02", 119.29, 26.06)])
    }

    fn at(lon: f64, lat: f64) -> Option<String> {
        map()
            .locate(GeoPoint::new(lon, lat).unwrap())
            .map(|g| g.id.to_string())
    }

    #[test]
    fn places_fall_in_the_grid_that_contains_them() {
        assert_eq!(at(119.285, 26.065).as_deref(), Some("G01"));
        assert_eq!(at(119.295, 26.065).as_deref(), Some("G02"));
    }

    #[test]
    fn places_outside_every_grid_are_unassigned() {
        assert_eq!(at(119.31, 26.065), None);
        assert_eq!(at(119.285, 26.08), None);
    }

    #[test]
    fn a_shared_border_belongs_to_the_grid_listed_first() {
        assert_eq!(at(119.29, 26.065).as_deref(), Some("G01"));
    }
}
