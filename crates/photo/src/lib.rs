//! photo: the only crate that decodes images.
//!
//! It answers three questions about a photo a member of staff wants to publish:
//! * what evidence of provenance the file carries ([`inspect`]: SHA-256, EXIF make, model,
//!   body serial, capture time, GPS) without decoding any pixels;
//! * whether it is a copy of a photo seen before ([`Decoded::perceptual_hash`]);
//! * what the safe, published copy looks like ([`Decoded::export_jpeg`]: re-encoded,
//!   orientation applied, every piece of metadata gone, faces blurred on request).
//!
//! Pixels are decoded once per photo for all of these: [`working_copy`].
//!
//! Every entry point takes untrusted bytes. Sizes are checked against [`MAX_FILE_BYTES`] and
//! [`MAX_PIXELS`] from the headers before anything large is allocated.

mod colour;
mod decode;
mod error;
mod evidence;
mod export;
mod format;
mod phash;
#[cfg(feature = "testing")]
pub mod testing;
mod working;

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

pub mod faces;
pub use decode::{Decoded, decode, decode_scaled};
pub use error::PhotoError;
pub use evidence::{Evidence, Gps, inspect};
pub use export::Rect;
pub use faces::{FaceBox, detect_faces};
pub use format::{Format, detect_format};
pub use phash::{
    LEDGER_HASH_EDGE, PERCEPTUAL_HASH_BYTES, PerceptualHash, SIMILAR_MAX_DISTANCE,
    SIMILAR_UNTIMED_MAX_DISTANCE,
};
pub use working::{WORKING_EDGE, pixel_decodes_on_this_thread, working_copy};

/// Largest photo file we read: 200 MiB. Bigger than any camera JPEG, small enough to hold in memory.
pub const MAX_FILE_BYTES: u64 = 200 * 1024 * 1024;

/// Largest image we decode: 100 megapixels (a 100 MP RGB8 image is 300 MB in memory).
pub const MAX_PIXELS: u64 = 100_000_000;

/// Largest single allocation a decoder may make (passed to `image::Limits::max_alloc`):
/// room for 100 MP of RGBA8, refusing 16-bit images of that size rather than exhausting memory.
pub const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;

/// Lowercase hex SHA-256 of the file bytes: the photo's identity in the provenance ledger and audit log.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Reads a photo file, refusing one over [`MAX_FILE_BYTES`] before reading it.
pub fn read_file(path: &Path) -> Result<Vec<u8>, PhotoError> {
    // A named pipe would block the open (and the read) until something writes to it, and a
    // device never ends: only regular files are read. Asked of the path before opening it, and
    // of the open file again, in case the path was swapped in between.
    not_a_regular_file(&std::fs::metadata(path)?)?;
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    not_a_regular_file(&meta)?;
    let len = meta.len();
    if len > MAX_FILE_BYTES {
        return Err(PhotoError::TooLarge(format!(
            "file is {} MiB, over the {} MiB limit",
            len / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    // `take` guards against a file that grows between the size check and the read.
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(PhotoError::TooLarge(format!(
            "file is over the {} MiB limit",
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

fn not_a_regular_file(meta: &std::fs::Metadata) -> Result<(), PhotoError> {
    if meta.is_file() {
        return Ok(());
    }
    let what = if meta.is_dir() {
        "a folder"
    } else {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            let t = meta.file_type();
            if t.is_fifo() {
                "a named pipe"
            } else if t.is_char_device() || t.is_block_device() {
                "a device"
            } else if t.is_socket() {
                "a socket"
            } else {
                "something other than a regular file"
            }
        }
        #[cfg(not(unix))]
        {
            "something other than a regular file"
        }
    };
    Err(PhotoError::Io(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("it is {what}, not a photo file"),
    )))
}

/// Checks a header-declared size against [`MAX_PIXELS`] before any pixel buffer is allocated.
pub(crate) fn check_pixels(width: u32, height: u32) -> Result<(), PhotoError> {
    if width == 0 || height == 0 {
        return Err(PhotoError::Malformed(format!(
            "image header gives an empty size ({width}×{height})"
        )));
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(PhotoError::TooLarge(format!(
            "image is {width}×{height} pixels, over the {}-megapixel limit: take photos to post at the camera's or phone's standard size (12 MP, not a 108 MP mode), or save a smaller copy first",
            MAX_PIXELS / 1_000_000
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_named_pipe_or_a_device_is_refused_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("IMG_0002.JPG");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let e = read_file(&fifo).unwrap_err().to_string();
            assert!(e.contains("a named pipe, not a photo file"), "{e}");
        }
        let e = read_file(Path::new("/dev/zero")).unwrap_err().to_string();
        assert!(e.contains("a device, not a photo file"), "{e}");
        let e = read_file(dir.path()).unwrap_err().to_string();
        assert!(e.contains("a folder, not a photo file"), "{e}");
    }

    #[test]
    fn sha256_of_empty_input_is_the_well_known_digest() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn pixel_limit_names_the_size_a_person_can_check() {
        let err = check_pixels(30_000, 30_000).err().map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|e| e.starts_with(
                "image is 30000×30000 pixels, over the 100-megapixel limit: take photos to post"
            )),
            "{err:?}"
        );
    }

    #[test]
    fn read_file_refuses_a_missing_file_with_an_io_error() {
        let err = read_file(Path::new("/nonexistent/photo.jpg"));
        assert!(matches!(err, Err(PhotoError::Io(_))));
    }
}
