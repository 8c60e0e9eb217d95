//! The package's zip: written in memory, pictures and clips stored as they are (they are
//! compressed already), records deflated; read back member by member with every CRC checked, and
//! with bounds, since a package to verify may come from anywhere.

use std::io::{Cursor, Read, Write};

use zip::{write::SimpleFileOptions, CompressionMethod, ZipArchive, ZipWriter};

/// The most a package's members may hold together when read back: far above any real case.
pub const MAX_UNPACKED: u64 = 4 << 30;

/// The zip of `files` (name, bytes), in that order.
pub fn write(files: &[(String, Vec<u8>)]) -> zip::result::ZipResult<Vec<u8>> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in files {
        let compressed = [".json", ".html", ".toml", ".sha256"]
            .iter()
            .any(|ext| name.ends_with(ext));
        let method = if compressed {
            CompressionMethod::Deflated
        } else {
            CompressionMethod::Stored
        };
        zip.start_file(
            name.as_str(),
            SimpleFileOptions::default().compression_method(method),
        )?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// Why a package cannot be read as a zip.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("not a readable zip archive ({0}); the file is damaged, cut short or not a package")]
    NotAZip(String),
    /// A member's bytes do not match their CRC, or cannot be inflated.
    #[error("member `{name}`: its bytes cannot be read back as written ({why}); it was changed or damaged")]
    Member { name: String, why: String },
    #[error("member {index}: its name cannot be read ({why})")]
    Name { index: usize, why: String },
    #[error("member `{0}` appears more than once")]
    Twice(String),
    #[error("the members would unpack to more than {} GiB; this is not a package", MAX_UNPACKED >> 30)]
    TooLarge,
}

/// Every member of the zip `bytes`, in order, each read to its end (so its CRC is checked).
pub fn read(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, ReadError> {
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| ReadError::NotAZip(e.to_string()))?;
    let mut members: Vec<(String, Vec<u8>)> = Vec::with_capacity(zip.len());
    let mut total = 0u64;
    for index in 0..zip.len() {
        let mut file = zip.by_index(index).map_err(|e| match zip_name(bytes, index) {
            Some(name) => ReadError::Member {
                name,
                why: e.to_string(),
            },
            None => ReadError::Name {
                index,
                why: e.to_string(),
            },
        })?;
        let name = file
            .name()
            .map_err(|e| ReadError::Name {
                index,
                why: e.to_string(),
            })?
            .into_owned();
        let size = file.size();
        total = total.saturating_add(size);
        if total > MAX_UNPACKED {
            return Err(ReadError::TooLarge);
        }
        let mut content = Vec::new();
        // Read one byte past the declared size: a member longer than it says is refused too.
        (&mut file)
            .take(size.saturating_add(1))
            .read_to_end(&mut content)
            .map_err(|e| ReadError::Member {
                name: name.clone(),
                why: e.to_string(),
            })?;
        if content.len() as u64 != size {
            return Err(ReadError::Member {
                name,
                why: "its length is not the one its header gives".into(),
            });
        }
        drop(file);
        if members.iter().any(|(n, _)| *n == name) {
            return Err(ReadError::Twice(name));
        }
        members.push((name, content));
    }
    Ok(members)
}

/// The name of member `index` from the central directory alone, when a member's own header
/// cannot be read.
fn zip_name(bytes: &[u8], index: usize) -> Option<String> {
    let zip = ZipArchive::new(Cursor::new(bytes)).ok()?;
    Some(zip.name_for_index(index)?.ok()?.into_owned())
}
