//! The pages' stylesheet and scripts, compiled into the binary and served by name: a request
//! names an asset, never a file.

use axum::{
    extract::Path,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

use crate::api::AppState;

/// Name, media type, bytes.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        concat!(
            include_str!("../../web/base.css"),
            include_str!("../../web/centre.css"),
            include_str!("../../web/draw.css"),
            include_str!("../../web/overview.css"),
            include_str!("../../web/shops.css"),
            include_str!("../../web/case.css")
        )
        .as_bytes(),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/app.js"),
    ),
    (
        "centre.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/centre.js"),
    ),
    (
        "review.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/review.js"),
    ),
    (
        "case.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/case.js"),
    ),
    (
        "report.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/report.js"),
    ),
];

pub fn routes() -> Router<AppState> {
    Router::new().route("/static/{name}", get(serve))
}

/// A strong validator: the content's hash, so a browser revalidates cheaply after an upgrade.
fn etag(bytes: &[u8]) -> String {
    format!("\"{}\"", &gridwatch_core::Sha256Hex::of(bytes).to_string()[..16])
}

async fn serve(Path(name): Path<String>, headers: HeaderMap) -> Response {
    let Some(&(_, media_type, bytes)) = ASSETS.iter().find(|(n, _, _)| *n == name) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let tag = etag(bytes);
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == tag.as_bytes())
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, tag)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, media_type.to_owned()),
            (header::ETAG, tag),
            (header::CACHE_CONTROL, "no-cache".to_owned()),
        ],
        bytes,
    )
        .into_response()
}
