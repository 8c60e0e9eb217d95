//! A camera's zones drawn over a frame of its analysed stream, so that a city can check its zone
//! configuration against what the camera sees: each zone's outline, shaded by its role and
//! labelled with its id and role.
//!
//! Zone points are pixels of the analysed stream, so the drawing's `viewBox` is the frame's size
//! in pixels: laid over the `<img>` of that frame (same box, the stylesheet's `.frame-view`), the
//! outlines fall where the configuration puts them.

use std::fmt::Write;

use gridwatch_core::config::Zone;

use super::{
    markup::{escape, num},
    scale::kind_colour,
};

/// Common stream sizes, smallest first: the blank a camera's zones are drawn on before any frame
/// of it is known is the smallest of these that holds every zone point.
const STREAM_SIZES: [(u32, u32); 6] = [
    (640, 360),
    (704, 576),
    (1280, 720),
    (1920, 1080),
    (2560, 1440),
    (3840, 2160),
];

/// The size of the stream the points were drawn on, as well as can be told from the points
/// alone: a common size that holds them all, else their own extent.
pub fn stream_size_holding(points: impl Iterator<Item = [f64; 2]>) -> (u32, u32) {
    let (w, h) = points
        .filter(|[x, y]| x.is_finite() && y.is_finite())
        .fold((0.0_f64, 0.0_f64), |(w, h), [x, y]| (w.max(x), h.max(y)));
    STREAM_SIZES
        .iter()
        .copied()
        .find(|&(sw, sh)| w <= f64::from(sw) && h <= f64::from(sh))
        .unwrap_or((w.ceil() as u32, h.ceil() as u32))
}

