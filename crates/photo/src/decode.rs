//! One decode per photo: the oriented sRGB8 pixels that the hash, thumbnail and export share.

use crate::evidence::{header_size, orientation, read_exif};
use crate::{Format, MAX_DECODE_BYTES, PhotoError, check_pixels, detect_format};
use image::{DynamicImage, ImageError, RgbImage};
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// A decoded photo, orientation applied: pixels as a person sees them.
///
/// Decode once and reuse the result for [`Decoded::perceptual_hash`], the face detector and
/// [`Decoded::export_jpeg`]: [`crate::working_copy`] does that for clearing and exporting,
/// [`decode_scaled`] gives a thumbnail its smallest decode.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub(crate) image: RgbImage,
}

impl Decoded {
    /// Wraps RGB8 pixels already in display orientation (row-major, 3 bytes per pixel).
    /// Returns `None` when the buffer does not hold exactly `width × height` pixels.
    pub fn from_rgb(width: u32, height: u32, rgb: Vec<u8>) -> Option<Decoded> {
        RgbImage::from_raw(width, height, rgb).map(|image| Decoded { image })
    }

    pub fn width(&self) -> u32 {
        self.image.width()
    }

    pub fn height(&self) -> u32 {
        self.image.height()
    }

    /// RGB8 pixels, row-major, `width × height × 3` bytes.
    pub fn rgb(&self) -> &[u8] {
        self.image.as_raw()
    }
}

/// Runs third-party parsing code, turning a panic into `Malformed`.
///
/// This is a last line of defence, not the error handling: every decoder we call reports
/// failures through `Result`, and our own code never panics on input. But decoders for hostile
/// files have a history of panics on fuzzed input (`jpeg-decoder` still has `panic!()` on an
/// impossible precision), and one bad file must not bring down a batch of imports.
pub(crate) fn guard_third_party<T>(format: Format, f: impl FnOnce() -> T) -> Result<T, PhotoError> {
    catch_unwind(AssertUnwindSafe(f))
        .map_err(|_| PhotoError::malformed(format, "the decoder could not make sense of it"))
}

pub(crate) fn image_error(format: Format, e: ImageError) -> PhotoError {
    match e {
        ImageError::Limits(_) => PhotoError::TooLarge(format!(
            "decoding this image would need more than {} MiB of memory",
            MAX_DECODE_BYTES / (1024 * 1024)
        )),
        ImageError::Unsupported(u) => {
            PhotoError::UnsupportedFormat(format!("this {format} variant is not supported ({u})"))
        }
        other => PhotoError::malformed(format, plain_reason(&other.to_string())),
    }
}

/// A decoder's reason in words a teacher can read: its "Format error decoding Png:" prefix
/// dropped, and its programmer's notation (`ChunkType { type: eXIf, … }`, `[7, 0, 0, 0]`)
/// replaced by what it means.
fn plain_reason(text: &str) -> String {
    let reason = text
        .split_once(": ")
        .filter(|(head, _)| head.starts_with("Format error decoding"))
        .map_or(text, |(_, rest)| rest)
        .trim_matches('"');
    if reason.contains("ChunkType") && reason.contains("before IHDR") {
        "a chunk comes before the image header".to_owned()
    } else if reason.contains("ChunkType") {
        "it has a damaged or unknown chunk".to_owned()
    } else if reason.contains('{') || reason.contains('[') || reason.contains("\\u{") {
        "its data is damaged".to_owned()
    } else {
        reason.to_owned()
    }
}

