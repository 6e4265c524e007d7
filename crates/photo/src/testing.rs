//! Test photos with chosen EXIF, for this crate's tests and other crates' (feature `testing`).
//!
//! The pixels are encoded by `jpeg-encoder` and the EXIF block is written by `little_exif`,
//! an EXIF writer independent of the reader used by [`crate::inspect`], so a round trip
//! checks the reader against another implementation.

use crate::PhotoError;
use little_exif::exif_tag::ExifTag;
use little_exif::filetype::FileExtension;
use little_exif::metadata::Metadata;
use little_exif::rational::uR64;

/// What to put in a generated photo. Every field left `None` is absent from the EXIF.
#[derive(Debug, Clone, PartialEq)]
pub struct ExifSpec {
    /// Pixel size of the stored image (before orientation).
    pub width: u32,
    pub height: u32,
    /// Varies the picture, so that photos with different seeds are different photos
    /// (different perceptual hashes).
    pub seed: u64,
    pub make: Option<String>,
    pub model: Option<String>,
    /// EXIF BodySerialNumber (0xA431).
    pub serial: Option<String>,
    /// EXIF CameraOwnerName (0xA430).
    pub owner_name: Option<String>,
    /// "YYYY:MM:DD HH:MM:SS", as cameras write it.
    pub date_time_original: Option<String>,
    /// "+01:00"
    pub offset_time_original: Option<String>,
    /// Signed decimal degrees (latitude, longitude).
    pub gps: Option<(f64, f64)>,
    pub orientation: Option<u16>,
}

impl Default for ExifSpec {
    fn default() -> Self {
        ExifSpec {
            width: 64,
            height: 48,
            seed: 1,
            make: None,
            model: None,
            serial: None,
            owner_name: None,
            date_time_original: None,
            offset_time_original: None,
            gps: None,
            orientation: None,
        }
    }
}

impl ExifSpec {
    /// A phone photo with every provenance field set: make, model, serial, time, GPS.
    pub fn phone() -> ExifSpec {
        ExifSpec {
            make: Some("Apple".to_owned()),
            model: Some("iPhone 12".to_owned()),
            serial: Some("F17ABC123XYZ".to_owned()),
            date_time_original: Some("2024:06:14 10:30:05".to_owned()),
            offset_time_original: Some("+01:00".to_owned()),
            gps: Some((51.501_364, -0.141_890)),
            orientation: Some(1),
            ..ExifSpec::default()
        }
    }
}

/// A JPEG with the EXIF described by `spec`. Panics if the writer fails, as a test helper should.
pub fn jpeg_with_exif(spec: &ExifSpec) -> Vec<u8> {
    match try_jpeg_with_exif(spec) {
        Ok(bytes) => bytes,
        Err(e) => panic!("could not build the test JPEG: {e}"),
    }
}

/// As [`jpeg_with_exif`], returning the error instead.
pub fn try_jpeg_with_exif(spec: &ExifSpec) -> Result<Vec<u8>, PhotoError> {
    add_exif(plain_jpeg(spec.width, spec.height, spec.seed, 90)?, spec)
}

/// A JPEG of the given RGB8 pixels (row-major, `width*height*3` bytes), no metadata.
pub fn jpeg_from_rgb(
    rgb: &[u8],
    width: u32,
    height: u32,
    quality: u8,
) -> Result<Vec<u8>, PhotoError> {
    let too_large = || PhotoError::TooLarge(format!("{width}×{height} is too large for a JPEG"));
    let w = u16::try_from(width).map_err(|_| too_large())?;
    let h = u16::try_from(height).map_err(|_| too_large())?;
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, quality)
        .encode(rgb, w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| PhotoError::Io(std::io::Error::other(e.to_string())))?;
    Ok(out)
}

