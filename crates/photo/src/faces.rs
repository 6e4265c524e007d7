//! Face detection on photos: find and count faces, never identify anyone (DOMAIN.md, "Faces").
//!
//! Detection always runs on the same pixels of a photo, its working copy (see
//! [`crate::working_copy`]) as [`detector_input`] gives it, so `photos faces`, `photos check` and
//! `photos export --blur-faces` agree on which face has which index, and share the decode.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde::Serialize;

pub use crate::evidence::displayed_size;
use crate::{Decoded, PhotoError, Rect};
use std::borrow::Cow;

/// The detector sees the photo's working copy with its long edge at least this (see
/// [`detector_input`]); it tiles copies of up to 1024 px itself.
pub const DETECT_EDGE: u32 = 1024;

/// A face, in pixels of the photo as displayed (orientation applied), at full size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FaceBox {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    pub score: f32,
}

static DETECTOR: OnceLock<Result<faces::Detector, String>> = OnceLock::new();

fn detector() -> Result<&'static faces::Detector, PhotoError> {
    DETECTOR
        .get_or_init(|| faces::Detector::new().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| PhotoError::Malformed(format!("face detector unavailable: {e}")))
}

/// Photos whose faces were found recently, by SHA-256 of their bytes: the app finds the faces
/// when a photo is added, then checks and exports it; each step gets the same boxes (the same
/// face numbers) without running the detector again. Bounded; emptied when full.
static RECENT: Mutex<Option<HashMap<String, Vec<FaceBox>>>> = Mutex::new(None);
const RECENT_MAX: usize = 512;

/// Faces in a photo, in full-size displayed pixel coordinates, sorted top to bottom.
pub fn detect_faces(bytes: &[u8]) -> Result<Vec<FaceBox>, PhotoError> {
    let key = crate::sha256_hex(bytes);
    if let Ok(guard) = RECENT.lock()
        && let Some(found) = guard.as_ref().and_then(|m| m.get(&key))
    {
        return Ok(found.clone());
    }
    let (full_w, full_h) = displayed_size(bytes)?;
    let working = crate::working::working_copy_keyed(bytes, &key)?;
    let input = detector_input(&working);
    let mut found = faces_in(&input, full_w, full_h)?;
    // Small faces (a class photo, the back rows of an assembly) may have smaller ones beside
    // them that the halved copy is too coarse to show: look again at the whole working copy.
    let input_scale = f64::from(input.width()) / f64::from(full_w.max(1));
    let small = |f: &FaceBox| f64::from(f.w.min(f.h)) * input_scale < f64::from(SMALL_FACE);
    if input.width() < working.width() && found.iter().any(small) {
        found = second_look(&working, full_w, full_h)?;
    }
    if let Ok(mut guard) = RECENT.lock() {
        let map = guard.get_or_insert_with(HashMap::new);
        if map.len() >= RECENT_MAX {
            map.clear();
        }
        map.insert(key, found.clone());
    }
    Ok(found)
}

/// What the detector is given: the working copy, halved (an area average) when that keeps its
/// long edge at least [`DETECT_EDGE`]. A photo under 2048 px is seen at full size, and a larger
/// one at 1024–2047 px, as a DCT-scaled decode would give it.
pub fn detector_input(working: &Decoded) -> Cow<'_, Decoded> {
    let long = working.width().max(working.height());
    if long / 2 < DETECT_EDGE {
        return Cow::Borrowed(working);
    }
    let image = crate::export::fit_within_with(
        &working.image,
        long / 2,
        fast_image_resize::FilterType::Box,
    );
    Cow::Owned(Decoded {
        image: image.into_owned(),
    })
}

/// A face narrower than this on the detector's input (a 1024-px copy) is small: the detector
/// finds faces down to about half this size, so there may be smaller faces it missed.
const SMALL_FACE: u32 = 48;

/// The detector run over the working copy itself (2048 px) in tiles as well: about four times
/// the work of the first look, finding faces half the size (about 1% of the photo's long side).
fn second_look(working: &Decoded, full_w: u32, full_h: u32) -> Result<Vec<FaceBox>, PhotoError> {
    let close = detector()?
        .clone()
        .with_levels(&[DETECT_EDGE, 2 * DETECT_EDGE]);
    faces_with(&close, working, full_w, full_h)
}

/// Faces found in a decoded image, scaled to a `full_w`×`full_h` frame.
pub fn faces_in(d: &Decoded, full_w: u32, full_h: u32) -> Result<Vec<FaceBox>, PhotoError> {
    faces_with(detector()?, d, full_w, full_h)
}

fn faces_with(
    detector: &faces::Detector,
    d: &Decoded,
    full_w: u32,
    full_h: u32,
) -> Result<Vec<FaceBox>, PhotoError> {
    let found = detector
        .detect(d.rgb(), d.width(), d.height())
        .map_err(|e| PhotoError::Malformed(format!("face detection failed: {e}")))?;
    let sx = f64::from(full_w) / f64::from(d.width().max(1));
    let sy = f64::from(full_h) / f64::from(d.height().max(1));
    Ok(found
        .into_iter()
        .map(|f| FaceBox {
            x: (f64::from(f.x) * sx).round() as u32,
            y: (f64::from(f.y) * sy).round() as u32,
            w: (f64::from(f.w) * sx).round().max(1.0) as u32,
            h: (f64::from(f.h) * sy).round().max(1.0) as u32,
            score: f.score,
        })
        .collect())
}

/// Maps full-size face boxes onto a decoded (possibly resized) copy of the same photo.
pub fn boxes_for(faces: &[FaceBox], full_w: u32, full_h: u32, d: &Decoded) -> Vec<Rect> {
    let sx = f64::from(d.width()) / f64::from(full_w.max(1));
    let sy = f64::from(d.height()) / f64::from(full_h.max(1));
    faces
        .iter()
        .map(|f| Rect {
            x: (f64::from(f.x) * sx).floor() as u32,
            y: (f64::from(f.y) * sy).floor() as u32,
            w: (f64::from(f.w) * sx).ceil().max(1.0) as u32,
            h: (f64::from(f.h) * sy).ceil().max(1.0) as u32,
        })
        .collect()
}
