//! Small JPEG copies of a case's evidence pictures, for the lists that show many at once: made on
//! first request, then kept under `<evidence_dir>/thumbnails/<sha256>-480.jpg`. They are derived
//! files, not evidence: nothing records them and `audit verify` never reads that folder, so the
//! folder may be emptied at any time. A digest names fixed content, so a kept copy never goes
//! stale.

use std::{io::Cursor, io::Write, path::Path};

use image::{codecs::jpeg::JpegEncoder, DynamicImage, ImageDecoder, ImageReader, Limits};
use tokio::sync::Semaphore;

use super::{Artifact, ArtifactKind, EvidenceError};
use crate::{Actor, Dispatcher};

/// The widest a thumbnail is, in pixels; narrower pictures keep their width.
pub const WIDTH: u32 = 480;

/// JPEG quality: a 1280×720 frame becomes about 15-30 KB.
const QUALITY: u8 = 75;

/// The folder under the evidence folder where thumbnails are kept.
const FOLDER: &str = "thumbnails";

/// The largest side a picture may have to be decoded: more than any camera or phone makes, and
/// a bound on the memory a crafted header can ask for.
const MAX_SIDE: u32 = 16_384;

/// The most memory one decode may take.
const MAX_DECODE_BYTES: u64 = 512 << 20;

/// How many thumbnails are made at once: a list of fifty new cases must not decode fifty
/// pictures side by side.
static MAKING: Semaphore = Semaphore::const_new(2);

impl Artifact {
    /// Where the API serves this artifact's thumbnail, if it is a picture that has one.
    pub fn thumbnail_url(&self) -> Option<String> {
        has_thumbnail(self).then(|| format!("{}/thumbnail", self.url))
    }
}

/// Frames, annotated frames and photos stored as a picture type have thumbnails; clips do not.
fn has_thumbnail(artifact: &Artifact) -> bool {
    matches!(
        artifact.kind,
        ArtifactKind::Frame | ArtifactKind::AnnotatedFrame | ArtifactKind::Photo
    ) && artifact.shown_as().is_some_and(|t| t.starts_with("image/"))
}

impl Dispatcher {
    /// The thumbnail (a JPEG at most [`WIDTH`] pixels wide) of the picture of case `id` whose
    /// SHA-256 is `digest`, if `actor` may see the case: the kept copy, or one made now and kept.
    pub async fn evidence_thumbnail(
        &self,
        actor: &Actor,
        id: &str,
        digest: &str,
    ) -> Result<Vec<u8>, EvidenceError> {
        let found = self.evidence_file(actor, id, digest).await?;
        let none = |why: String| EvidenceError::NoThumbnail {
            case: id.to_owned(),
            digest: digest.to_owned(),
            why,
        };
        if !has_thumbnail(&found.artifact) {
            return Err(none(format!(
                "it is a {} of type {}, not a picture",
                found.artifact.kind.as_str(),
                found.artifact.media_type
            )));
        }
        let kept = self
            .config
            .storage
            .evidence_dir
            .join(FOLDER)
            .join(format!("{}-{WIDTH}.jpg", found.artifact.sha256));
        if let Ok(bytes) = tokio::fs::read(&kept).await {
            return Ok(bytes);
        }
        let _turn = MAKING.acquire().await.map_err(|e| none(e.to_string()))?;
        let source = found.path;
        tokio::task::spawn_blocking(move || {
            let bytes = std::fs::read(&source)
                .map_err(|e| format!("its file `{}` cannot be read: {e}", source.display()))?;
            let thumbnail = make(&bytes).map_err(|e| format!("the picture cannot be decoded: {e}"))?;
            // A copy that cannot be kept is made again next time; the answer is the same.
            if let Err(e) = keep(&kept, &thumbnail) {
                tracing::warn!(file = %kept.display(), error = %e, "Thumbnail not kept");
            }
            Ok(thumbnail)
        })
        .await
        .unwrap_or_else(|e| Err(format!("making it failed: {e}")))
        .map_err(none)
    }
}

/// `picture` (JPEG, PNG or WebP) turned upright, shrunk to at most [`WIDTH`] pixels wide and
/// encoded as JPEG.
fn make(picture: &[u8]) -> Result<Vec<u8>, image::ImageError> {
    let mut reader = ImageReader::new(Cursor::new(picture)).with_guessed_format()?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder()?;
    // Phones record how they were held; browsers honour it, so the thumbnail must too.
    let orientation = decoder.orientation()?;
    let mut image = DynamicImage::from_decoder(decoder)?;
    image.apply_orientation(orientation);
    if image.width() > WIDTH {
        image = image.thumbnail(WIDTH, u32::MAX);
    }
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, QUALITY).encode_image(&image.to_rgb8())?;
    Ok(out)
}

/// Writes `thumbnail` at `path` through a temporary file beside it, so that a reader never sees
/// half a file.
fn keep(path: &Path, thumbnail: &[u8]) -> std::io::Result<()> {
    let folder = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder)?;
    let mut file = tempfile::NamedTempFile::new_in(folder)?;
    file.write_all(thumbnail)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{make, WIDTH};

    #[test]
    fn bad_pictures_are_errors_not_panics() {
        let jpeg_magic = [0xff, 0xd8, 0xff, 0xe0];
        let png_magic = *b"\x89PNG\r\n\x1a\n";
        let mut inputs: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"not a picture".to_vec(),
            jpeg_magic.to_vec(),
            png_magic.to_vec(),
            b"RIFF\0\0\0\0WEBPVP8 ".to_vec(),
        ];
        for seed in 1..40u32 {
            let mut state = seed.wrapping_mul(0x9e37_79b9);
            let garbage = (0..seed * 97).map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state as u8
            });
            let magic: &[u8] = if seed % 2 == 0 { &jpeg_magic } else { &png_magic };
            inputs.push(magic.iter().copied().chain(garbage).collect());
        }
        for input in inputs {
            assert!(make(&input).is_err(), "{} bytes decoded", input.len());
        }
    }

    #[test]
    fn a_wide_picture_shrinks_to_the_thumbnail_width_and_keeps_its_shape() {
        let picture = image::RgbImage::from_fn(1280, 720, |x, y| image::Rgb([x as u8, y as u8, 90]));
        let mut png = Vec::new();
        image::DynamicImage::ImageRgb8(picture)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let thumbnail = image::load_from_memory(&make(&png).unwrap()).unwrap();
        assert_eq!((thumbnail.width(), thumbnail.height()), (WIDTH, 270));
    }
}
