//! Geometry both halves reason with: zones in image pixels, places on the Earth (WGS-84), and the
//! homography that carries one to the other.
//!
//! Point-in-polygon and polygon validity come from the `geo` crate; GeoJSON from `geojson`.

mod geo_space;
mod homography;
mod image_space;

pub use geo_space::{GeoPoint, GeoPointError, GeoPolygon};
pub use homography::{Homography, HomographyError};
pub use image_space::{ImageBox, ImagePoint, ImagePolygon, PolygonError};
