//! A case's evidence over HTTP: the list of its artifacts, each file (with ranges and conditional
//! requests, as `<video>` and `<img>` send them), each picture's thumbnail, photo uploads as
//! `multipart/form-data`, and the evidence package for legal review.

use axum::{
    body::Body,
    extract::{multipart::MultipartRejection, Multipart, Path, Query, Request, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use tower_http::services::ServeFile;

use super::{about_case, error::ApiError, form::Refusal, AppState, Caller, READERS};
use crate::evidence::{
    package::{Package, PackageError, Privacy, EXPORTERS},
    photos::{PhotoError, MAX_PHOTOS_PER_UPLOAD, MAX_PHOTO_BYTES},
    Artifact, EvidenceError,
};

/// The body limit of a photo upload: the most photos, each of the largest size, and room for the
/// form's own lines.
pub const MAX_UPLOAD_BODY: usize = MAX_PHOTOS_PER_UPLOAD * MAX_PHOTO_BYTES + 64 * 1024;

/// The form part that carries a photo.
const PHOTO_PART: &str = "photo";

pub(super) async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Artifact>>, ApiError> {
    caller.require(&READERS, "read cases")?;
    Ok(Json(
        s.dispatcher
            .evidence(&caller.actor, &id)
            .await
            .map_err(about_case(&id))?,
    ))
}

/// The query of a file request. Unknown keys are let through: `api_key` may ride along.
#[derive(Deserialize)]
pub(super) struct FileQuery {
    /// `1` (or `true`): save the file rather than show it.
    download: Option<String>,
}

pub(super) async fn file(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, digest)): Path<(String, String)>,
    Query(query): Query<FileQuery>,
    request: Request,
) -> Result<Response, ApiError> {
    caller.require(&READERS, "read cases")?;
    let found = s
        .dispatcher
        .evidence_file(&caller.actor, &id, &digest)
        .await
        .map_err(unservable(&id))?;
    // ServeFile answers ranges (206, 416), If-Modified-Since and If-Unmodified-Since, and HEAD.
    let served = ServeFile::new(&found.path).try_call(request).await.map_err(|e| {
        tracing::error!(case = %id, file = %found.path.display(), error = %e, "Evidence file not served");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the evidence file could not be read; try again shortly",
        )
    })?;
    let mut response = served.map(Body::new);
    let headers = response.headers_mut();
    let shown = found.artifact.shown_as();
    if headers.contains_key(header::CONTENT_TYPE) {
        // The recorded type, not one guessed from the file name; unknown types are never shown.
        let served_as = shown.unwrap_or("application/octet-stream");
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(served_as));
    }
    let download = matches!(query.download.as_deref(), Some("1" | "true"));
    let disposition = if download {
        let name = found.artifact.download_name(found.case.number);
        Some(format!("attachment; filename=\"{name}\""))
    } else {
        shown.is_none().then(|| "attachment".to_owned())
    };
    if let Some(value) = disposition.and_then(|d| HeaderValue::try_from(d).ok()) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// The thumbnail of a picture: a JPEG at most [`crate::evidence::thumbnails::WIDTH`] pixels wide. Its digest
/// names fixed content, so browsers may keep it for a day.
pub(super) async fn thumbnail(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, digest)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    caller.require(&READERS, "read cases")?;
    let jpeg = s
        .dispatcher
        .evidence_thumbnail(&caller.actor, &id, &digest)
        .await
        .map_err(unservable(&id))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, max-age=86400"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        jpeg,
    )
        .into_response())
}

/// The query of a package request.
#[derive(Deserialize)]
pub(super) struct PackageQuery {
    /// `blur-bystanders` (the default), `blur-all-but-subject` or `none`.
    privacy: Option<String>,
}

/// The case's evidence package, exported now and recorded in its audit trail.
pub(super) async fn package(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<PackageQuery>,
) -> Result<Response, ApiError> {
    caller.require(&EXPORTERS, "export evidence packages")?;
    let privacy = privacy_of(query.privacy.as_deref())?;
    let package = s
        .dispatcher
        .export_package(&caller.actor, &id, privacy)
        .await
        .map_err(|e| unexported(e, &id))?;
    Ok(download(package))
}

/// The privacy a request names, the default when it names none.
pub(crate) fn privacy_of(named: Option<&str>) -> Result<Privacy, ApiError> {
    match named.filter(|p| !p.is_empty()) {
        None => Ok(Privacy::default()),
        Some(p) => Privacy::parse(p).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("privacy `{p}`: one of {}", Privacy::choices()),
            )
        }),
    }
}

/// A package that could not be exported from case `id`, answered.
pub(crate) fn unexported(e: PackageError, id: &str) -> ApiError {
    match e {
        PackageError::Case(e) => about_case(id)(e),
        PackageError::Build { .. } => {
            tracing::error!(case = %id, error = %e, "Evidence package not made");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the package could not be made; nothing was recorded, try again shortly",
            )
        }
        untrue => ApiError::new(StatusCode::CONFLICT, untrue.to_string()),
    }
}

/// The package as a download, its digests in headers.
pub(crate) fn download(package: Package) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", package.file_name);
    let mut response = (
        [
            (header::CONTENT_TYPE, "application/zip"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        package.bytes,
    )
        .into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_DISPOSITION, disposition),
        (
            header::HeaderName::from_static("x-package-sha256"),
            package.sha256.to_string(),
        ),
        (
            header::HeaderName::from_static("x-manifest-sha256"),
            package.manifest_sha256.to_string(),
        ),
    ] {
        if let Ok(value) = HeaderValue::try_from(value) {
            headers.insert(name, value);
        }
    }
    response
}

/// An artifact of case `id` that cannot be served, answered: the case's own refusal, or 404.
fn unservable(id: &str) -> impl Fn(EvidenceError) -> ApiError + '_ {
    move |e| match e {
        EvidenceError::Case(e) => about_case(id)(e),
        unservable => ApiError::new(StatusCode::NOT_FOUND, unservable.to_string()),
    }
}

pub(super) async fn upload(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<Vec<Artifact>>), ApiError> {
    // Who may add photos is known before the upload is read.
    s.dispatcher
        .may_add_photos(&caller.actor, &id)
        .await
        .map_err(|e| refused(e, &id))?;
    let form = form.map_err(|r| ApiError::new(r.status(), r.body_text()))?;
    let received = super::form::read(form, PHOTO_PART).await.map_err(|r| match r {
        Refusal::Photo(e, _) => refused(e, &id),
        Refusal::Form(e) => e,
    })?;
    if let Some((name, _)) = received.fields.first() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("part `{name}`: unknown; photos go in parts named `{PHOTO_PART}`"),
        ));
    }
    let uploads = received.photos;
    if uploads.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{PHOTO_PART}: missing; send each photo as a form part named `{PHOTO_PART}`"),
        ));
    }
    let stored = s
        .dispatcher
        .add_photos(&caller.actor, &id, uploads)
        .await
        .map_err(|e| refused(e, &id))?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// A refused or failed upload to case `id`, answered.
pub(super) fn refused(e: PhotoError, id: &str) -> ApiError {
    let status = match e {
        PhotoError::Case(e) => return about_case(id)(e),
        PhotoError::Storage { .. } => {
            tracing::error!(case = %id, error = %e, "Photos not stored");
            return ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the photos could not be stored; nothing was recorded, try again shortly",
            );
        }
        _ => super::form::photo_status(&e),
    };
    ApiError::new(status, e.to_string())
}