/// The zones of one camera as an `<svg>` of `width` × `height` pixels. Without a frame
/// (`blank`), the drawing has a grey ground of its own; with one, it is transparent, for laying
/// over the frame's `<img>`. Each distinct role gets its own colour, in the order roles first
/// appear.
pub fn zone_overlay(zones: &[Zone], (width, height): (u32, u32), blank: bool, label: &str) -> String {
    let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
    // Text and lines in proportion to the frame, so they read alike on 640 and 1920 px streams.
    let unit = w.max(h) / 100.0;
    let mut svg = format!(
        r#"<svg class="zones{}" viewBox="0 0 {} {}" role="img" aria-label="{}" font-family="sans-serif">"#,
        if blank { " blank" } else { "" },
        num(w),
        num(h),
        escape(label)
    );
    if blank {
        svg.push_str(r##"<rect class="ground" width="100%" height="100%" fill="#e5e7eb"/>"##);
    }
    let mut roles: Vec<&str> = Vec::new();
    for zone in zones {
        let role = zone.role.as_str();
        let index = roles.iter().position(|r| *r == role).unwrap_or_else(|| {
            roles.push(role);
            roles.len() - 1
        });
        let colour = kind_colour(index);
        let points: Vec<String> = zone
            .points
            .iter()
            .filter(|[x, y]| x.is_finite() && y.is_finite())
            .map(|[x, y]| format!("{},{}", num(*x), num(*y)))
            .collect();
        let text = format!("{} · {role}", zone.id);
        let _ = write!(
            svg,
            r##"<g class="zone" data-zone="{id}" data-role="{role}"><title>{text}</title><polygon points="{points}" fill="{colour}" fill-opacity="0.22" stroke="{colour}" stroke-width="{stroke}" stroke-linejoin="round"/>"##,
            id = escape(zone.id.as_str()),
            role = escape(role),
            text = escape(&text),
            points = points.join(" "),
            stroke = num(unit * 0.35),
        );
        if let Some([x, y]) = label_point(&zone.points) {
            let _ = write!(
                svg,
                r##"<text x="{}" y="{}" font-size="{}" font-weight="600" text-anchor="middle" dominant-baseline="middle" fill="#fff" stroke="{colour}" stroke-width="{}" paint-order="stroke">{}</text>"##,
                num(x.clamp(unit * 8.0, w - unit * 8.0)),
                num(y.clamp(unit * 2.0, h - unit * 2.0)),
                num(unit * 2.2),
                num(unit * 0.6),
                escape(&text)
            );
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    svg
}

/// Where a zone's label goes: the mean of its corners (inside for the convex outlines zones
/// mostly are), or nothing when it has no point that is a number.
fn label_point(points: &[[f64; 2]]) -> Option<[f64; 2]> {
    let finite: Vec<&[f64; 2]> = points
        .iter()
        .filter(|[x, y]| x.is_finite() && y.is_finite())
        .collect();
    if finite.is_empty() {
        return None;
    }
    let n = finite.len() as f64;
    Some([
        finite.iter().map(|p| p[0]).sum::<f64>() / n,
        finite.iter().map(|p| p[1]).sum::<f64>() / n,
    ])
}

#[cfg(test)]
mod tests {
    use gridwatch_core::{ZoneId, ZoneRole};

    use super::*;

    fn zone(id: &str, role: &str, points: &[[f64; 2]]) -> Zone {
        Zone {
            id: ZoneId::new(id).unwrap(),
            role: ZoneRole::new(role).unwrap(),
            points: points.to_vec(),
        }
    }

    #[test]
    fn zones_are_drawn_in_stream_pixels_with_their_id_and_role() {
        let zones = [
            zone(
                "pavement",
                "sidewalk",
                &[[973.6, 720.0], [1280.0, 720.0], [1280.0, 571.0]],
            ),
            zone(
                "bay-1",
                "parking_bay",
                &[[647.4, 461.8], [762.5, 437.6], [607.1, 347.5]],
            ),
            zone(
                "bay-2",
                "parking_bay",
                &[[345.2, 244.4], [419.0, 237.0], [364.4, 205.5]],
            ),
        ];
        let svg = zone_overlay(&zones, (1280, 720), false, "zones");
        assert!(
            svg.starts_with(r#"<svg class="zones" viewBox="0 0 1280 720""#),
            "{svg}"
        );
        assert!(svg.contains(r#"points="973.6,720 1280,720 1280,571""#), "{svg}");
        assert!(svg.contains("<title>bay-1 · parking_bay</title>"));
        assert!(svg.contains(">pavement · sidewalk</text>"));
        // One colour per role: both bays alike, the pavement apart.
        let fill = |id: &str| {
            let g = &svg[svg.find(&format!(r#"data-zone="{id}""#)).unwrap()..];
            let f = &g[g.find(" fill=\"").unwrap() + 7..];
            f[..f.find('"').unwrap()].to_owned()
        };
        assert_eq!(fill("bay-1"), fill("bay-2"));
        assert_ne!(fill("bay-1"), fill("pavement"));
        assert!(!svg.contains("class=\"ground\""), "a frame shows beneath");
        assert!(zone_overlay(&zones, (1280, 720), true, "z").contains("class=\"ground\""));
    }

    #[test]
    fn without_a_frame_the_blank_is_a_common_stream_size_holding_every_point() {
        assert_eq!(
            stream_size_holding([[1280.0, 720.0], [10.0, 5.0]].into_iter()),
            (1280, 720)
        );
        assert_eq!(stream_size_holding([[700.0, 500.0]].into_iter()), (704, 576));
        assert_eq!(stream_size_holding([[5000.0, 100.5]].into_iter()), (5000, 101));
        assert_eq!(stream_size_holding(std::iter::empty()), (640, 360));
        assert_eq!(stream_size_holding([[f64::NAN, 1e9]].into_iter()), (640, 360));
    }

    #[test]
    fn names_are_escaped() {
        let svg = zone_overlay(
            &[zone("a", "market", &[[1.0, 1.0], [2.0, 2.0], [1.0, 2.0]])],
            (640, 360),
            true,
            "<x>",
        );
        assert!(svg.contains(r#"aria-label="&lt;x&gt;""#) && !svg.contains("<x>"));
    }
}
