//! One decode per photo: the oriented RGB8 pixels that the hash, thumbnail and export share.

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
        other => PhotoError::malformed(format, other),
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
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format.image_format());
    reader.limits(limits());
    crate::working::count_decode();
    let image =
        guard_third_party(format, || reader.decode())?.map_err(|e| image_error(format, e))?;
    Ok(oriented(image, bytes, format))
}

fn oriented(image: DynamicImage, bytes: &[u8], format: Format) -> Decoded {
    let mut image = image;
    let exif_orientation = read_exif(bytes, format).and_then(|exif| orientation(&exif));
    // Invalid values (0, 9+, like the 36865 one camera wrote) are treated as "as stored".
    if let Some(o) = exif_orientation
        .and_then(|o| u8::try_from(o).ok())
        .and_then(image::metadata::Orientation::from_exif)
    {
        image.apply_orientation(o);
    }
    Decoded {
        image: image.into_rgb8(),
    }
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
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.set_max_decoding_buffer_size(usize::try_from(MAX_DECODE_BYTES).unwrap_or(usize::MAX));
    let jpeg_err = |e: jpeg_decoder::Error| PhotoError::malformed(format, e);
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
    Ok(oriented(image, bytes, format))
}