/// Adds the EXIF fields set in `spec` (its size and seed are ignored) to a JPEG.
pub fn add_exif(mut jpeg: Vec<u8>, spec: &ExifSpec) -> Result<Vec<u8>, PhotoError> {
    let mut metadata = Metadata::new();
    if let Some(v) = &spec.make {
        metadata.set_tag(ExifTag::Make(v.clone()));
    }
    if let Some(v) = &spec.model {
        metadata.set_tag(ExifTag::Model(v.clone()));
    }
    if let Some(v) = &spec.serial {
        metadata.set_tag(ExifTag::SerialNumber(v.clone()));
    }
    if let Some(v) = &spec.owner_name {
        metadata.set_tag(ExifTag::OwnerName(v.clone()));
    }
    if let Some(v) = &spec.date_time_original {
        metadata.set_tag(ExifTag::DateTimeOriginal(v.clone()));
    }
    if let Some(v) = &spec.offset_time_original {
        metadata.set_tag(ExifTag::OffsetTimeOriginal(v.clone()));
    }
    if let Some(v) = spec.orientation {
        metadata.set_tag(ExifTag::Orientation(vec![v]));
    }
    if let Some((lat, lon)) = spec.gps {
        metadata.set_tag(ExifTag::GPSLatitudeRef(
            if lat < 0.0 { "S" } else { "N" }.to_owned(),
        ));
        metadata.set_tag(ExifTag::GPSLatitude(dms(lat)));
        metadata.set_tag(ExifTag::GPSLongitudeRef(
            if lon < 0.0 { "W" } else { "E" }.to_owned(),
        ));
        metadata.set_tag(ExifTag::GPSLongitude(dms(lon)));
    }
    metadata
        .write_to_vec(&mut jpeg, FileExtension::JPEG)
        .map_err(PhotoError::Io)?;
    Ok(jpeg)
}

/// A JPEG with no metadata at all: a smooth scene of a few shapes that depends on `seed`.
pub fn plain_jpeg(width: u32, height: u32, seed: u64, quality: u8) -> Result<Vec<u8>, PhotoError> {
    jpeg_from_rgb(&scene(width, height, seed), width, height, quality)
}

/// RGB8 pixels of a synthetic scene: a gradient sky with discs and bars placed by `seed`, so
/// that different seeds give perceptually different pictures.
pub fn scene(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        // xorshift64*: deterministic, no dependency needed.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as f64 / f64::from(u32::MAX)
    };
    let (wf, hf) = (f64::from(width), f64::from(height));
    let shapes: Vec<(f64, f64, f64, [f64; 3])> = (0..6)
        .map(|_| {
            let (x, y, r) = (next() * wf, next() * hf, (0.08 + next() * 0.2) * wf.min(hf));
            (x, y, r, [next() * 255.0, next() * 255.0, next() * 255.0])
        })
        .collect();
    let tilt = next() * 2.0 - 1.0;
    let mut rgb = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height {
        for x in 0..width {
            let (xf, yf) = (f64::from(x), f64::from(y));
            let t = (yf / hf + tilt * xf / wf).clamp(0.0, 1.0);
            let mut px = [
                40.0 + 160.0 * t,
                90.0 + 100.0 * (1.0 - t),
                200.0 - 120.0 * t,
            ];
            for (cx, cy, r, colour) in &shapes {
                if (xf - cx).powi(2) + (yf - cy).powi(2) < r * r {
                    px = *colour;
                }
            }
            // A little texture, so recompression has detail to lose.
            let texture = ((x / 3 + y / 3) % 2) as f64 * 6.0;
            rgb.extend(px.map(|c| (c + texture).clamp(0.0, 255.0) as u8));
        }
    }
    rgb
}

/// Degrees, minutes, seconds as EXIF rationals (seconds to a millionth).
fn dms(decimal: f64) -> Vec<uR64> {
    let abs = decimal.abs();
    let degrees = abs.trunc();
    let minutes_f = (abs - degrees) * 60.0;
    let minutes = minutes_f.trunc();
    let seconds = (minutes_f - minutes) * 60.0;
    let r = |nominator: u32, denominator: u32| uR64 {
        nominator,
        denominator,
    };
    vec![
        r(degrees as u32, 1),
        r(minutes as u32, 1),
        r((seconds * 1_000_000.0).round() as u32, 1_000_000),
    ]
}
