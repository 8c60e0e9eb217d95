//! `[grids]`: the city's grid areas, read from a GeoJSON FeatureCollection.

use std::path::PathBuf;

use serde::Deserialize;

use crate::{GeoPolygon, GridId};

fn default_id_property() -> String {
    "id".to_owned()
}
fn default_name_property() -> String {
    "name".to_owned()
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSource {
    /// A GeoJSON FeatureCollection with one Polygon or MultiPolygon feature per grid.
    pub geojson: PathBuf,
    /// The feature property that holds the grid's id.
    #[serde(default = "default_id_property")]
    pub id_property: String,
    /// The feature property that holds the grid's display name (optional in each feature).
    #[serde(default = "default_name_property")]
    pub name_property: String,
}

/// One grid: an area with its own team.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub id: GridId,
    pub name: String,
    pub area: GeoPolygon,
}

impl GridSource {
    /// Reads the grids; on failure, every problem found, each as a sentence naming the file.
    pub fn load(&self) -> Result<Vec<Grid>, Vec<String>> {
        let file = self.geojson.display();
        let text = std::fs::read_to_string(&self.geojson)
            .map_err(|e| vec![format!("cannot read grids file `{file}`: {e}")])?;
        let collection = match text.parse::<geojson::GeoJson>() {
            Ok(geojson::GeoJson::FeatureCollection(c)) => c,
            Ok(_) => {
                return Err(vec![format!(
                    "grids file `{file}` is not a GeoJSON FeatureCollection"
                )])
            }
            Err(e) => return Err(vec![format!("grids file `{file}` is not valid GeoJSON: {e}")]),
        };
        let mut grids: Vec<Grid> = Vec::new();
        let mut problems = Vec::new();
        for (i, feature) in collection.features.iter().enumerate() {
            match self.grid(feature) {
                Ok(grid) if grids.iter().any(|g| g.id == grid.id) => problems.push(format!(
                    "grids file `{file}`: feature {i} repeats grid id `{}`",
                    grid.id
                )),
                Ok(grid) => grids.push(grid),
                Err(e) => problems.push(format!("grids file `{file}`: feature {i} {e}")),
            }
        }
        if grids.is_empty() && problems.is_empty() {
            problems.push(format!(
                "grids file `{file}` has no features; a city needs at least one grid"
            ));
        }
        if problems.is_empty() {
            Ok(grids)
        } else {
            Err(problems)
        }
    }

    fn grid(&self, feature: &geojson::Feature) -> Result<Grid, String> {
        let property = |name: &str| feature.property(name).and_then(|v| v.as_str());
        let id = property(&self.id_property).ok_or_else(|| {
            format!(
                "has no string property `{}` to take its grid id from",
                self.id_property
            )
        })?;
        let id = GridId::new(id).map_err(|e| format!("has a bad grid id: {e}"))?;
        let geometry = feature
            .geometry
            .as_ref()
            .ok_or_else(|| format!("(grid `{id}`) has no geometry"))?;
        let area = GeoPolygon::from_geojson(geometry).map_err(|e| format!("(grid `{id}`) {e}"))?;
        let name = property(&self.name_property).unwrap_or(id.as_str()).to_owned();
        Ok(Grid { id, name, area })
    }
}
