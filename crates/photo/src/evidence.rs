//! Provenance evidence read from a photo's metadata, without decoding pixels.

use crate::{Format, PhotoError, detect_format, sha256_hex};
use exif::{Exif, Field, In, Tag, Value};
use serde::Serialize;
use std::io::Cursor;

/// A capture location in signed decimal degrees (south and west negative).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Gps {
    pub lat: f64,
    pub lon: f64,
}

/// What a photo file says about itself: the facts a provenance check weighs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub sha256: String,
    pub format: Format,
    /// Pixel size as stored in the image header (JPEG frame, PNG IHDR, TIFF IFD0, WebP),
    /// before orientation is applied.
    pub width: u32,
    pub height: u32,
    /// EXIF Orientation as stored (1–8 when valid; an invalid value is reported as found).
    pub orientation: Option<u16>,
    /// EXIF Make and Model, trailing NULs and spaces removed.
    pub make: Option<String>,
    pub model: Option<String>,
    /// The camera body serial number, when the file records one.
    pub serial: Option<String>,
    /// Where `serial` came from: "BodySerialNumber" (EXIF 0xA431) or a maker-note tag such as
    /// "Canon:SerialNumber" or "Nikon:SerialNumber".
    pub serial_tag: Option<String>,
    /// EXIF CameraOwnerName (0xA430).
    pub owner_name: Option<String>,
    /// DateTimeOriginal as "YYYY-MM-DDTHH:MM:SS", followed by OffsetTimeOriginal ("+01:00")
    /// when the file records it. Local camera time; no time zone is invented.
    pub taken_at: Option<String>,
    pub gps: Option<Gps>,
}

/// Reads the evidence from a photo's bytes: format, header size and EXIF. Decodes no pixels.
///
/// Fails with `UnsupportedFormat` for formats we do not handle, `Malformed` when the image header
/// cannot be read, and `TooLarge` when the header declares more than [`crate::MAX_PIXELS`].
/// Broken or missing EXIF is not an error: the fields are simply absent.
pub fn inspect(bytes: &[u8]) -> Result<Evidence, PhotoError> {
    let format = detect_format(bytes)?;
    let (width, height) = header_size(bytes, format)?;
    crate::check_pixels(width, height)?;
    let exif = read_exif(bytes, format);
    let mut evidence = Evidence {
        sha256: sha256_hex(bytes),
        format,
        width,
        height,
        orientation: None,
        make: None,
        model: None,
        serial: None,
        serial_tag: None,
        owner_name: None,
        taken_at: None,
        gps: None,
    };
    if let Some(exif) = exif {
        fill_from_exif(&mut evidence, &exif);
    }
    Ok(evidence)
}

/// The stored pixel size, read from the image header only.
///
/// JPEG: the frame header (SOF), read by `jpeg-decoder`, which stops there, so a photo whose
/// scan data is truncated still reports its size (as ExifTool does). TIFF: IFD0's ImageWidth
/// and ImageLength. Otherwise, and as a fallback, the `image` decoder's header parser.
pub(crate) fn header_size(bytes: &[u8], format: Format) -> Result<(u32, u32), PhotoError> {
    let mut jpeg_error = None;
    let known = match format {
        Format::Jpeg => match jpeg_frame_size(bytes) {
            Ok(size) => Some(size),
            Err(e) => {
                jpeg_error = Some(e);
                None
            }
        },
        Format::Tiff => tiff_ifd0_size(bytes),
        Format::Png | Format::Webp => None,
    };
    if let Some(size) = known {
        return Ok(size);
    }
    // A second opinion (for JPEG, zune-jpeg); if it fails too, the first reason is reported.
    let reader = image::ImageReader::with_format(Cursor::new(bytes), format.image_format());
    crate::decode::guard_third_party(format, || reader.into_dimensions())?
        .map_err(|e| jpeg_error.unwrap_or_else(|| crate::decode::image_error(format, e)))
}

