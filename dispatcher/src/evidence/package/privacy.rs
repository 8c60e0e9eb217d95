//! Blurred copies of evidence frames for whoever is not the reviewer: the sealed frame decoded,
//! the parts that are nobody's business pixelated (passers-by, other vehicles, or everything but
//! the case's subject), the subject's own box put back sharp, and the result encoded as a new
//! JPEG. The sealed original is never touched.

use std::io::Cursor;

use gridwatch_core::ImageBox;
use image::{codecs::jpeg::JpegEncoder, RgbImage};
use serde::{Deserialize, Serialize};

/// What an export blurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Privacy {
    /// The boxes of everything detected that is not part of the case; where a frame's bystanders
    /// are not known (frames other than the confirming one), everything outside the subject.
    #[default]
    BlurBystanders,
    /// Everything outside the subject's box.
    BlurAllButSubject,
    /// No blurred copies: the package carries the sealed originals only. For the legal
    /// reviewers alone, and said in the export's audit entry.
    None,
}

impl Privacy {
    pub const ALL: [Privacy; 3] = [Privacy::BlurBystanders, Privacy::BlurAllButSubject, Privacy::None];

    /// The name written on the command line, in forms and in the record.
    pub fn as_str(self) -> &'static str {
        match self {
            Privacy::BlurBystanders => "blur-bystanders",
            Privacy::BlurAllButSubject => "blur-all-but-subject",
            Privacy::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<Privacy> {
        Privacy::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The valid names, for messages.
    pub fn choices() -> String {
        Privacy::ALL.map(|p| p.as_str()).join(", ")
    }
}

/// What to pixelate in one frame.
#[derive(Debug, Clone, Copy)]
pub(super) enum Blur<'b> {
    /// These boxes.
    Boxes(&'b [ImageBox]),
    /// Everything outside the subject's box.
    AllButSubject,
}

/// The JPEG quality of a blurred copy.
const QUALITY: u8 = 90;

/// The smallest mosaic cell, in pixels: finer cells leave a face recognisable.
const MIN_CELL: u32 = 8;

/// A copy of the picture `bytes` with `blur` pixelated and the `subject` box left as it was,
/// as a JPEG; or why the picture cannot be read.
pub(super) fn blurred(bytes: &[u8], subject: &ImageBox, blur: Blur<'_>) -> Result<Vec<u8>, String> {
    let original = image::load_from_memory(bytes)
        .map_err(|e| format!("cannot be decoded to blur it: {e}"))?
        .to_rgb8();
    let mut copy = original.clone();
    let (width, height) = copy.dimensions();
    match blur {
        Blur::Boxes(boxes) => {
            for b in boxes {
                if let Some(region) = Region::of(b, width, height) {
                    // At most eight cells across the box's longer side.
                    let cell = (region.w.max(region.h) / 8).max(MIN_CELL);
                    pixelate(&mut copy, region, cell);
                }
            }
        }
        Blur::AllButSubject => {
            let whole = Region {
                x: 0,
                y: 0,
                w: width,
                h: height,
            };
            pixelate(&mut copy, whole, (width.max(height) / 48).max(MIN_CELL));
        }
    }
    if let Some(region) = Region::of(subject, width, height) {
        restore(&mut copy, &original, region);
    }
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(Cursor::new(&mut out), QUALITY)
        .encode_image(&copy)
        .map_err(|e| format!("its blurred copy cannot be encoded: {e}"))?;
    Ok(out)
}

/// A rectangle of whole pixels inside the picture.
#[derive(Debug, Clone, Copy)]
struct Region {
    x: u32,
    y: u32,
    w: u32,
    h: u32,
}

impl Region {
    /// The pixels `b` covers in a `width`×`height` picture (boxes come from events, so they are
    /// clamped); `None` when it covers none.
    fn of(b: &ImageBox, width: u32, height: u32) -> Option<Region> {
        let clamp = |v: f64, max: u32| {
            if v.is_finite() {
                v.clamp(0.0, max as f64)
            } else {
                0.0
            }
        };
        let (x1, x2) = (clamp(b.x1, width).floor(), clamp(b.x2, width).ceil());
        let (y1, y2) = (clamp(b.y1, height).floor(), clamp(b.y2, height).ceil());
        (x2 > x1 && y2 > y1).then_some(Region {
            x: x1 as u32,
            y: y1 as u32,
            w: (x2 - x1) as u32,
            h: (y2 - y1) as u32,
        })
    }
}

/// Replaces each `cell`×`cell` square of `region` (from its top-left corner) by its mean colour.
fn pixelate(img: &mut RgbImage, region: Region, cell: u32) {
    for cy in (region.y..region.y + region.h).step_by(cell as usize) {
        for cx in (region.x..region.x + region.w).step_by(cell as usize) {
            let (x_end, y_end) = (
                (cx + cell).min(region.x + region.w),
                (cy + cell).min(region.y + region.h),
            );
            let mut sum = [0u64; 3];
            for y in cy..y_end {
                for x in cx..x_end {
                    let p = img.get_pixel(x, y).0;
                    (0..3).for_each(|c| sum[c] += p[c] as u64);
                }
            }
            let n = ((x_end - cx) * (y_end - cy)) as u64;
            let mean = image::Rgb(sum.map(|s| (s / n) as u8));
            for y in cy..y_end {
                for x in cx..x_end {
                    img.put_pixel(x, y, mean);
                }
            }
        }
    }
}

/// Copies `region` of `original` back into `img`.
fn restore(img: &mut RgbImage, original: &RgbImage, region: Region) {
    for y in region.y..region.y + region.h {
        for x in region.x..region.x + region.w {
            img.put_pixel(x, y, *original.get_pixel(x, y));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_outside_the_picture_are_clamped_or_ignored() {
        let b = |x1, y1, x2, y2| ImageBox { x1, y1, x2, y2 };
        let r = Region::of(&b(-5.0, 10.2, 30.5, 500.0), 100, 50).unwrap();
        assert_eq!((r.x, r.y, r.w, r.h), (0, 10, 31, 40));
        assert!(Region::of(&b(200.0, 0.0, 300.0, 10.0), 100, 50).is_none());
        assert!(Region::of(&b(f64::NAN, 0.0, f64::INFINITY, 10.0), 100, 50).is_none());
    }

    #[test]
    fn privacy_names_round_trip() {
        for p in Privacy::ALL {
            assert_eq!(Privacy::parse(p.as_str()), Some(p));
        }
        assert_eq!(Privacy::parse("blur"), None);
    }
}
