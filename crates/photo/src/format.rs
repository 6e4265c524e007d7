//! Format detection from the first bytes of the file; the file name is never consulted.

use crate::PhotoError;
use serde::{Deserialize, Serialize};

/// The image formats ClearShot can inspect, decode and re-export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Jpeg,
    Png,
    Tiff,
    Webp,
}

impl Format {
    /// The name people know the format by, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::Tiff => "TIFF",
            Format::Webp => "WebP",
        }
    }

    pub(crate) fn image_format(self) -> image::ImageFormat {
        match self {
            Format::Jpeg => image::ImageFormat::Jpeg,
            Format::Png => image::ImageFormat::Png,
            Format::Tiff => image::ImageFormat::Tiff,
            Format::Webp => image::ImageFormat::WebP,
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

fn unsupported(what: &str, advice: &str) -> PhotoError {
    PhotoError::UnsupportedFormat(format!("{what} are not supported; {advice}"))
}

const EXPORT_JPEG: &str = "export as JPEG";

/// Identifies the file type from its magic bytes.
///
/// Formats we cannot handle are named in the error so the person knows what to do: HEIC/HEIF,
/// AVIF, JPEG XL, GIF, BMP, PSD, JPEG 2000 and camera raw files (CR2, CR3, CRW, NEF, RAF, RW2,
/// ORF, DNG and other TIFF-based raw files) give [`PhotoError::UnsupportedFormat`].
pub fn detect_format(bytes: &[u8]) -> Result<Format, PhotoError> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Format::Jpeg);
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Ok(Format::Png);
    }
    if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        return Ok(Format::Webp);
    }
    if starts(b"II*\0") || starts(b"MM\0*") || starts(b"II+\0") || starts(b"MM\0+") {
        return tiff_or_raw(bytes);
    }
    if starts(b"IIU\0") {
        return Err(unsupported("Panasonic RW2 raw files", EXPORT_JPEG));
    }
    if starts(b"IIRO") || starts(b"IIRS") || starts(b"MMOR") {
        return Err(unsupported("Olympus ORF raw files", EXPORT_JPEG));
    }
    if starts(b"FUJIFILMCCD-RAW") {
        return Err(unsupported("Fujifilm RAF raw files", EXPORT_JPEG));
    }
    if bytes.len() >= 14
        && (starts(b"II\x1a\0\0\0") || starts(b"MM\0\0\0\x1a"))
        && &bytes[6..14] == b"HEAPCCDR"
    {
        return Err(unsupported("Canon CRW raw files", EXPORT_JPEG));
    }
    if bytes.get(4..8) == Some(b"ftyp") {
        return Err(iso_bmff(bytes));
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Err(unsupported("GIF images", EXPORT_JPEG));
    }
    if starts(b"BM") && bytes.len() >= 26 {
        return Err(unsupported("BMP images", EXPORT_JPEG));
    }
    if starts(&[0xFF, 0x0A]) || starts(b"\0\0\0\x0cJXL \r\n\x87\n") {
        return Err(unsupported("JPEG XL images", EXPORT_JPEG));
    }
    if starts(b"\0\0\0\x0cjP  \r\n\x87\n") || starts(&[0xFF, 0x4F, 0xFF, 0x51]) {
        return Err(unsupported("JPEG 2000 images", EXPORT_JPEG));
    }
    if starts(b"8BPS") {
        return Err(unsupported("Photoshop PSD files", EXPORT_JPEG));
    }
    if starts(b"%!PS") || starts(&[0xC5, 0xD0, 0xD3, 0xC6]) {
        return Err(unsupported("PostScript/EPS files", EXPORT_JPEG));
    }
    if starts(b"%PDF") {
        return Err(unsupported("PDF files", EXPORT_JPEG));
    }
    if starts(&[0xFF, 0xD8]) {
        // SOI without a following marker: a JPEG start, but broken from the first bytes.
        return Err(PhotoError::malformed(
            "JPEG",
            "no marker after the start of image",
        ));
    }
    Err(PhotoError::UnsupportedFormat(
        "not a recognised photo (expected JPEG, PNG, TIFF or WebP)".to_owned(),
    ))
}

