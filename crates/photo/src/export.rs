//! Thumbnails and the safe published copy: new JPEG pixels, no metadata, faces blurred.

use crate::{Decoded, PhotoError};
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// A region in pixel coordinates of the [`Decoded`] image it is applied to (the displayed,
/// oriented image; for [`crate::decode`] that is the photo at full size).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

/// Quality of the published copy: visually clean, about a third of a camera JPEG's size.
pub const EXPORT_QUALITY: u8 = 85;
/// Quality of thumbnails shown in the app.
pub const THUMBNAIL_QUALITY: u8 = 80;

/// The JPEG format's own limit on each side.
const JPEG_MAX_EDGE: u32 = 65_535;

impl Decoded {
    /// A JPEG at most `max_edge` pixels on its long side (never enlarged), carrying no metadata.
    pub fn thumbnail_jpeg(&self, max_edge: u32) -> Result<Vec<u8>, PhotoError> {
        let image = fit_within(&self.image, max_edge);
        encode_jpeg(&image, THUMBNAIL_QUALITY)
    }

    /// The same pixels fitted within `max_edge × max_edge` (Lanczos3), keeping the aspect
    /// ratio; never enlarged.
    pub fn into_fitted_within(self, max_edge: u32) -> Decoded {
        let fitted = match fit_within(&self.image, max_edge) {
            Cow::Owned(image) => Some(image),
            Cow::Borrowed(_) => None,
        };
        match fitted {
            Some(image) => Decoded { image },
            None => self,
        }
    }

    /// The copy that is published: re-encoded from the pixels (so no EXIF, XMP, IPTC, ICC,
    /// comment or GPS survives), orientation already applied, at most `max_edge` pixels on its
    /// long side (never enlarged), with every rectangle in `blur` made unrecognisable.
    pub fn export_jpeg(&self, max_edge: u32, blur: &[Rect]) -> Result<Vec<u8>, PhotoError> {
        let mut image = fit_within(&self.image, max_edge);
        if !blur.is_empty() {
            let image = image.to_mut();
            let scale = f64::from(image.width()) / f64::from(self.image.width().max(1));
            for rect in blur {
                obscure(image, scaled(rect, scale));
            }
        }
        encode_jpeg(&image, EXPORT_QUALITY)
    }
}

fn scaled(rect: &Rect, scale: f64) -> Rect {
    let s = |v: u32| (f64::from(v) * scale).round() as u32;
    Rect {
        x: s(rect.x),
        y: s(rect.y),
        w: s(rect.w).max(1),
        h: s(rect.h).max(1),
    }
}

/// Fits the image inside `max_edge × max_edge`, keeping the aspect ratio; never enlarges (an
/// image that already fits is borrowed, not copied).
fn fit_within(image: &RgbImage, max_edge: u32) -> Cow<'_, RgbImage> {
    fit_within_with(image, max_edge, FilterType::Lanczos3)
}

/// As [`fit_within`] with a chosen resampling filter.
pub(crate) fn fit_within_with(
    image: &RgbImage,
    max_edge: u32,
    filter: FilterType,
) -> Cow<'_, RgbImage> {
    let (w, h) = (image.width(), image.height());
    let max_edge = max_edge.clamp(1, JPEG_MAX_EDGE);
    let long = w.max(h);
    if long <= max_edge {
        return Cow::Borrowed(image);
    }
    let fit = |edge: u32| {
        let v = (u64::from(edge) * u64::from(max_edge) + u64::from(long) / 2) / u64::from(long);
        u32::try_from(v).unwrap_or(max_edge).max(1)
    };
    Cow::Owned(resize_with(image, fit(w), fit(h), filter))
}

/// SIMD resize (`fast_image_resize`, convolution with `filter`) to exactly `width × height`.
/// `Lanczos3` for what people see; `Box` (an area average) suits large reductions where only
/// coarse structure matters: its kernel is a sixth of Lanczos3's.
pub(crate) fn resize_with(
    image: &RgbImage,
    width: u32,
    height: u32,
    filter: FilterType,
) -> RgbImage {
    let mut out = RgbImage::new(width.max(1), height.max(1));
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(filter));
    if Resizer::new().resize(image, &mut out, &options).is_err() {
        // Unreachable for two RGB8 buffers of non-zero size; fall back to the slow, sure path.
        out = image::imageops::resize(
            image,
            width.max(1),
            height.max(1),
            image::imageops::FilterType::Triangle,
        );
    }
    out
}

