//! Which registered shop a case is at, and which grid a shop is in. Pure logic: no storage.

use gridwatch_core::{
    config::{Config, Shop},
    GeoPoint,
};

use crate::grid::GridMap;

/// The shop whose shopfront a case seen by `camera` in `zone` at `place` is at: one watching that
/// zone, else the nearest whose place is within its radius.
pub fn shop_at<'c>(shops: &'c [Shop], camera: &str, zone: Option<&str>, place: GeoPoint) -> Option<&'c Shop> {
    let in_zone = shops.iter().find(|shop| {
        shop.fronts
            .iter()
            .any(|f| f.camera.as_str() == camera && Some(f.zone.as_str()) == zone)
    });
    in_zone.or_else(|| {
        shops
            .iter()
            .filter_map(|shop| Some((shop, shop.place?.metres_to(place))))
            .filter(|(shop, metres)| *metres <= shop.radius_m)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(shop, _)| shop)
    })
}

/// Where a shop's shopfront is on the map: its place, else the camera watching its first front.
pub fn shop_place(shop: &Shop, config: &Config) -> Option<GeoPoint> {
    shop.place.or_else(|| {
        let front = shop.fronts.first()?;
        let camera = config.cameras.iter().find(|c| c.id == front.camera)?;
        Some(camera.location)
    })
}

/// The id of the grid a shop is in: the grid of its shopfront's place.
pub fn shop_grid(shop: &Shop, config: &Config, grids: &GridMap) -> Option<String> {
    let place = shop_place(shop, config)?;
    grids.locate(place).map(|g| g.id.to_string())
}

#[cfg(test)]
mod tests {
    use gridwatch_core::{config::Front, CameraId, ZoneId};

    use super::*;

    fn shop(id: &str, front: Option<(&str, &str)>, place: Option<(f64, f64)>, radius_m: f64) -> Shop {
        Shop {
            id: id.into(),
            name: id.into(),
            licence: format!("L-{id}"),
            contact: "1".into(),
            fronts: front
                .map(|(camera, zone)| Front {
                    camera: CameraId::new(camera).unwrap(),
                    zone: ZoneId::new(zone).unwrap(),
                })
                .into_iter()
                .collect(),
            place: place.map(|(lon, lat)| GeoPoint::new(lon, lat).unwrap()),
            radius_m,
        }
    }

    #[test]
    fn a_case_is_at_the_shop_watching_its_zone_else_the_nearest_within_reach() {
        let shops = [
            shop("fruit", Some(("cam-1", "apron")), None, 15.0),
            shop("tea", None, Some((119.3, 26.08)), 20.0),
            shop("bun", None, Some((119.3001, 26.08)), 20.0),
        ];
        let here = GeoPoint::new(119.3, 26.08).unwrap();
        let at = |camera, zone, place| shop_at(&shops, camera, zone, place).map(|s| s.id.as_str());
        assert_eq!(
            at("cam-1", Some("apron"), here),
            Some("fruit"),
            "the zone comes first"
        );
        assert_eq!(
            at("cam-1", Some("curb"), here),
            Some("tea"),
            "then the nearest place"
        );
        assert_eq!(
            at("cam-2", None, GeoPoint::new(119.30009, 26.08).unwrap()),
            Some("bun")
        );
        assert_eq!(
            at("cam-2", None, GeoPoint::new(119.31, 26.08).unwrap()),
            None,
            "beyond reach"
        );
    }
}
