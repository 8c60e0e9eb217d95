//! Which case a sighting or a report belongs to: the open case of its kind at the same spot (merging), and the
//! recently closed one it repeats (反复, recurrence).

use gridwatch_core::{CameraId, GeoPoint, ZoneId};

use crate::{
    cases::Case,
    change::Change,
    store::{
        self,
        cases::{Bounds, OpenNear},
    },
    DispatchError,
};

impl Change<'_> {
    /// The open case of `kind` a sighting or report at `place` belongs to: one in the same camera
    /// zone (for a camera's sighting), or the nearest within the merge radius.
    pub(super) async fn open_case_near(
        &mut self,
        kind: &str,
        place: GeoPoint,
        seen_in: Option<(&CameraId, Option<&ZoneId>)>,
    ) -> Result<Option<Case>, DispatchError> {
        let radius = self.dispatcher.config.dispatch.merge_radius_m;
        let search = self.search_near(kind, place, seen_in);
        let (camera, zone) = (search.camera.clone(), search.zone.clone());
        let cases = self.open_near(search).await?;
        Ok(nearest(cases, place, |case, distance| {
            let same_zone = zone.is_some() && case.camera == camera && case.zone == zone;
            same_zone || distance <= radius
        }))
    }

    /// The search for the open cases a sighting or report of `kind` at `place` may belong to.
    pub(super) fn search_near(
        &self,
        kind: &str,
        place: GeoPoint,
        seen_in: Option<(&CameraId, Option<&ZoneId>)>,
    ) -> OpenNear {
        OpenNear {
            kind: kind.to_owned(),
            bounds: around(place, self.dispatcher.config.dispatch.merge_radius_m),
            camera: seen_in.map_or(String::new(), |(camera, _)| camera.to_string()),
            zone: seen_in.and_then(|(_, zone)| zone).map(|z| z.to_string()),
        }
    }

    /// A case of the same kind at the same spot closed within the recurrence window.
    pub(super) async fn recent_closed_case_near(
        &mut self,
        kind: &str,
        place: GeoPoint,
    ) -> Result<Option<String>, DispatchError> {
        let dispatch = &self.dispatcher.config.dispatch;
        let since = self.now_ms() - dispatch.recurrence_within.0.as_millis() as i64;
        let radius = dispatch.merge_radius_m;
        let cases = store::cases::closed_near(self.tx().await?, kind, around(place, radius), since).await?;
        Ok(nearest(cases, place, |_, distance| distance <= radius).map(|case| case.id))
    }
}

/// Of `cases` that `accept` (given each with its distance in metres from `place`), the nearest;
/// the first of equals.
fn nearest(cases: Vec<Case>, place: GeoPoint, accept: impl Fn(&Case, f64) -> bool) -> Option<Case> {
    cases
        .into_iter()
        .map(|case| {
            let distance = GeoPoint::new(case.lon, case.lat).map_or(f64::INFINITY, |p| p.metres_to(place));
            (distance, case)
        })
        .filter(|(distance, case)| accept(case, *distance))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, case)| case)
}

/// Latitude and longitude bounds of a square `radius` metres around `place`, to narrow a search
/// before the exact distance is measured.
fn around(place: GeoPoint, radius: f64) -> Bounds {
    const METRES_PER_DEGREE: f64 = 111_320.0;
    let dlat = radius / METRES_PER_DEGREE;
    let dlon = radius / (METRES_PER_DEGREE * place.lat().to_radians().cos().max(0.01));
    (
        (place.lat() - dlat, place.lat() + dlat),
        (place.lon() - dlon, place.lon() + dlon),
    )
}
