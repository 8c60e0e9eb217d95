//! The plane-to-plane mapping from a fixed camera's pixels to the ground it looks at.
//!
//! A street is flat enough that one 3×3 homography carries image points on the ground to ground
//! positions. It is fitted to four or more surveyed correspondences (pixel ↔ longitude/latitude)
//! by the normalised direct linear transform. The ground side is worked in metres east/north of the
//! calibration points' centroid, which keeps the fit well conditioned; at street scale the local
//! equirectangular projection is accurate to millimetres.

use nalgebra::{DMatrix, Matrix3, Vector3};

use super::{GeoPoint, ImagePoint};

/// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Why a set of correspondences does not determine a homography.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HomographyError {
    #[error("has {image} image points and {geo} ground points; they must pair up one to one")]
    CountMismatch { image: usize, geo: usize },
    #[error("has {0} point pairs; a homography needs at least 4")]
    TooFewPoints(usize),
    #[error("points do not span the plane (three or more of them lie on one line)")]
    Degenerate,
}

/// Image pixels ↔ WGS-84 ground positions for one camera.
#[derive(Debug, Clone, PartialEq)]
pub struct Homography {
    /// Image pixels → local ground metres, scaled so that `w > 0` in front of the camera.
    to_ground: Matrix3<f64>,
    to_image: Matrix3<f64>,
    origin: GeoPoint,
}

impl Homography {
    pub fn fit(image: &[ImagePoint], geo: &[GeoPoint]) -> Result<Self, HomographyError> {
        if image.len() != geo.len() {
            return Err(HomographyError::CountMismatch {
                image: image.len(),
                geo: geo.len(),
            });
        }
        if image.len() < 4 {
            return Err(HomographyError::TooFewPoints(image.len()));
        }
        let n = geo.len() as f64;
        let origin = GeoPoint::new(
            geo.iter().map(GeoPoint::lon).sum::<f64>() / n,
            geo.iter().map(GeoPoint::lat).sum::<f64>() / n,
        )
        .expect("the mean of valid positions is a valid position");
        let src: Vec<[f64; 2]> = image.iter().map(|p| [p.x, p.y]).collect();
        let dst: Vec<[f64; 2]> = geo.iter().map(|g| to_local(origin, *g)).collect();

        let mut to_ground = dlt(&src, &dst)?;
        // Orient so the calibration points (which are on the ground, in view) have w > 0.
        let w_sum: f64 = src
            .iter()
            .map(|&[x, y]| (to_ground * Vector3::new(x, y, 1.0)).z)
            .sum();
        if w_sum < 0.0 {
            to_ground = -to_ground;
        }
        let to_image = to_ground.try_inverse().ok_or(HomographyError::Degenerate)?;
        Ok(Self {
            to_ground,
            to_image,
            origin,
        })
    }

    /// Where on the ground an image point lies, or `None` for points at or above the horizon.
    pub fn to_geo(&self, point: ImagePoint) -> Option<GeoPoint> {
        let [east, north] = apply(&self.to_ground, [point.x, point.y])?;
        from_local(self.origin, [east, north])
    }

    /// Where a ground position appears in the image, or `None` when it is behind the camera.
    pub fn to_image(&self, place: GeoPoint) -> Option<ImagePoint> {
        let [x, y] = apply(&self.to_image, to_local(self.origin, place))?;
        Some(ImagePoint::new(x, y))
    }
}

/// Applies `h` to a point; `None` when the result lies at infinity or behind the projection centre.
fn apply(h: &Matrix3<f64>, [x, y]: [f64; 2]) -> Option<[f64; 2]> {
    let p = h * Vector3::new(x, y, 1.0);
    (p.z > 1e-12).then(|| [p.x / p.z, p.y / p.z])
}

fn to_local(origin: GeoPoint, p: GeoPoint) -> [f64; 2] {
    let east = (p.lon() - origin.lon()).to_radians() * EARTH_RADIUS_M * origin.lat().to_radians().cos();
    let north = (p.lat() - origin.lat()).to_radians() * EARTH_RADIUS_M;
    [east, north]
}

fn from_local(origin: GeoPoint, [east, north]: [f64; 2]) -> Option<GeoPoint> {
    let lat = origin.lat() + (north / EARTH_RADIUS_M).to_degrees();
    let lon = origin.lon() + (east / (EARTH_RADIUS_M * origin.lat().to_radians().cos())).to_degrees();
    GeoPoint::new(lon, lat).ok()
}

/// Hartley normalisation: moves the centroid to the origin and scales the mean distance to √2.
fn normaliser(points: &[[f64; 2]]) -> Matrix3<f64> {
    let n = points.len() as f64;
    let (cx, cy) = (
        points.iter().map(|p| p[0]).sum::<f64>() / n,
        points.iter().map(|p| p[1]).sum::<f64>() / n,
    );
    let mean_dist = points.iter().map(|p| (p[0] - cx).hypot(p[1] - cy)).sum::<f64>() / n;
    let s = if mean_dist > 0.0 {
        std::f64::consts::SQRT_2 / mean_dist
    } else {
        1.0
    };
    Matrix3::new(s, 0.0, -s * cx, 0.0, s, -s * cy, 0.0, 0.0, 1.0)
}

