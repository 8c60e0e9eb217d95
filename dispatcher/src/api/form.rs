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
    /// A picture too big, too many, or not a picture.
    Photo(PhotoError),
    /// The form itself: cut short, malformed, over the body limit, or a field too long.
    Form(ApiError),
}

/// Reads `form`: parts named `photo_part` with content are pictures, every other part a text
/// field. After a refusal the rest is still read (the body limit bounds it): a client that is
/// still sending hears the answer rather than a reset connection.
pub async fn read(mut form: Multipart, photo_part: &str) -> Result<Received, Refusal> {
    let mut received = Received::default();
    let mut refusal = None;
    while let Some(mut part) = form.next_field().await.map_err(unreadable)? {
        let name = part.name().unwrap_or_default().to_owned();
        let file_name = part.file_name().map(str::to_owned);
        let is_photo = name == photo_part;
        let limit = if is_photo { MAX_PHOTO_BYTES } else { MAX_FIELD };
        if refusal.is_none() && is_photo && received.photos.len() == MAX_PHOTOS_PER_UPLOAD {
            refusal = Some(Refusal::Photo(PhotoError::TooMany));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = part.chunk().await.map_err(unreadable)? {
            if refusal.is_some() {
                continue;
            }
            if bytes.len() + chunk.len() > limit {
                refusal = Some(if is_photo {
                    Refusal::Photo(PhotoError::TooBig {
                        file_name: file_name.clone().unwrap_or_else(|| name.clone()),
                    })
                } else {
                    Refusal::Form(ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("{name}: longer than the {} KiB a field may have", MAX_FIELD >> 10),
                    ))
                });
                bytes = Vec::new();
                continue;
            }
            bytes.extend_from_slice(&chunk);
        }
        if refusal.is_some() {
            continue;
        }
        if is_photo {
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
                    refusal = Some(Refusal::Form(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        format!("{name}: not UTF-8 text"),
                    )))
                }
            }
        }
    }
    match refusal {
        Some(refusal) => Err(refusal),
        None => Ok(received),
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
