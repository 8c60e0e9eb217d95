//! How numbers become colours and axis ticks.

/// The map's open-case classes: (least count, fill), pale to deep (ColorBrewer YlOrRd). Fixed
/// breaks rather than ones fitted to today's maximum, so a colour means the same count every day.
pub(super) const OPEN_CASE_CLASSES: [(u32, &str); 6] = [
    (0, "#f7f4ea"),
    (1, "#ffeda0"),
    (3, "#fed976"),
    (6, "#feb24c"),
    (10, "#fd8d3c"),
    (20, "#e31a1c"),
];

/// The fill for a grid with `count` open cases.
pub(super) fn open_case_fill(count: u32) -> &'static str {
    OPEN_CASE_CLASSES
        .iter()
        .rev()
        .find(|(least, _)| count >= *least)
        .map_or(OPEN_CASE_CLASSES[0].1, |(_, fill)| fill)
}

/// Colours told apart with every common colour-vision deficiency (Okabe & Ito), one per kind, in
/// order; a ninth kind starts the list again.
const KIND_PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#999999",
];

pub(super) fn kind_colour(index: usize) -> &'static str {
    KIND_PALETTE[index % KIND_PALETTE.len()]
}

/// Axis ticks from 0 in round steps (1, 2 or 5 × 10ⁿ), the last at or above `max`, about
/// `target` of them.
pub(super) fn ticks(max: u32, target: u32) -> Vec<u32> {
    let raw = f64::from(max.max(1)) / f64::from(target.max(1));
    let magnitude = 10f64.powf(raw.log10().floor()).max(1.0);
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude) as u32;
    let last = max.max(1).div_ceil(step) * step;
    (0..=last / step).map(|i| i * step).collect()
}

/// How many shades a heat cell may take besides the one for none.
pub(super) const HEAT_LEVELS: u32 = 8;

/// A heat cell's shade: 0 for none, else 1…[`HEAT_LEVELS`] by its share of `max`. The page's
/// stylesheet paints each level (`td.h0` … `td.h8`, see [`heat_colour`]): the pages allow no
/// inline styles, so a cell carries a class, not a colour.
pub(super) fn heat_level(count: u32, max: u32) -> u32 {
    if count == 0 || max == 0 {
        return 0;
    }
    let t = f64::from(count.min(max)) / f64::from(max);
    ((t * f64::from(HEAT_LEVELS)).ceil() as u32).clamp(1, HEAT_LEVELS)
}

/// The background of heat level `level`, from pale cream (none) to deep red (the most), and
/// whether text on it should be white: what the stylesheet (`web/draw.css`) must say for
/// `td.h{level}`, as a test checks.
#[cfg(test)]
fn heat_colour(level: u32) -> (String, bool) {
    const PALE: [f64; 3] = [255.0, 247.0, 236.0];
    const DEEP: [f64; 3] = [179.0, 0.0, 0.0];
    let t = f64::from(level.min(HEAT_LEVELS)) / f64::from(HEAT_LEVELS);
    let [r, g, b] = std::array::from_fn(|i| (PALE[i] + (DEEP[i] - PALE[i]) * t).round() as u8);
    (format!("#{r:02x}{g:02x}{b:02x}"), t > 0.55)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_maximum() {
        assert_eq!(ticks(0, 5), [0, 1]);
        assert_eq!(ticks(3, 5), [0, 1, 2, 3]);
        assert_eq!(ticks(7, 5), [0, 2, 4, 6, 8]);
        assert_eq!(ticks(47, 5), [0, 10, 20, 30, 40, 50]);
        assert_eq!(ticks(100, 5), [0, 20, 40, 60, 80, 100]);
        assert_eq!(ticks(1234, 5), [0, 500, 1000, 1500]);
        for max in 0..3000 {
            let t = ticks(max, 5);
            assert!(*t.last().unwrap() >= max && t.len() <= 11, "{max}: {t:?}");
        }
    }

    #[test]
    fn more_cases_are_never_paler() {
        let rank = |c| {
            OPEN_CASE_CLASSES
                .iter()
                .position(|(_, f)| *f == open_case_fill(c))
        };
        for c in 0..50 {
            assert!(rank(c + 1) >= rank(c), "{c}");
        }
        assert_ne!(open_case_fill(0), open_case_fill(1));
        assert_eq!(heat_level(0, 0), 0);
        assert_eq!(heat_level(0, 5), 0);
        assert_eq!(heat_level(1, 100), 1, "any count is darker than none");
        assert_eq!(heat_level(4, 4), HEAT_LEVELS);
        assert_eq!(heat_colour(0).0, "#fff7ec");
        assert_eq!(heat_colour(HEAT_LEVELS), ("#b30000".to_owned(), true));
    }

    #[test]
    fn the_stylesheet_paints_every_heat_level_as_drawn() {
        let css = include_str!("../../../web/draw.css");
        for level in 0..=HEAT_LEVELS {
            let (fill, white) = heat_colour(level);
            let ink = if white { "; color: #fff" } else { "" };
            let rule = format!("table.heat td.h{level} {{ background: {fill}{ink}; }}");
            assert!(css.contains(&rule), "draw.css lacks `{rule}`");
        }
    }
}