fn jpeg_frame_size(bytes: &[u8]) -> Result<(u32, u32), PhotoError> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    let info = crate::decode::guard_third_party(Format::Jpeg, || {
        decoder.read_info().map(|()| decoder.info())
    })?
    .map_err(|e| match e {
        jpeg_decoder::Error::Io(_) => PhotoError::malformed(
            Format::Jpeg,
            "the file ends before the frame header (no image data)",
        ),
        other => PhotoError::malformed(Format::Jpeg, other),
    })?
    .ok_or_else(|| PhotoError::malformed(Format::Jpeg, "no frame header"))?;
    Ok((u32::from(info.width), u32::from(info.height)))
}

fn tiff_ifd0_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let exif = read_exif(bytes, Format::Tiff)?;
    let dim = |tag| {
        exif.get_field(tag, In::PRIMARY)
            .and_then(|f| integer(&f.value))
            .and_then(|v| u32::try_from(v).ok())
    };
    Some((dim(Tag::ImageWidth)?, dim(Tag::ImageLength)?))
}

/// The first value of an integer field of any integer type (some cameras write SLONG).
fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Byte(v) => v.first().map(|&x| i64::from(x)),
        Value::Short(v) => v.first().map(|&x| i64::from(x)),
        Value::Long(v) => v.first().map(|&x| i64::from(x)),
        Value::SByte(v) => v.first().map(|&x| i64::from(x)),
        Value::SShort(v) => v.first().map(|&x| i64::from(x)),
        Value::SLong(v) => v.first().map(|&x| i64::from(x)),
        _ => None,
    }
}

/// The EXIF block, if the file has a readable one. Damaged EXIF yields what could be read.
pub(crate) fn read_exif(bytes: &[u8], format: Format) -> Option<Exif> {
    let mut reader = exif::Reader::new();
    reader.continue_on_error(true);
    let result = crate::decode::guard_third_party(format, || match format {
        Format::Tiff => reader.read_raw(bytes.to_vec()),
        Format::Png => match png_raw_profile_exif(bytes) {
            Some(tiff) => reader.read_raw(tiff),
            None => reader.read_from_container(&mut Cursor::new(bytes)),
        },
        _ => reader.read_from_container(&mut Cursor::new(bytes)),
    })
    .ok()?;
    match result {
        Ok(exif) => Some(exif),
        Err(e) => e.distill_partial_result(|_errors| {}).ok(),
    }
}

/// EXIF that ImageMagick (and exiv2) keep in a PNG text chunk, "Raw profile type exif" (or
/// "APP1"): "\nexif\n   LENGTH\nHEX…", whose bytes are "Exif\0\0" and a TIFF block. Read
/// only when the PNG has no standard eXIf chunk. Text chunks are parsed by the `png` crate,
/// which bounds decompression.
fn png_raw_profile_exif(bytes: &[u8]) -> Option<Vec<u8>> {
    let decoder = png::Decoder::new(Cursor::new(bytes));
    let reader = decoder.read_info().ok()?;
    let info = reader.info();
    if info.exif_metadata.is_some() {
        return None;
    }
    let is_exif_profile = |k: &str| k == "Raw profile type exif" || k == "Raw profile type APP1";
    let text = info
        .compressed_latin1_text
        .iter()
        .find(|c| is_exif_profile(&c.keyword))
        .and_then(|c| c.get_text().ok())
        .or_else(|| {
            info.uncompressed_latin1_text
                .iter()
                .find(|c| is_exif_profile(&c.keyword))
                .map(|c| c.text.clone())
        })?;
    let mut words = text.split_ascii_whitespace();
    let _name = words.next()?;
    let _len = words.next()?;
    let hex_digits: String = words.collect();
    let raw = hex::decode(hex_digits).ok()?;
    Some(raw.strip_prefix(b"Exif\0\0").unwrap_or(&raw).to_vec())
}

/// EXIF Orientation (IFD0) as stored.
pub(crate) fn orientation(exif: &Exif) -> Option<u16> {
    exif.get_field(Tag::Orientation, In::PRIMARY)
        .and_then(|f| integer(&f.value))
        .and_then(|v| u16::try_from(v).ok())
}