/// ISO base media files: HEIF/HEIC/AVIF stills, Canon CR3 raw, or video.
fn iso_bmff(bytes: &[u8]) -> PhotoError {
    let brand = bytes.get(8..12).unwrap_or_default();
    // Compatible brands follow the major brand and minor version, up to the end of the ftyp box.
    let box_len = bytes
        .get(0..4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, |b| u32::from_be_bytes(b) as usize);
    let compatible = bytes
        .get(16..box_len.min(bytes.len()).max(16))
        .unwrap_or_default();
    let has = |b: &[u8; 4]| brand == b || compatible.chunks_exact(4).any(|c| c == b);
    if has(b"crx ") {
        unsupported("Canon CR3 raw files", EXPORT_JPEG)
    } else if has(b"avif") || has(b"avis") {
        unsupported("AVIF images", EXPORT_JPEG)
    } else if has(b"heic")
        || has(b"heix")
        || has(b"heim")
        || has(b"heis")
        || has(b"hevc")
        || has(b"hevx")
    {
        unsupported(
            "HEIC photos",
            "export as JPEG (on an iPhone or iPad: Settings › Camera › Formats › Most Compatible; on a camera, choose JPEG in its image quality menu)",
        )
    } else if has(b"mif1") || has(b"msf1") {
        unsupported("HEIF photos", EXPORT_JPEG)
    } else if has(b"jxl ") {
        unsupported("JPEG XL images", EXPORT_JPEG)
    } else {
        unsupported("videos", "choose a still photo")
    }
}

/// Plain TIFF, or a camera raw file built on TIFF (CR2, NEF, DNG, …), which we do not develop.
fn tiff_or_raw(bytes: &[u8]) -> Result<Format, PhotoError> {
    if bytes.get(8..10) == Some(b"CR") {
        return Err(unsupported("Canon CR2 raw files", EXPORT_JPEG));
    }
    // Raw files put a small preview in IFD0 (NewSubfileType = 1, "reduced resolution") or mark
    // themselves with DNGVersion or TIFF/EP's standard ID. A TIFF whose IFD0 cannot be parsed is
    // left to the TIFF decoder to reject.
    let Ok(exif) = exif::Reader::new().read_raw(bytes.to_vec()) else {
        return Ok(Format::Tiff);
    };
    let ifd0 = |tag: u16| exif.get_field(exif::Tag(exif::Context::Tiff, tag), exif::In::PRIMARY);
    const NEW_SUBFILE_TYPE: u16 = 0x00FE;
    const DNG_VERSION: u16 = 0xC612;
    const TIFF_EP_STANDARD_ID: u16 = 0x9216;
    if ifd0(DNG_VERSION).is_some() {
        return Err(unsupported("DNG raw files", EXPORT_JPEG));
    }
    let reduced = ifd0(NEW_SUBFILE_TYPE).and_then(|f| f.value.get_uint(0)) == Some(1);
    if reduced || ifd0(TIFF_EP_STANDARD_ID).is_some() {
        let make = ifd0(0x010F)
            .map(|f| f.display_value().to_string().to_ascii_uppercase())
            .unwrap_or_default();
        let what = if make.contains("NIKON") {
            "Nikon NEF raw files"
        } else if make.contains("SONY") {
            "Sony ARW raw files"
        } else if make.contains("PENTAX") {
            "Pentax PEF raw files"
        } else {
            "camera raw files"
        };
        return Err(unsupported(what, EXPORT_JPEG));
    }
    Ok(Format::Tiff)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(bytes: &[u8]) -> String {
        match detect_format(bytes) {
            Err(PhotoError::UnsupportedFormat(m)) => m,
            other => format!("not UnsupportedFormat: {other:?}"),
        }
    }

    #[test]
    fn detects_supported_formats_from_magic_bytes() {
        assert_eq!(
            detect_format(b"\xFF\xD8\xFF\xE0rest").ok(),
            Some(Format::Jpeg)
        );
        assert_eq!(
            detect_format(b"\x89PNG\r\n\x1a\nrest").ok(),
            Some(Format::Png)
        );
        assert_eq!(
            detect_format(b"RIFF\0\0\0\0WEBPVP8 ").ok(),
            Some(Format::Webp)
        );
    }

    #[test]
    fn heic_is_refused_with_advice_to_export_as_jpeg() {
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
        let m = message(heic);
        assert!(
            m.starts_with("HEIC photos are not supported; export as JPEG"),
            "{m}"
        );
    }

    #[test]
    fn cr3_is_named_as_canon_raw_not_heif() {
        assert!(message(b"\0\0\0\x18ftypcrx \0\0\0\x01crx isom").contains("CR3"));
    }

    #[test]
    fn unknown_bytes_are_unsupported_not_a_panic() {
        assert!(message(b"").contains("not a recognised photo"));
        assert!(message(b"hello").contains("not a recognised photo"));
    }

    #[test]
    fn serializes_as_lowercase() {
        assert_eq!(
            serde_json::to_string(&Format::Webp).ok().as_deref(),
            Some("\"webp\"")
        );
    }
}