/// The normalised direct linear transform: `h` is the null vector of the stacked constraints.
fn dlt(src: &[[f64; 2]], dst: &[[f64; 2]]) -> Result<Matrix3<f64>, HomographyError> {
    let (ts, td) = (normaliser(src), normaliser(dst));
    let mut a = DMatrix::<f64>::zeros(2 * src.len(), 9);
    for (i, (s, d)) in src.iter().zip(dst).enumerate() {
        let s = ts * Vector3::new(s[0], s[1], 1.0);
        let d = td * Vector3::new(d[0], d[1], 1.0);
        let (x, y, u, v) = (s.x, s.y, d.x, d.y);
        a.row_mut(2 * i)
            .copy_from_slice(&[-x, -y, -1.0, 0.0, 0.0, 0.0, u * x, u * y, u]);
        a.row_mut(2 * i + 1)
            .copy_from_slice(&[0.0, 0.0, 0.0, -x, -y, -1.0, v * x, v * y, v]);
    }
    // The eigenvector of AᵀA with the smallest eigenvalue is A's null vector; with exactly four
    // points A is 8×9, where a thin SVD would not return it.
    let eigen = (a.transpose() * &a).symmetric_eigen();
    let mut order: Vec<usize> = (0..9).collect();
    order.sort_by(|&i, &j| eigen.eigenvalues[i].total_cmp(&eigen.eigenvalues[j]));
    let largest = eigen.eigenvalues[order[8]];
    // A second (near-)zero eigenvalue means the points leave the solution undetermined.
    if eigen.eigenvalues[order[1]] <= largest * 1e-12 {
        return Err(HomographyError::Degenerate);
    }
    let h = eigen.eigenvectors.column(order[0]);
    let hn = Matrix3::new(h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]);
    let td_inv = td.try_inverse().ok_or(HomographyError::Degenerate)?;
    Ok(td_inv * hn * ts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A camera looking down a street: a known perspective mapping from pixels to metres.
    fn known() -> Matrix3<f64> {
        Matrix3::new(0.02, 0.001, -12.0, 0.0005, -0.05, 40.0, 0.0, 0.0012, 1.0)
    }

    fn origin() -> GeoPoint {
        GeoPoint::new(119.2965, 26.0745).unwrap()
    }

    fn ground(px: [f64; 2]) -> GeoPoint {
        from_local(origin(), apply(&known(), px).unwrap()).unwrap()
    }

    fn fitted(pixels: &[[f64; 2]]) -> Homography {
        let image: Vec<_> = pixels.iter().map(|&[x, y]| ImagePoint::new(x, y)).collect();
        let geo: Vec<_> = pixels.iter().map(|&p| ground(p)).collect();
        Homography::fit(&image, &geo).unwrap()
    }

    fn metres_between(a: GeoPoint, b: GeoPoint) -> f64 {
        let [e, n] = to_local(a, b);
        e.hypot(n)
    }

    #[test]
    fn four_points_reproduce_the_mapping_everywhere_on_the_ground() {
        let h = fitted(&[[100.0, 400.0], [1180.0, 420.0], [1200.0, 700.0], [80.0, 690.0]]);
        for px in [[640.0, 500.0], [300.0, 650.0], [1000.0, 380.0], [10.0, 710.0]] {
            let got = h.to_geo(ImagePoint::new(px[0], px[1])).unwrap();
            let error = metres_between(got, ground(px));
            assert!(error < 0.001, "{px:?} is off by {error} m");
        }
    }

    #[test]
    fn image_to_geo_and_back_returns_the_same_pixel() {
        let h = fitted(&[
            [100.0, 400.0],
            [1180.0, 420.0],
            [1200.0, 700.0],
            [80.0, 690.0],
            [640.0, 550.0],
        ]);
        for px in [[640.0, 500.0], [300.0, 650.0], [1000.0, 380.0]] {
            let back = h
                .to_image(h.to_geo(ImagePoint::new(px[0], px[1])).unwrap())
                .unwrap();
            assert!(
                (back.x - px[0]).abs() < 1e-6 && (back.y - px[1]).abs() < 1e-6,
                "{px:?} → {back:?}"
            );
        }
    }

    #[test]
    fn points_above_the_horizon_have_no_ground_position() {
        let h = fitted(&[[100.0, 400.0], [1180.0, 420.0], [1200.0, 700.0], [80.0, 690.0]]);
        // With this camera w = 0.0012·y + 1 vanishes at y ≈ −833: the horizon, above the frame.
        assert!(h.to_geo(ImagePoint::new(640.0, -900.0)).is_none());
    }

    #[test]
    fn refuses_correspondences_that_do_not_determine_a_plane() {
        let p = |x, y| ImagePoint::new(x, y);
        let g = |i: f64| GeoPoint::new(119.0 + i * 1e-4, 26.0).unwrap();
        assert_eq!(
            Homography::fit(
                &[p(0.0, 0.0), p(1.0, 0.0), p(0.0, 1.0)],
                &[g(0.0), g(1.0), g(2.0)]
            ),
            Err(HomographyError::TooFewPoints(3))
        );
        assert_eq!(
            Homography::fit(&[p(0.0, 0.0)], &[g(0.0), g(1.0)]),
            Err(HomographyError::CountMismatch { image: 1, geo: 2 })
        );
        let on_a_line = [p(0.0, 0.0), p(1.0, 1.0), p(2.0, 2.0), p(3.0, 3.0)];
        let geo = [g(0.0), g(1.0), g(2.0), g(3.0)];
        assert_eq!(
            Homography::fit(&on_a_line, &geo),
            Err(HomographyError::Degenerate)
        );
    }
}
