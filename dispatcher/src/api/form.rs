//! Multipart forms with pictures in them — photos added to a case, a patrol report, an Open311
//! ticket with its media — read to their end within bounds: each picture at most
//! [`MAX_PHOTO_BYTES`], at most [`MAX_PHOTOS_PER_UPLOAD`] of them, each text field short.

use axum::{
    extract::{multipart::MultipartError, Multipart},
    http::StatusCode,
};

use super::error::ApiError;
use crate::evidence::photos::{PhotoError, Upload, MAX_PHOTOS_PER_UPLOAD, MAX_PHOTO_BYTES};

/// The longest text field a form may carry, in bytes.
pub const MAX_FIELD: usize = 16 * 1024;

/// A form as read.
#[derive(Default)]
pub struct Received {
    /// Text fields, in the order sent; a file sent in a part other than the pictures' is here by
    /// its name, with no text.
    pub fields: Vec<(String, String)>,
    pub photos: Vec<Upload>,
}

impl Received {
    /// The first value of text field `name`, if sent and not blank.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }
}

/// Why a form was refused.
pub enum Refusal {
    /// A picture too big, too many, or not a picture; with the form's text fields as sent (and no
    /// pictures), so that a page can show what was typed again.
    Photo(PhotoError, Received),
    /// The form itself: cut short, malformed, over the body limit, or a field too long.
    Form(ApiError),
}

/// The status that answers a refused picture: too big or too many, not a picture, or a case
/// that has ended; the store's failures are the server's. (A refusal by the case itself is the
/// caller's to answer.)
pub fn photo_status(e: &PhotoError) -> StatusCode {
    match e {
        PhotoError::TooBig { .. } | PhotoError::TooMany => StatusCode::PAYLOAD_TOO_LARGE,
        PhotoError::NotAnImage { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        PhotoError::Ended { .. } => StatusCode::CONFLICT,
        PhotoError::Storage { .. } | PhotoError::Case(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Reads `form`: parts named `photo_part` with content are pictures, every other part a text
/// field. After a refusal the rest is still read (the body limit bounds it): a client that is
/// still sending hears the answer rather than a reset connection; after a refused picture, the
/// text fields are still kept.
pub async fn read(mut form: Multipart, photo_part: &str) -> Result<Received, Refusal> {
    let mut received = Received::default();
    let (mut photo_refused, mut form_refused) = (None, None);
    while let Some(mut part) = form.next_field().await.map_err(unreadable)? {
        let name = part.name().unwrap_or_default().to_owned();
        let file_name = part.file_name().map(str::to_owned);
        let is_photo = name == photo_part;
        let limit = if is_photo { MAX_PHOTO_BYTES } else { MAX_FIELD };
        if photo_refused.is_none() && is_photo && received.photos.len() == MAX_PHOTOS_PER_UPLOAD {
            photo_refused = Some(PhotoError::TooMany);
        }
        let skipped = form_refused.is_some() || (is_photo && photo_refused.is_some());
        let (mut bytes, mut too_long) = (Vec::new(), false);
        while let Some(chunk) = part.chunk().await.map_err(unreadable)? {
            if skipped || too_long {
                continue;
            }
            too_long = bytes.len() + chunk.len() > limit;
            if too_long {
                bytes = Vec::new();
            } else {
                bytes.extend_from_slice(&chunk);
            }
        }
        if skipped {
            continue;
        }
        if too_long && is_photo {
            photo_refused = Some(PhotoError::TooBig {
                file_name: file_name.unwrap_or(name),
            });
        } else if too_long {
            form_refused = Some(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("{name}: longer than the {} KiB a field may have", MAX_FIELD >> 10),
            ));
        } else if is_photo {
            // A file input left empty still sends its part.
            if !bytes.is_empty() {
                let file_name = file_name.unwrap_or(name);
                received.photos.push(Upload { file_name, bytes });
            }
        } else if file_name.is_some() {
            // A file in a part meant for text: named, so the caller can refuse it by name.
            received.fields.push((name, String::new()));
        } else {
            match String::from_utf8(bytes) {
                Ok(text) => received.fields.push((name, text)),
                Err(_) => {
                    form_refused = Some(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        format!("{name}: not UTF-8 text"),
                    ))
                }
            }
        }
    }
    match (form_refused, photo_refused) {
        (Some(e), _) => Err(Refusal::Form(e)),
        (None, Some(e)) => Err(Refusal::Photo(
            e,
            Received {
                photos: Vec::new(),
                ..received
            },
        )),
        (None, None) => Ok(received),
    }
}

/// A form that cannot be read to its end: cut short, malformed, or over the body limit.
fn unreadable(e: MultipartError) -> Refusal {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return Refusal::Form(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the upload is larger than a request may be: at most {MAX_PHOTOS_PER_UPLOAD} photos of {} MiB each",
                MAX_PHOTO_BYTES >> 20
            ),
        ));
    }
    Refusal::Form(ApiError::new(
        e.status(),
        format!("the upload cannot be read as a form: {}", e.body_text()),
    ))
}
