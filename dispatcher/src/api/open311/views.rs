//! What an Open311 request says of a case. The public view, for anyone, carries only what a
//! citizen may know: the kind, the status, the place rounded to its street, the times. Evidence,
//! cameras, who was sent, shop details, review notes and reporters never appear in it. A key or a
//! signed-in session sees the full view.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use crate::{
    cases::{Case, Source, State},
    store::reports::ReportRow,
};

/// What a citizen is told of each state.
fn status_notes(state: State) -> &'static str {
    match state {
        State::Reported => "received; waiting for review",
        State::Filed => "accepted as a case",
        State::Voided => "closed after review: not a violation",
        State::Dispatched => "sent to the grid team",
        State::Accepted | State::Returned | State::Rework => "being handled by the grid team",
        State::Handled => "handled; waiting for verification",
        State::Verified => "verified as resolved",
        State::Closed => "resolved and closed",
        State::Reopened => "reopened",
    }
}

fn iso(ms: Option<i64>) -> Option<String> {
    ms.and_then(DateTime::<Utc>::from_timestamp_millis)
        .map(|t| t.to_rfc3339())
}

fn rounded(degrees: f64, decimals: u8) -> f64 {
    let scale = 10f64.powi(i32::from(decimals));
    (degrees * scale).round() / scale
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("views are JSON objects"),
    }
}

/// A violation kind as an Open311 service.
pub fn service(code: &str, name: &str) -> Map<String, Value> {
    object(json!({
        "service_code": code,
        "service_name": name,
        "description": format!("{name}: found by the city's cameras or reported by people"),
        "metadata": false,
        "type": "realtime",
        "keywords": "",
        "group": "street order",
    }))
}

/// `case` for anyone: `kind_name` is how people call its kind, `agency` the grid that handles
/// it; the place is rounded to `decimals` places.
pub fn public(case: &Case, kind_name: &str, agency: &str, decimals: u8) -> Map<String, Value> {
    let source = match case.source {
        Source::Camera => "found by a city camera",
        Source::Hotline => "reported through the hotline",
        Source::Patrol => "reported by a grid patrol",
    };
    object(json!({
        "service_request_id": case.number.to_string(),
        "status": if case.state.is_open() { "open" } else { "closed" },
        "status_notes": status_notes(case.state),
        "service_code": case.kind,
        "service_name": kind_name,
        "description": format!("{kind_name}, {source}"),
        "agency_responsible": agency,
        "service_notice": "",
        "requested_datetime": iso(Some(case.reported_at)),
        "updated_datetime": iso(Some(case.updated_at)),
        "expected_datetime": iso(case.handle_due),
        "address": Value::Null,
        "address_id": Value::Null,
        "zipcode": Value::Null,
        "lat": rounded(case.lat, decimals),
        "long": rounded(case.lon, decimals),
        "media_url": Value::Null,
    }))
}

/// `case` for a reader with a key: the public view with the exact place, what was seen and by
/// whom, the case's own state and who has it; `reports` are the people's reports it holds.
pub fn full(case: &Case, kind_name: &str, agency: &str, reports: &[&ReportRow]) -> Map<String, Value> {
    let mut view = public(case, kind_name, agency, 15);
    let seen = match case.source {
        Source::Camera => format!(
            "{kind_name} seen by camera {}{}",
            case.camera,
            case.zone
                .as_ref()
                .map(|z| format!(" in zone {z}"))
                .unwrap_or_default()
        ),
        _ => format!("{kind_name}, reported by {}", case.source),
    };
    let said: Vec<&str> = reports.iter().map(|r| r.description.as_str()).collect();
    let description = if said.is_empty() {
        seen
    } else {
        format!("{seen}: {}", said.join(" / "))
    };
    let first = reports.first();
    view.extend(object(json!({
        "description": description,
        "status_notes": format!("{}; case state {}", status_notes(case.state), case.state),
        "lat": case.lat,
        "long": case.lon,
        "address": first.and_then(|r| r.address.clone()),
        "media_url": reports.iter().find_map(|r| r.media_url.clone()),
        "source": case.source,
        "state": case.state,
        "case_id": case.id,
        "grid": case.grid,
        "assignee": case.assignee,
        "occurrences": case.occurrences,
    })));
    view
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_place_is_rounded_to_its_street() {
        assert_eq!(rounded(26.071_245_7, 3), 26.071);
        assert_eq!(rounded(119.285_594_3, 3), 119.286);
        assert_eq!(rounded(119.285_594_3, 0), 119.0);
    }
}