/// Refuses a JPEG whose image data stops before its end-of-image marker: a copy interrupted
/// part way (a card pulled out, a download cut off). The decoders would paint the missing part
/// grey, and a photo whose lower half is missing is not the one the teacher saw, nor one whose
/// faces can all be counted.
/// A JPEG of more scans than [`MAX_SCANS`] is refused too, by every reader alike: each scan is
/// another pass over the whole picture, and the decoders disagree on how many they take (one
/// refuses above 100, another reads any number), so a photo the ledger took could not be cleared.
fn complete_jpeg(bytes: &[u8], format: Format) -> Result<(), PhotoError> {
    if format != Format::Jpeg {
        return Ok(());
    }
    match jpeg_scans(bytes) {
        Some(n) if n > MAX_SCANS => Err(PhotoError::malformed(
            format,
            format!(
                "it is written in {n} passes (scans); a camera or phone writes at most a few dozen, and more than {MAX_SCANS} are not read"
            ),
        )),
        Some(_) => Ok(()),
        None => Err(PhotoError::malformed(
            format,
            "the image data stops before its end (an interrupted copy?); copy the photo again from the camera or phone",
        )),
    }
}

/// The most scans a JPEG may have (a progressive camera JPEG has about ten).
const MAX_SCANS: usize = 100;

/// How many scans a JPEG has, when its marker segments and scans run through to an
/// end-of-image marker (EOI); `None` when they stop before one. Only the markers' framing is read
/// (each segment's length; in a scan, a 0xFF byte not followed by 0x00 or a restart marker ends
/// it), not their contents. Bytes after the EOI are allowed.
fn jpeg_scans(bytes: &[u8]) -> Option<usize> {
    let mut i = 2; // after SOI
    let mut scans = 0;
    loop {
        // A marker: 0xFF (any number of fill bytes), then its code.
        if bytes.get(i) != Some(&0xFF) {
            return None;
        }
        while bytes.get(i) == Some(&0xFF) {
            i += 1;
        }
        let &code = bytes.get(i)?;
        i += 1;
        match code {
            0xD9 => return Some(scans),
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let len = bytes
            .get(i..i + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))?;
        if len < 2 || i + len > bytes.len() {
            return None;
        }
        i += len;
        if code != 0xDA {
            continue;
        }
        scans += 1;
        // Entropy-coded data up to the next marker.
        loop {
            let at = bytes
                .get(i..)
                .and_then(|rest| rest.iter().position(|&b| b == 0xFF))?;
            i += at;
            match bytes.get(i + 1)? {
                0x00 | 0xD0..=0xD7 => i += 2,
                0xFF => i += 1,
                _ => break,
            }
        }
    }
}

fn limits() -> image::Limits {
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

/// Decodes the full image, checking the header against the pixel limit before any pixel
/// buffer is allocated, and applies the EXIF orientation.
pub fn decode(bytes: &[u8]) -> Result<Decoded, PhotoError> {
    let format = detect_format(bytes)?;
    let (width, height) = header_size(bytes, format)?;
    check_pixels(width, height)?;
    complete_jpeg(bytes, format)?;
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format.image_format());
    reader.limits(limits());
    crate::working::count_decode();
    let (image, icc) = guard_third_party(format, || -> Result<_, ImageError> {
        let mut decoder = reader.into_decoder()?;
        // The whole decoded picture is one buffer: a small PNG can declare 9,999 × 9,999
        // pixels of 16-bit RGBA (800 MB) while staying under the pixel limit.
        if image::ImageDecoder::total_bytes(&decoder) > MAX_DECODE_BYTES {
            return Err(ImageError::Limits(image::error::LimitError::from_kind(
                image::error::LimitErrorKind::InsufficientMemory,
            )));
        }
        // A profile that cannot be read is no reason to refuse the photo (see `colour`).
        let icc = image::ImageDecoder::icc_profile(&mut decoder)
            .ok()
            .flatten();
        Ok((DynamicImage::from_decoder(decoder)?, icc))
    })?
    .map_err(|e| image_error(format, e))?;
    Ok(oriented(image, icc, bytes, format))
}