fn fill_from_exif(ev: &mut Evidence, exif: &Exif) {
    let primary = |tag: Tag| exif.get_field(tag, In::PRIMARY);
    ev.orientation = orientation(exif);
    ev.make = primary(Tag::Make).and_then(text);
    ev.model = primary(Tag::Model).and_then(text);
    ev.owner_name = primary(Tag::CameraOwnerName).and_then(text);
    if let Some(serial) = primary(Tag::BodySerialNumber).and_then(text) {
        ev.serial = Some(serial);
        ev.serial_tag = Some("BodySerialNumber".to_owned());
    } else if let Some((tag, serial)) = crate::evidence::makernote_serial(exif, ev.make.as_deref())
    {
        ev.serial = Some(serial);
        ev.serial_tag = Some(tag.to_owned());
    }
    ev.taken_at = taken_at(exif);
    ev.gps = gps(exif);
}

/// An ASCII (or UNDEFINED, as some cameras write) field as text; empty text counts as absent.
fn text(field: &Field) -> Option<String> {
    let raw: &[u8] = match &field.value {
        Value::Ascii(parts) => parts.first()?,
        Value::Undefined(bytes, _) => bytes,
        _ => return None,
    };
    let s = String::from_utf8_lossy(raw);
    let s = s.trim_end_matches(['\0', ' ']);
    (!s.trim().is_empty()).then(|| s.to_owned())
}

fn taken_at(exif: &Exif) -> Option<String> {
    // Some cameras put DateTimeOriginal in IFD0 instead of the Exif IFD.
    let field = exif
        .get_field(Tag::DateTimeOriginal, In::PRIMARY)
        .or_else(|| exif.get_field(Tag(exif::Context::Tiff, 0x9003), In::PRIMARY))?;
    let Value::Ascii(parts) = &field.value else {
        return None;
    };
    let dt = exif::DateTime::from_ascii(parts.first()?).ok()?;
    let mut iso = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second
    );
    if let Some(offset) = exif
        .get_field(Tag::OffsetTimeOriginal, In::PRIMARY)
        .and_then(text)
        .filter(|o| is_utc_offset(o))
    {
        iso.push_str(&offset);
    }
    Some(iso)
}

/// "+HH:MM" or "-HH:MM", as EXIF 2.31 writes OffsetTimeOriginal ("   :  " means unknown).
fn is_utc_offset(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 6
        && (b[0] == b'+' || b[0] == b'-')
        && b[1..3].iter().all(u8::is_ascii_digit)
        && b[3] == b':'
        && b[4..6].iter().all(u8::is_ascii_digit)
}

fn gps(exif: &Exif) -> Option<Gps> {
    let coord = |value_tag: Tag, ref_tag: Tag, negative: u8| -> Option<f64> {
        let field = exif.get_field(value_tag, In::PRIMARY)?;
        let parts: Vec<f64> = match &field.value {
            Value::Rational(p) => p
                .iter()
                .map(|r| (r.denom != 0).then(|| r.to_f64()))
                .collect::<Option<_>>()?,
            Value::SRational(p) => p
                .iter()
                .map(|r| (r.denom != 0).then(|| r.to_f64()))
                .collect::<Option<_>>()?,
            _ => return None,
        };
        if parts.is_empty() {
            return None;
        }
        let mut degrees = 0.0;
        for (part, scale) in parts.iter().zip([1.0, 60.0, 3600.0]) {
            degrees += part / scale;
        }
        let hemisphere = exif.get_field(ref_tag, In::PRIMARY).and_then(text);
        let hemisphere = hemisphere.as_deref().and_then(|h| h.bytes().next());
        let degrees = if hemisphere.map(|h| h.to_ascii_uppercase()) == Some(negative) {
            -degrees
        } else {
            degrees
        };
        degrees.is_finite().then_some(degrees)
    };
    let lat = coord(Tag::GPSLatitude, Tag::GPSLatitudeRef, b'S')?;
    let lon = coord(Tag::GPSLongitude, Tag::GPSLongitudeRef, b'W')?;
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some(Gps { lat, lon })
}

/// Serial numbers that cameras keep only in their maker notes. Not yet read: the EXIF crate
/// does not parse maker notes (see the crate report); kept as the single place to add them.
pub(crate) fn makernote_serial(
    _exif: &Exif,
    _make: Option<&str>,
) -> Option<(&'static str, String)> {
    None
}
