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

/// The photo's size as displayed (orientations 5–8 swap width and height), from the header
/// and the EXIF orientation only: no hash, no other evidence.
pub fn displayed_size(bytes: &[u8]) -> Result<(u32, u32), PhotoError> {
    let format = detect_format(bytes)?;
    let (width, height) = header_size(bytes, format)?;
    crate::check_pixels(width, height)?;
    Ok(
        match read_exif(bytes, format).and_then(|e| orientation(&e)) {
            Some(5..=8) => (height, width),
            _ => (width, height),
        },
    )
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

/// A `jpeg-decoder` error as the person should read it: a valid JPEG using a variant it does
/// not read (arithmetic coding, 12-bit lossless) is unsupported, with what to do about it.
pub(crate) fn jpeg_decoder_error(e: jpeg_decoder::Error) -> PhotoError {
    match e {
        jpeg_decoder::Error::Unsupported(jpeg_decoder::UnsupportedFeature::ArithmeticEntropyCoding) => {
            PhotoError::UnsupportedFormat(
                "arithmetic-coded JPEGs are not supported; save it again as a standard JPEG (any photo editor does)".into(),
            )
        }
        jpeg_decoder::Error::Unsupported(feature) => PhotoError::UnsupportedFormat(format!(
            "this JPEG variant is not supported ({feature:?}); save it again as a standard JPEG"
        )),
        other => PhotoError::malformed(Format::Jpeg, other),
    }
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
        other => jpeg_decoder_error(other),
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
    match format {
        Format::Tiff => parse_tiff(bytes.to_vec()),
        Format::Png => match png_raw_profile_exif(bytes) {
            Some(tiff) => parse_tiff(tiff),
            None => exif_from(format, |reader| {
                reader.read_from_container(&mut Cursor::new(bytes))
            }),
        },
        _ => exif_from(format, |reader| {
            reader.read_from_container(&mut Cursor::new(bytes))
        }),
    }
}

/// A TIFF block (a file's EXIF, or a maker note presented as one) read by the EXIF crate.
fn parse_tiff(block: Vec<u8>) -> Option<Exif> {
    exif_from(Format::Tiff, |reader| reader.read_raw(block))
}

/// Runs the EXIF crate's reader, carrying on past errors: damaged EXIF yields what could be
/// read, and a panic in the crate yields nothing.
fn exif_from(
    format: Format,
    read: impl FnOnce(&exif::Reader) -> Result<Exif, exif::Error>,
) -> Option<Exif> {
    let mut reader = exif::Reader::new();
    reader.continue_on_error(true);
    match crate::decode::guard_third_party(format, || read(&reader)).ok()? {
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
    // Control characters are no part of a camera's name or serial, and printed to a terminal
    // they can rewrite what it shows (a "BLOCKED" line overwritten with "CLEARED"): each
    // becomes a space.
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    (!s.trim().is_empty()).then(|| s.trim_end().to_owned())
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

/// The body serial number that a camera keeps only in its maker note (the EXIF MakerNote
/// field, 0x927C), as `("Vendor:TagName", serial)`, for the vendors whose note holds one:
/// Canon 0x000C, Nikon 0x001D (or 0x00A0), Fujifilm 0x0010, Olympus 0x0101 (in its Equipment
/// IFD, 0x2010), Panasonic 0x0025 and Pentax 0x0229. Names follow ExifTool's.
///
/// A maker note is a TIFF IFD in the vendor's layout: some have a header, and their offsets
/// count from the main TIFF header or from the note itself. The EXIF crate parses the IFD: each
/// note is handed to it as a TIFF block whose header points at the note's IFD, with the offset
/// base the vendor uses (ExifTool's `MakerNotes.pm` documents them). Nothing else is read by
/// hand, and a note that does not parse gives no serial, never an error.
pub(crate) fn makernote_serial(exif: &Exif, make: Option<&str>) -> Option<(&'static str, String)> {
    let field = exif.get_field(Tag::MakerNote, In::PRIMARY)?;
    let Value::Undefined(note, at) = &field.value else {
        return None;
    };
    let (note, at, tiff) = (note.as_slice(), *at, exif.buf());
    let make = make?.trim().to_ascii_lowercase();
    let found = if make.starts_with("canon") {
        // No header; the IFD starts the note; offsets from the TIFF header.
        (
            "Canon:SerialNumber",
            tag_text(&ifd_in_tiff(tiff, at)?, 0x000C)?,
        )
    } else if make.starts_with("nikon") {
        let ifd = if let Some(embedded) = note.strip_prefix(b"Nikon\0\x02") {
            // "Nikon\0", a version, two zero bytes, then a whole TIFF block of its own.
            parse_tiff(embedded.get(3..)?.to_vec())?
        } else if note.starts_with(b"Nikon\0\x01") {
            ifd_in_tiff(tiff, at.checked_add(8)?)?
        } else {
            ifd_in_tiff(tiff, at)?
        };
        // 0x001D; older bodies such as the D70 wrote 0x00A0 ("NO= 20025585"), which ExifTool
        // also calls SerialNumber.
        let serial = tag_text(&ifd, 0x001D).or_else(|| tag_text(&ifd, 0x00A0))?;
        ("Nikon:SerialNumber", serial)
    } else if make.starts_with("fujifilm") {
        // "FUJIFILM", then the IFD's offset from the note's start; always little-endian.
        let rest = note.strip_prefix(b"FUJIFILM")?;
        let start = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?);
        let ifd = ifd_in_note(note, b"II", start)?;
        ("FujiFilm:InternalSerialNumber", tag_text(&ifd, 0x0010)?)
    } else if make.starts_with("olympus") || make.starts_with("om digital") {
        let (ifd, base_is_note) = if note.starts_with(b"OLYMPUS\0") {
            // "OLYMPUS\0", the byte order, 3: the IFD at 12, offsets from the note's start.
            (ifd_in_note(note, note.get(8..10)?, 12)?, true)
        } else if note.starts_with(b"OM SYSTEM\0") {
            (ifd_in_note(note, note.get(12..14)?, 16)?, true)
        } else if note.starts_with(b"OLYMP\0") {
            (ifd_in_tiff(tiff, at.checked_add(8)?)?, false)
        } else {
            return None;
        };
        // The serial is in the Equipment IFD: a pointer (type IFD or LONG), or the IFD itself
        // inline (type UNDEFINED); either way at an offset from the same base.
        let equipment = ifd.get_field(Tag(exif::Context::Tiff, 0x2010), In::PRIMARY)?;
        let start = match &equipment.value {
            Value::Undefined(_, inline_at) => *inline_at,
            Value::Unknown(13, 1, slot) => read_u32(ifd.buf(), *slot)?,
            other => u32::try_from(integer(other)?).ok()?,
        };
        let sub = if base_is_note {
            ifd_in_note(note, ifd.buf().get(..2)?, start)?
        } else {
            ifd_in_tiff(tiff, start)?
        };
        ("Olympus:SerialNumber", tag_text(&sub, 0x0101)?)
    } else if make.starts_with("panasonic") {
        // "Panasonic\0\0\0", then the IFD; offsets from the TIFF header.
        note.strip_prefix(b"Panasonic\0")?;
        let ifd = ifd_in_tiff(tiff, at.checked_add(12)?)?;
        ("Panasonic:InternalSerialNumber", tag_text(&ifd, 0x0025)?)
    } else if make.starts_with("pentax") || make.starts_with("ricoh imaging") {
        let ifd = if let Some(rest) = note.strip_prefix(b"AOC\0") {
            // "AOC\0", the byte order, then the IFD; offsets from the TIFF header.
            ifd_in_tiff_as(tiff, rest.get(..2)?, at.checked_add(6)?)?
        } else if note.starts_with(b"PENTAX \0") {
            // "PENTAX \0", the byte order, then the IFD at 10; offsets from the note's start.
            ifd_in_note(note, note.get(8..10)?, 10)?
        } else {
            return None;
        };
        ("Pentax:SerialNumber", tag_text(&ifd, 0x0229)?)
    } else {
        return None;
    };
    Some(found)
}

/// The IFD at `start` (an offset from the TIFF header, like the main EXIF's offsets), read by
/// the EXIF crate as IFD0 of a copy of the TIFF block whose header points there.
fn ifd_in_tiff(tiff: &[u8], start: u32) -> Option<Exif> {
    ifd_in_tiff_as(tiff, tiff.get(..2)?, start)
}

/// As [`ifd_in_tiff`], with the byte order the note declares (`II` or `MM`).
fn ifd_in_tiff_as(tiff: &[u8], order: &[u8], start: u32) -> Option<Exif> {
    let mut block = tiff.to_vec();
    set_header(&mut block, order, start)?;
    parse_tiff(block)
}

/// The IFD at `start` (an offset from the note's own first byte), read as IFD0 of a copy of
/// the note whose first 8 bytes become a TIFF header pointing there. Those bytes are the
/// vendor's signature, which no offset in the note points into.
fn ifd_in_note(note: &[u8], order: &[u8], start: u32) -> Option<Exif> {
    if start < 8 {
        return None;
    }
    let mut block = note.to_vec();
    set_header(&mut block, order, start)?;
    parse_tiff(block)
}

/// Writes a TIFF header (byte order, 42, IFD0 offset) over the first 8 bytes.
fn set_header(block: &mut [u8], order: &[u8], ifd0: u32) -> Option<()> {
    let header: [u8; 8] = match order {
        b"II" => {
            let o = ifd0.to_le_bytes();
            [b'I', b'I', 42, 0, o[0], o[1], o[2], o[3]]
        }
        b"MM" => {
            let o = ifd0.to_be_bytes();
            [b'M', b'M', 0, 42, o[0], o[1], o[2], o[3]]
        }
        _ => return None,
    };
    block.get_mut(..8)?.copy_from_slice(&header);
    Some(())
}

/// A u32 in the block's byte order at `at`: the value slot of a field whose type the EXIF
/// crate does not know (an IFD pointer, type 13).
fn read_u32(block: &[u8], at: u32) -> Option<u32> {
    let at = usize::try_from(at).ok()?;
    let bytes: [u8; 4] = block.get(at..at.checked_add(4)?)?.try_into().ok()?;
    match block.get(..2)? {
        b"II" => Some(u32::from_le_bytes(bytes)),
        b"MM" => Some(u32::from_be_bytes(bytes)),
        _ => None,
    }
}

/// A maker-note tag of IFD0 as text: ASCII or UNDEFINED bytes, or a number (Canon's serial
/// is a LONG, shown in decimal as ExifTool does).
fn tag_text(ifd: &Exif, number: u16) -> Option<String> {
    let field = ifd.get_field(Tag(exif::Context::Tiff, number), In::PRIMARY)?;
    text(field).or_else(|| integer(&field.value).map(|n| n.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shared corpus, when this checkout sits beside it.
    fn corpus_file(name: &str) -> Option<Vec<u8>> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/corpus")
            .join(name);
        let bytes = std::fs::read(&path).ok();
        if bytes.is_none() {
            eprintln!("SKIP: {} not found", path.display());
        }
        bytes
    }

    #[test]
    fn a_pentax_maker_note_is_read_with_its_own_byte_order_and_offset_base() {
        // No corpus Pentax photo has the SerialNumber tag (0x0229), so the layout is checked
        // on a tag they do have: CameraInfo (0x0215), whose fifth LONG ExifTool shows as
        // InternalSerialNumber. A wrong base or byte order gives another number or none.
        for (name, internal) in [
            ("exiftool/Pentax.jpg", 132_352),
            ("exiv2/exiv2-bug884a.jpg", 6_322_060),
        ] {
            let Some(bytes) = corpus_file(name) else {
                return;
            };
            let exif = read_exif(&bytes, Format::Jpeg).expect(name);
            let field = exif.get_field(Tag::MakerNote, In::PRIMARY).expect(name);
            let Value::Undefined(note, at) = &field.value else {
                panic!("{name}: maker note is not UNDEFINED");
            };
            let rest = note.strip_prefix(b"AOC\0").expect(name);
            let ifd = ifd_in_tiff_as(exif.buf(), &rest[..2], at + 6).expect(name);
            let info = ifd
                .get_field(Tag(exif::Context::Tiff, 0x0215), In::PRIMARY)
                .expect(name);
            let Value::Long(values) = &info.value else {
                panic!("{name}: CameraInfo is {:?}", info.value);
            };
            assert_eq!(values.get(4), Some(&internal), "{name}");
            // And no SerialNumber tag: none is reported.
            assert_eq!(makernote_serial(&exif, Some("PENTAX Corporation")), None);
        }
    }

    #[test]
    fn a_maker_note_that_does_not_parse_gives_no_serial() {
        // A TIFF block with one empty IFD: no maker note at all.
        let exif = parse_tiff(b"II*\0\x08\0\0\0\0\0\0\0\0\0".to_vec()).expect("empty TIFF");
        assert_eq!(makernote_serial(&exif, Some("Canon")), None);
        // Notes cut short or pointing outside the block.
        assert!(
            ifd_in_note(b"FUJIFILM\x0c\0\0\0", b"II", 12).is_none_or(|e| {
                e.get_field(Tag(exif::Context::Tiff, 0x0010), In::PRIMARY)
                    .is_none()
            })
        );
        assert!(ifd_in_note(b"OLYMPUS\0II", b"II", 4).is_none());
        assert!(ifd_in_tiff(exif.buf(), u32::MAX).is_none_or(|e| e.fields().len() == 0));
        assert_eq!(read_u32(b"II*\0", 2), None);
    }
}
