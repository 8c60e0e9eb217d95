//! Evidence files for tests: real JPEGs, clip bytes, and files written into an evidence folder
//! the way the recorder seals them.

use std::path::Path;

use gridwatch_core::{EvidenceKind, EvidenceRef, Sha256Hex};

use super::morning;

/// A real JPEG of `width`×`height` pixels; noisy, so that it does not compress to nothing, and
/// different for each `seed`.
pub fn jpeg(width: u16, height: u16, seed: u32) -> Vec<u8> {
    let mut state = 0x2545_f491_u32 ^ seed;
    let pixels: Vec<u8> = (0..width as usize * height as usize * 3)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        })
        .collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&pixels, width, height, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

/// A clip's bytes: not a playable video, but bytes with a digest, all that serving needs.
pub fn clip() -> Vec<u8> {
    (0..4096u32).map(|i| (i * 7 % 251) as u8).collect()
}

/// Writes `bytes` at `path` under `root`; the reference a violation carries for it.
pub fn sealed(root: &Path, path: &str, kind: EvidenceKind, media_type: &str, bytes: &[u8]) -> EvidenceRef {
    let file = root.join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, bytes).unwrap();
    EvidenceRef {
        kind,
        path: path.to_owned(),
        media_type: media_type.to_owned(),
        bytes: bytes.len() as u64,
        sha256: Sha256Hex::of(bytes),
        captured_at: morning(),
    }
}
