//! The city map's legend: what its shades, squares and dots mean.

use std::fmt::Write;

use gridwatch_core::CameraState;

use super::{health, CaseGroup, MapLabels};
use crate::web::draw::{
    markup::{escape, swatch},
    scale::OPEN_CASE_CLASSES,
};

/// The map's legend as an HTML list, to set beside or below the map (it reflows on a phone
/// where text inside the scaled drawing would not).
pub fn map_legend(labels: &MapLabels) -> String {
    let mut html = format!(
        r#"<div class="map-legend"><p class="legend-title">{}</p><ul class="legend open-cases">"#,
        escape(labels.open_cases)
    );
    for (i, (least, fill)) in OPEN_CASE_CLASSES.iter().enumerate() {
        let range = match OPEN_CASE_CLASSES.get(i + 1) {
            Some((next, _)) if next - 1 == *least => least.to_string(),
            Some((next, _)) => format!("{least}–{}", next - 1),
            None => format!("{least}+"),
        };
        let _ = write!(html, "<li>{}{range}</li>", swatch(fill, false));
    }
    let _ = write!(
        html,
        r#"</ul><p class="legend-title">{}</p><ul class="legend cams">"#,
        escape(labels.cameras)
    );
    for state in [
        Some(CameraState::Online),
        Some(CameraState::Stalled),
        Some(CameraState::Offline),
        Some(CameraState::Frozen),
        Some(CameraState::Dark),
        Some(CameraState::Moved),
        None,
    ] {
        let (class, fill, word) = health(state, labels);
        let _ = write!(
            html,
            r#"<li class="cam {class}">{}{}</li>"#,
            swatch(fill, false),
            escape(word)
        );
    }
    let _ = write!(
        html,
        r#"</ul><p class="legend-title">{}</p><ul class="legend cases">"#,
        escape(labels.cases)
    );
    for group in [CaseGroup::Waiting, CaseGroup::WithTeam, CaseGroup::Handled] {
        let _ = write!(
            html,
            r#"<li class="case {}">{}{}</li>"#,
            group.class(),
            swatch(group.fill(), true),
            escape(group.label(labels))
        );
    }
    html.push_str("</ul></div>");
    html
}
