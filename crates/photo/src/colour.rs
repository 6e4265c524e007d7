//! Colour: the published copy is in sRGB, whatever profile the camera or editor embedded.
//!
//! The safe copy carries no metadata, and that includes the ICC profile. A photo whose pixels
//! are in a wider space (Adobe RGB from a camera set to it, Display P3 from an iPad or iPhone)
//! would look washed out once its profile is gone, because everything that shows it then reads
//! the numbers as sRGB. So the pixels are converted to sRGB when the photo is decoded, and the
//! hash, faces, thumbnail and export all see the colours a person saw.
//!
//! A profile that cannot be read (truncated, hostile, not RGB) is ignored: the pixels are then
//! taken as sRGB, which is what a browser does with such a file.

use image::RgbImage;
use moxcms::{ColorProfile, DataColorSpace, Layout, ParsingOptions, TransformOptions};

/// Largest ICC profile read: 4 MiB. Camera and editor profiles are a few KiB; printer
/// profiles with large lookup tables reach about 2 MiB.
const MAX_PROFILE_BYTES: usize = 4 * 1024 * 1024;

/// Converts `image` from the space of the embedded `icc` profile to sRGB, in place. Does
/// nothing for sRGB (or near-enough: primaries within 0.001 of sRGB's) and for a profile that
/// is not an RGB profile or cannot be read. Returns whether the pixels were converted.
pub(crate) fn to_srgb(image: &mut RgbImage, icc: &[u8]) -> bool {
    let options = ParsingOptions {
        max_profile_size: MAX_PROFILE_BYTES,
        max_allowed_clut_size: 1_000_000,
        ..ParsingOptions::default()
    };
    let Ok(source) = ColorProfile::new_from_slice_with_options(icc, options) else {
        return false;
    };
    if source.color_space != DataColorSpace::Rgb {
        return false;
    }
    let srgb = ColorProfile::new_srgb();
    if same_primaries(&source, &srgb) {
        return false;
    }
    let Ok(transform) =
        source.create_transform_8bit(Layout::Rgb, &srgb, Layout::Rgb, TransformOptions::default())
    else {
        return false;
    };
    let mut out = vec![0u8; image.as_raw().len()];
    if transform.transform(image.as_raw(), &mut out).is_err() {
        return false;
    }
    image.copy_from_slice(&out);
    true
}

/// The same red, green and blue, and the same white: an sRGB profile under another name
/// ("sRGB IEC61966-2.1", a monitor calibrated to sRGB). Converting would only add rounding.
fn same_primaries(a: &ColorProfile, b: &ColorProfile) -> bool {
    let close = |x: moxcms::Xyzd, y: moxcms::Xyzd| {
        (x.x - y.x).abs() < 1e-3 && (x.y - y.y).abs() < 1e-3 && (x.z - y.z).abs() < 1e-3
    };
    // A profile built from a LUT has no colorants: it is not known to be sRGB.
    a.red_trc.is_some()
        && close(a.red_colorant, b.red_colorant)
        && close(a.green_colorant, b.green_colorant)
        && close(a.blue_colorant, b.blue_colorant)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sRGB transfer function, both ways (IEC 61966-2-1); Display P3 uses the same curve.
    fn to_linear(v: u8) -> f64 {
        let c = f64::from(v) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    }

    fn from_linear(l: f64) -> f64 {
        let l = l.clamp(0.0, 1.0);
        let c = if l <= 0.003_130_8 {
            l * 12.92
        } else {
            1.055 * l.powf(1.0 / 2.4) - 0.055
        };
        c * 255.0
    }

    #[test]
    fn display_p3_pixels_become_the_same_colours_in_srgb() {
        let p3 = ColorProfile::new_display_p3().encode().unwrap();
        // Colours inside sRGB's gamut, so that none is clipped.
        let colours = [
            [200u8, 100, 50],
            [60, 140, 90],
            [128, 128, 128],
            [90, 80, 170],
        ];
        let mut image = RgbImage::new(4, 1);
        for (x, c) in colours.iter().enumerate() {
            image.put_pixel(x as u32, 0, image::Rgb(*c));
        }
        assert!(to_srgb(&mut image, &p3));
        // Display P3 to sRGB in linear light (both D65): the matrix published with the
        // CSS Color 4 conversions, written out independently of the library.
        let m = [
            [1.224_940_2, -0.224_940_2, 0.0],
            [-0.042_056_9, 1.042_056_9, 0.0],
            [-0.019_637_6, -0.078_636_0, 1.098_273_6],
        ];
        for (x, c) in colours.iter().enumerate() {
            let lin = c.map(to_linear);
            let got = image.get_pixel(x as u32, 0).0;
            for ch in 0..3 {
                let want = from_linear(m[ch][0] * lin[0] + m[ch][1] * lin[1] + m[ch][2] * lin[2]);
                assert!(
                    (f64::from(got[ch]) - want).abs() <= 2.0,
                    "colour {c:?} channel {ch}: got {}, expected {want:.1}",
                    got[ch]
                );
            }
        }
        // Grey stays grey; a saturated P3 red is more saturated than the same numbers in sRGB.
        assert_eq!(image.get_pixel(2, 0).0, [128, 128, 128]);
        let red = image.get_pixel(0, 0).0;
        assert!(red[0] > 200 && red[2] < 50, "{red:?}");
    }

    #[test]
    fn srgb_profiles_and_unreadable_profiles_leave_the_pixels_alone() {
        let srgb = ColorProfile::new_srgb().encode().unwrap();
        let mut image = RgbImage::from_pixel(3, 2, image::Rgb([200, 100, 50]));
        let before = image.clone();
        assert!(!to_srgb(&mut image, &srgb));
        assert!(!to_srgb(&mut image, b"not a profile"));
        assert!(!to_srgb(&mut image, &[]));
        let mut truncated = ColorProfile::new_adobe_rgb().encode().unwrap();
        truncated.truncate(truncated.len() / 2);
        assert!(!to_srgb(&mut image, &truncated));
        assert_eq!(image, before);
    }
}
