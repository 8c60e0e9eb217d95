//! `POST requests.json` / `.xml`: a ticket in, as the standard sends it — a URL-encoded form with
//! `api_key`, `service_code`, `lat` and `long`, `description`, optionally `address_string`,
//! `media_url` and the reporter's `first_name`, `last_name`, `email` and `phone` — or the same
//! fields as a multipart form with pictures in parts named `media`.

use axum::{
    extract::{FromRequest, Multipart, Path, Request, State},
    http::{header, StatusCode},
    Form,
};
use gridwatch_core::{config::Role, GeoPoint};
use serde_json::json;

use super::answer::{Answer, Format, Open311Error};
use crate::{
    api::{
        evidence::refused,
        form::{self, Received, Refusal},
        ApiError, AppState, Caller,
    },
    cases::Source,
    intake::report::{Contact, Report},
};

/// The form part that carries a picture.
const MEDIA_PART: &str = "media";

pub async fn request(
    State(s): State<AppState>,
    Path(list): Path<String>,
    request: Request,
) -> Result<Answer, Open311Error> {
    let format = match Format::split(&list) {
        Some(("requests", format)) => format,
        _ => {
            return Err(Open311Error::new(
                Format::of_path(&list),
                StatusCode::METHOD_NOT_ALLOWED,
                format!("`{list}` takes no POST; post tickets to requests.json or requests.xml"),
            ))
        }
    };
    let fail = Open311Error::from(format);
    // Some clients put the key in the query rather than the form.
    let query_key = request
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("api_key=")))
        .map(str::to_owned);
    let received = read(&s, request).await.map_err(&fail)?;
    let caller = caller(&s, &received, query_key.as_deref()).map_err(&fail)?;
    let source = match caller.actor.role {
        Role::Member => Source::Patrol,
        Role::Ingest | Role::Command | Role::Admin => Source::Hotline,
        Role::Auditor => {
            return Err(fail(ApiError::new(
                StatusCode::FORBIDDEN,
                "the auditor role may not post requests",
            )))
        }
    };
    let report = report(&received, source).map_err(&fail)?;
    let kept = s
        .dispatcher
        .keep_photos(received.photos)
        .await
        .map_err(|e| fail(refused(e, "new request")))?;
    let reported = s
        .dispatcher
        .report(&caller.actor, report, kept)
        .await
        .map_err(|e| {
            let e = ApiError::about(e, Some("open311 request"));
            // Open311 says 400 for a request it cannot take.
            let status = if e.status == StatusCode::UNPROCESSABLE_ENTITY {
                StatusCode::BAD_REQUEST
            } else {
                e.status
            };
            fail(ApiError::new(status, e.message))
        })?;
    let notice = if reported.joined {
        format!("added to request {}, already open at this place", reported.number)
    } else {
        String::new()
    };
    let serde_json::Value::Object(item) = json!({
        "service_request_id": reported.number.to_string(),
        "service_notice": notice,
        "account_id": serde_json::Value::Null,
    }) else {
        unreachable!("a JSON object literal")
    };
    Ok(Answer::requests(format, StatusCode::CREATED, vec![item]))
}

/// The ticket's fields and pictures, from a URL-encoded or a multipart form.
async fn read(s: &AppState, request: Request) -> Result<Received, ApiError> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if multipart {
        let form = Multipart::from_request(request, s)
            .await
            .map_err(|r| ApiError::new(r.status(), r.body_text()))?;
        return form::read(form, MEDIA_PART).await.map_err(|r| match r {
            Refusal::Photo(e, _) => refused(e, "new request"),
            Refusal::Form(e) => e,
        });
    }
    let Form(fields) = Form::<Vec<(String, String)>>::from_request(request, s)
        .await
        .map_err(|r| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "the body must be a URL-encoded or multipart form: {}",
                    r.body_text()
                ),
            )
        })?;
    Ok(Received {
        fields,
        photos: Vec::new(),
    })
}

/// Who posts: the holder of the form's `api_key`, or of the query's.
fn caller(s: &AppState, received: &Received, query_key: Option<&str>) -> Result<Caller, ApiError> {
    match received.field("api_key").or(query_key) {
        Some(secret) => Caller::by_token(s, secret),
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "api_key: missing; a request is posted with the key the city gave your system",
        )),
    }
}

/// The ticket as a report from `source`.
fn report(received: &Received, source: Source) -> Result<Report, ApiError> {
    let bad = |m: String| ApiError::new(StatusCode::BAD_REQUEST, m);
    let text = |name: &str| received.field(name).map(str::to_owned);
    let kind = text("service_code").ok_or_else(|| bad("service_code: missing; see services.json".into()))?;
    let degrees = |name: &str| -> Result<Option<f64>, ApiError> {
        received
            .field(name)
            .map(|v| {
                v.parse::<f64>()
                    .map_err(|_| bad(format!("{name}: `{v}` is not a number of degrees")))
            })
            .transpose()
    };
    let place = match (degrees("lat")?, degrees("long")?) {
        (Some(lat), Some(lon)) => GeoPoint::new(lon, lat).map_err(|e| bad(format!("lat, long: {e}")))?,
        _ if received.field("address_string").is_some() => {
            return Err(bad(
                "lat, long: missing; this city places requests by lat and long, an address_string alone cannot be placed"
                    .into(),
            ))
        }
        _ => return Err(bad("lat, long: missing; give where it is as lat and long".into())),
    };
    let name = [text("first_name"), text("last_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let contact = Contact {
        name: (!name.is_empty()).then_some(name),
        email: text("email"),
        phone: text("phone"),
    };
    Ok(Report {
        source,
        kind,
        place,
        address: text("address_string"),
        description: text("description").unwrap_or_default(),
        media_url: text("media_url"),
        contact: Some(contact),
    })
}