fn oriented(image: DynamicImage, icc: Option<Vec<u8>>, bytes: &[u8], format: Format) -> Decoded {
    let mut image = image;
    let exif_orientation = read_exif(bytes, format).and_then(|exif| orientation(&exif));
    // Invalid values (0, 9+, like the 36865 one camera wrote) are treated as "as stored".
    if let Some(o) = exif_orientation
        .and_then(|o| u8::try_from(o).ok())
        .and_then(image::metadata::Orientation::from_exif)
    {
        image.apply_orientation(o);
    }
    let mut image = if image.color().has_alpha() {
        on_white(image)
    } else {
        image.into_rgb8()
    };
    if let Some(icc) = icc {
        crate::colour::to_srgb(&mut image, &icc);
    }
    Decoded { image }
}

/// An image with transparency, laid on white, as a browser or photo viewer shows it. Dropping
/// the alpha channel instead would publish whatever an editor left under a transparent area
/// (a person "erased" from a cut-out), which the teacher never saw.
/// Composited in the decoded buffer itself, each RGB pixel written over the start of the RGBA
/// one it came from, so that a 100-megapixel picture is held once, not three times.
fn on_white(image: DynamicImage) -> RgbImage {
    let (width, height) = (image.width(), image.height());
    let mut buf = image.into_rgba8().into_raw();
    let pixels = buf.len() / 4;
    for i in 0..pixels {
        let alpha = u32::from(buf[4 * i + 3]);
        for c in 0..3 {
            let v = (u32::from(buf[4 * i + c]) * alpha + 255 * (255 - alpha) + 127) / 255;
            buf[3 * i + c] = u8::try_from(v).unwrap_or(u8::MAX);
        }
    }
    buf.truncate(pixels * 3);
    buf.shrink_to_fit();
    RgbImage::from_raw(width, height, buf).unwrap_or_else(|| RgbImage::new(width, height))
}

/// Decodes at reduced size (thumbnails, the working copy): a JPEG is scaled by 1/2, 1/4 or 1/8
/// inside the DCT, the largest reduction that keeps the long edge at least `min_edge_hint`
/// pixels (or the full size when the photo is already smaller). Other formats, and JPEGs in CMYK or 16-bit,
/// are decoded in full. Orientation is applied.
pub fn decode_scaled(bytes: &[u8], min_edge_hint: u32) -> Result<Decoded, PhotoError> {
    let format = detect_format(bytes)?;
    if format != Format::Jpeg {
        return decode(bytes);
    }
    complete_jpeg(bytes, format)?;
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.set_max_decoding_buffer_size(usize::try_from(MAX_DECODE_BYTES).unwrap_or(usize::MAX));
    let jpeg_err = crate::evidence::jpeg_decoder_error;
    guard_third_party(format, || decoder.read_info())?.map_err(jpeg_err)?;
    let info = guard_third_party(format, || decoder.info())?
        .ok_or_else(|| PhotoError::malformed(format, "no frame header"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    check_pixels(w, h)?;
    let long = w.max(h);
    let rgb_like = matches!(
        info.pixel_format,
        jpeg_decoder::PixelFormat::RGB24 | jpeg_decoder::PixelFormat::L8
    );
    if !rgb_like || min_edge_hint.saturating_mul(2) > long {
        return decode(bytes);
    }
    let hint = u64::from(min_edge_hint.max(1));
    let request =
        |edge: u32| u16::try_from(u64::from(edge) * hint / u64::from(long)).unwrap_or(u16::MAX);
    guard_third_party(format, || {
        decoder.scale(request(w).max(1), request(h).max(1))
    })?
    .map_err(jpeg_err)?;
    crate::working::count_decode();
    let pixels = guard_third_party(format, || decoder.decode())?.map_err(jpeg_err)?;
    let icc = guard_third_party(format, || decoder.icc_profile())?;
    let info = guard_third_party(format, || decoder.info())?
        .ok_or_else(|| PhotoError::malformed(format, "no frame header"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    let image = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => {
            RgbImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgb8)
        }
        _ => image::GrayImage::from_raw(w, h, pixels).map(DynamicImage::ImageLuma8),
    }
    .ok_or_else(|| PhotoError::malformed(format, "scan data shorter than the frame"))?;
    Ok(oriented(image, icc, bytes, format))
}
