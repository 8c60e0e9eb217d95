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

/// A heat cell's background: `count` of `max` from pale cream (none) to deep red (the most), and
/// whether text on it should be white.
pub(super) fn heat_fill(count: u32, max: u32) -> (String, bool) {
    const PALE: [f64; 3] = [255.0, 247.0, 236.0];
    const DEEP: [f64; 3] = [179.0, 0.0, 0.0];
    let t = if max == 0 {
        0.0
    } else {
        f64::from(count.min(max)) / f64::from(max)
    };
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
        assert_eq!(heat_fill(0, 0).0, "#fff7ec");
        assert_eq!(heat_fill(4, 4), ("#b30000".to_owned(), true));
    }
}