/// Pixelates, then blurs, a face's box grown by 20% on each side, so that no feature of the
/// face survives: blocks of about 1/8 of the face's width erase everything finer than the
/// face's coarse layout, and the box blur then removes the block edges and averages the blocks
/// into each other.
fn obscure(image: &mut RgbImage, face: Rect) {
    let (iw, ih) = (image.width(), image.height());
    if iw == 0 || ih == 0 || face.x >= iw || face.y >= ih {
        return;
    }
    let pad_x = face.w / 5 + 1;
    let pad_y = face.h / 5 + 1;
    let x0 = face.x.saturating_sub(pad_x);
    let y0 = face.y.saturating_sub(pad_y);
    let x1 = face.x.saturating_add(face.w).saturating_add(pad_x).min(iw);
    let y1 = face.y.saturating_add(face.h).saturating_add(pad_y).min(ih);
    let block = (face.w.max(face.h) / 8).max(4);
    pixelate(image, x0, y0, x1, y1, block);
    for _ in 0..3 {
        box_blur(image, x0, y0, x1, y1, block);
    }
}

fn pixelate(image: &mut RgbImage, x0: u32, y0: u32, x1: u32, y1: u32, block: u32) {
    let mut by = y0;
    while by < y1 {
        let bye = (by + block).min(y1);
        let mut bx = x0;
        while bx < x1 {
            let bxe = (bx + block).min(x1);
            let mut sum = [0u64; 3];
            for y in by..bye {
                for x in bx..bxe {
                    let p = image.get_pixel(x, y).0;
                    for c in 0..3 {
                        sum[c] += u64::from(p[c]);
                    }
                }
            }
            let n = u64::from((bxe - bx) * (bye - by)).max(1);
            let mean = image::Rgb(sum.map(|s| u8::try_from(s / n).unwrap_or(u8::MAX)));
            for y in by..bye {
                for x in bx..bxe {
                    image.put_pixel(x, y, mean);
                }
            }
            bx = bxe;
        }
        by = bye;
    }
}

/// Separable box blur of radius `r` inside the region, sampling only inside it.
fn box_blur(image: &mut RgbImage, x0: u32, y0: u32, x1: u32, y1: u32, r: u32) {
    let (w, h) = ((x1 - x0) as usize, (y1 - y0) as usize);
    let mut buf: Vec<[u32; 3]> = Vec::with_capacity(w * h);
    for y in y0..y1 {
        for x in x0..x1 {
            buf.push(image.get_pixel(x, y).0.map(u32::from));
        }
    }
    let r = r as usize;
    let blur_line = |line: &mut Vec<[u32; 3]>| {
        let n = line.len();
        let mut prefix = vec![[0u32; 3]; n + 1];
        for i in 0..n {
            for c in 0..3 {
                prefix[i + 1][c] = prefix[i][c] + line[i][c];
            }
        }
        for (i, px) in line.iter_mut().enumerate() {
            let lo = i.saturating_sub(r);
            let hi = (i + r + 1).min(n);
            let count = (hi - lo) as u32;
            for c in 0..3 {
                px[c] = (prefix[hi][c] - prefix[lo][c]) / count;
            }
        }
    };
    let mut line = Vec::with_capacity(w.max(h));
    for row in 0..h {
        line.clear();
        line.extend_from_slice(&buf[row * w..(row + 1) * w]);
        blur_line(&mut line);
        buf[row * w..(row + 1) * w].copy_from_slice(&line);
    }
    for col in 0..w {
        line.clear();
        line.extend((0..h).map(|row| buf[row * w + col]));
        blur_line(&mut line);
        for (row, px) in line.iter().enumerate() {
            buf[row * w + col] = *px;
        }
    }
    for (i, px) in buf.iter().enumerate() {
        let (x, y) = (x0 + (i % w) as u32, y0 + (i / w) as u32);
        image.put_pixel(
            x,
            y,
            image::Rgb(px.map(|v| u8::try_from(v).unwrap_or(u8::MAX))),
        );
    }
}

/// Baseline JPEG with only the JFIF header: the encoder writes no EXIF, ICC or comment.
fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let too_large = || {
        PhotoError::TooLarge(format!(
            "image is {}×{} pixels, over JPEG's {JPEG_MAX_EDGE}-pixel edge limit",
            image.width(),
            image.height()
        ))
    };
    let w = u16::try_from(image.width()).map_err(|_| too_large())?;
    let h = u16::try_from(image.height()).map_err(|_| too_large())?;
    let mut out = Vec::with_capacity(image.as_raw().len() / 8);
    let encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    encoder
        .encode(image.as_raw(), w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| {
            PhotoError::Io(std::io::Error::other(format!("could not encode JPEG: {e}")))
        })?;
    Ok(out)
}
