//! The part of each frame the model is shown: a camera's analysed area (see
//! [`Camera::analysed_area`]) clipped to its frames, which are only sized when they arrive.

use std::collections::HashMap;

use gridwatch_core::{
    config::{Camera, Rule},
    CameraId, Frame, ImageBox,
};

use super::Image;

/// A rectangle of whole pixels inside a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crop {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl Crop {
    /// The pixels `area` touches in a `width`×`height` frame (its edges rounded outwards), or
    /// `None` when it misses the frame.
    pub fn clip(area: ImageBox, width: u32, height: u32) -> Option<Crop> {
        let x0 = area.x1.max(0.0).floor();
        let y0 = area.y1.max(0.0).floor();
        let x1 = area.x2.min(width as f64).ceil();
        let y1 = area.y2.min(height as f64).ceil();
        (x0 < x1 && y0 < y1).then_some(Crop {
            x: x0 as u32,
            y: y0 as u32,
            width: (x1 - x0) as u32,
            height: (y1 - y0) as u32,
        })
    }

    /// Whether the rectangle lies within a `width`×`height` frame.
    pub fn fits_in(&self, width: u32, height: u32) -> bool {
        self.x.checked_add(self.width).is_some_and(|right| right <= width)
            && self
                .y
                .checked_add(self.height)
                .is_some_and(|bottom| bottom <= height)
    }
}

/// One camera's area and what it came to at the last frame size seen.
#[derive(Debug, Clone)]
struct Area {
    area: ImageBox,
    resolved: Option<((u32, u32), Option<Crop>)>,
}

/// Each camera's analysed area, looked up by the camera on its frames; a camera without one is
/// analysed whole.
#[derive(Debug, Clone, Default)]
pub struct AnalysisRegions {
    by_camera: HashMap<CameraId, Area>,
}

impl AnalysisRegions {
    /// The areas of `cameras` under `rules`.
    pub fn new<'c>(cameras: impl IntoIterator<Item = &'c Camera>, rules: &[Rule]) -> Self {
        let by_camera = cameras
            .into_iter()
            .filter_map(|camera| {
                let area = camera.analysed_area(rules)?;
                Some((camera.id.clone(), Area { area, resolved: None }))
            })
            .collect();
        Self { by_camera }
    }

    /// `frame` as the detector sees it: within its camera's area, clipped to the frame once per
    /// frame size. An area that misses the frame (written for another stream) leaves the whole
    /// frame analysed, and is reported once per frame size.
    pub fn image<'f>(&mut self, frame: &'f Frame) -> Image<'f> {
        let image = Image::from(frame);
        let Some(camera) = self.by_camera.get_mut(&frame.camera) else {
            return image;
        };
        let size = (frame.width, frame.height);
        let crop = match camera.resolved {
            Some((seen, crop)) if seen == size => crop,
            _ => {
                let crop = Crop::clip(camera.area, frame.width, frame.height);
                if crop.is_none() {
                    let a = camera.area;
                    tracing::warn!(
                        camera = %frame.camera,
                        region = ?[a.x1, a.y1, a.x2, a.y2],
                        width = frame.width,
                        height = frame.height,
                        "analysis region lies outside the camera's frames; the whole frame is analysed"
                    );
                }
                camera.resolved = Some((size, crop));
                crop
            }
        };
        Image {
            region: crop,
            ..image
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(x1: f64, y1: f64, x2: f64, y2: f64) -> ImageBox {
        ImageBox { x1, y1, x2, y2 }
    }

    #[test]
    fn an_area_is_clipped_to_the_frame_and_rounded_outwards_to_whole_pixels() {
        let crop = |a| Crop::clip(a, 1920, 1080);
        let inside = crop(area(100.4, 200.6, 300.2, 400.0)).unwrap();
        assert_eq!(
            inside,
            Crop {
                x: 100,
                y: 200,
                width: 201,
                height: 200
            }
        );
        let larger = crop(area(-64.0, -64.0, 2000.0, 1200.0)).unwrap();
        assert_eq!(
            larger,
            Crop {
                x: 0,
                y: 0,
                width: 1920,
                height: 1080
            }
        );
        let over_the_right_edge = crop(area(1800.0, 0.0, 1990.0, 50.0)).unwrap();
        assert_eq!((over_the_right_edge.x, over_the_right_edge.width), (1800, 120));
        assert!(over_the_right_edge.fits_in(1920, 1080));
        assert_eq!(crop(area(1920.0, 0.0, 2100.0, 50.0)), None, "right of the frame");
        assert_eq!(crop(area(0.0, -50.0, 50.0, 0.0)), None, "above the frame");
    }

    fn frame(camera: &str, width: u32, height: u32) -> Frame {
        Frame {
            camera: CameraId::new(camera).unwrap(),
            pts: std::time::Duration::ZERO,
            wall: chrono::Utc::now(),
            width,
            height,
            pixels: gridwatch_core::Pixels::Rgb(vec![0; (width * height * 3) as usize]),
        }
    }

    fn camera(id: &str, analysis: &str) -> Camera {
        toml::from_str(&format!(
            r#"
            id = "{id}"
            uri = "rtsp://10.0.0.5/sub"
            location = {{ lon = 119.3, lat = 26.07 }}
            zones = [{{ id = "pavement", role = "sidewalk", points = [[100, 400], [400, 300], [400, 500]] }}]
            {analysis}
            "#
        ))
        .unwrap()
    }

    #[test]
    fn each_camera_s_frames_are_analysed_within_its_own_area() {
        let cameras = [
            camera("padded", "analysis = { padding = 64 }"),
            camera("explicit", "analysis = { region = [600, 0, 2000, 300] }"),
            camera("elsewhere", "analysis = { region = [2000, 0, 2100, 300] }"),
            camera("whole", r#"analysis = { region = "full" }"#),
        ];
        let mut regions = AnalysisRegions::new(&cameras, &[]);
        let region = |regions: &mut AnalysisRegions, camera, w, h| regions.image(&frame(camera, w, h)).region;
        let padded = Crop {
            x: 36,
            y: 236,
            width: 428,
            height: 328,
        };
        assert_eq!(region(&mut regions, "padded", 1280, 720), Some(padded));
        let clipped = Crop {
            x: 600,
            y: 0,
            width: 680,
            height: 300,
        };
        assert_eq!(region(&mut regions, "explicit", 1280, 720), Some(clipped));
        let at_1080p = Crop {
            width: 1320,
            ..clipped
        };
        assert_eq!(
            region(&mut regions, "explicit", 1920, 1080),
            Some(at_1080p),
            "a new frame size is clipped anew"
        );
        assert_eq!(
            region(&mut regions, "elsewhere", 1280, 720),
            None,
            "misses the frame"
        );
        assert_eq!(region(&mut regions, "whole", 1280, 720), None);
        assert_eq!(region(&mut regions, "unknown", 1280, 720), None);
    }

    #[test]
    fn a_crop_fits_only_inside_its_frame() {
        let crop = Crop {
            x: 10,
            y: 10,
            width: 30,
            height: 20,
        };
        assert!(crop.fits_in(40, 30));
        assert!(!crop.fits_in(39, 30));
        assert!(!crop.fits_in(40, 29));
        let overflowing = Crop { x: u32::MAX, ..crop };
        assert!(!overflowing.fits_in(u32::MAX, 30));
    }
}
