//! Face **detection and counting** for ClearShot.
//!
//! This crate finds where faces are in a photo and how many there are. It never
//! identifies anyone: no embeddings, no landmarks leave this crate, nothing is
//! compared between photos (see `DOMAIN.md`, "Faces").
//!
//! The detector is MediaPipe's BlazeFace "back camera" model (256×256 input,
//! Apache-2.0), embedded in the binary and run with `tract-onnx`. Because the
//! model sees a 256-pixel square, small faces in large group photos are found by
//! running it on overlapping tiles of the photo at a few scales as well as on the
//! whole photo, then merging the results with weighted non-maximum suppression.
//!
//! The caller (the `photo` crate) decodes and orients the image; this crate only
//! takes an RGB8 buffer.

mod model;
mod resize;

use std::sync::Arc;

pub use model::{MODEL_BYTES, MODEL_FILE_NAME, MODEL_SHA256};

/// Scores below this are not faces. Chosen on the benchmark in `benches/`.
pub const MIN_SCORE: f32 = 0.8;

/// Largest face (in tile pixels) a tiled level reports.
const MAX_TILE_FACE: f32 = 100.0;

/// Side of the square the model sees.
const INPUT: usize = 256;

/// One detected face, in pixel coordinates of the image given to
/// [`Detector::detect`]. `score` is the model's confidence in `[0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Face {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    pub score: f32,
}

/// Errors from loading the model or from a bad input buffer.
#[derive(Debug, thiserror::Error)]
pub enum FaceError {
    #[error("the embedded face model does not match its recorded SHA-256 (got {0})")]
    ModelChecksum(String),
    #[error("could not load the face model: {0}")]
    Model(String),
    #[error("face model inference failed: {0}")]
    Inference(String),
    #[error("image buffer is {got} bytes, expected {expected} for {width}x{height} RGB8")]
    BufferSize {
        got: usize,
        expected: usize,
        width: u32,
        height: u32,
    },
    #[error("image is empty ({width}x{height})")]
    EmptyImage { width: u32, height: u32 },
    #[error("image is too large ({width}x{height})")]
    TooLarge { width: u32, height: u32 },
}

/// Largest accepted image side, far above any camera's output.
const MAX_SIDE: u32 = 65_535;

/// The face detector. Loads and optimises the model once; cheap to share
/// behind an [`Arc`]; `Send + Sync`.
#[derive(Clone)]
pub struct Detector {
    net: Arc<model::Net>,
    /// Long sides (in pixels) of the tiled pyramid levels, besides the whole
    /// image seen at 256 px.
    levels: Vec<u32>,
    threads: usize,
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detector")
            .field("levels", &self.levels)
            .field("threads", &self.threads)
            .finish_non_exhaustive()
    }
}

/// A candidate detection in original-image coordinates (floating point).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cand {
    pub cx: f32,
    pub cy: f32,
    pub w: f32,
    pub h: f32,
    pub score: f32,
}

impl Cand {
    fn x0(&self) -> f32 {
        self.cx - self.w / 2.0
    }
    fn y0(&self) -> f32 {
        self.cy - self.h / 2.0
    }
    fn x1(&self) -> f32 {
        self.cx + self.w / 2.0
    }
    fn y1(&self) -> f32 {
        self.cy + self.h / 2.0
    }
    fn area(&self) -> f32 {
        self.w.max(0.0) * self.h.max(0.0)
    }
    fn inter(&self, o: &Cand) -> f32 {
        let iw = self.x1().min(o.x1()) - self.x0().max(o.x0());
        let ih = self.y1().min(o.y1()) - self.y0().max(o.y0());
        iw.max(0.0) * ih.max(0.0)
    }
    fn iou(&self, o: &Cand) -> f32 {
        let i = self.inter(o);
        let u = self.area() + o.area() - i;
        if u <= 0.0 { 0.0 } else { i / u }
    }
    /// Intersection over the smaller box: catches a partial face inside a whole one.
    fn iomin(&self, o: &Cand) -> f32 {
        let m = self.area().min(o.area());
        if m <= 0.0 { 0.0 } else { self.inter(o) / m }
    }
}

/// Candidates of one window, with the window's index.
type Indexed = (usize, Vec<Cand>);

/// One model run: a 256×256 window of a (scaled) image.
#[derive(Debug, Clone, Copy)]
struct Window {
    /// Index of the scaled image (level) this window is cut from.
    level: usize,
    /// Top-left corner in the scaled image, in pixels (may be negative: padding).
    ox: i64,
    oy: i64,
}

impl Detector {
    /// Loads the embedded model, checks its SHA-256 and optimises it for 256×256 input.
    pub fn new() -> Result<Detector, FaceError> {
        let net = model::Net::load()?;
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 8);
        Ok(Detector {
            net: Arc::new(net),
            levels: vec![512, 1024],
            threads,
        })
    }

    /// Same detector with a different set of tiled levels (long side in pixels
    /// of each scaled copy that is cut into 256-px tiles). Used by the benchmark,
    /// and for a closer look at a photo whose faces are small.
    pub fn with_levels(mut self, levels: &[u32]) -> Detector {
        self.levels = levels.to_vec();
        self
    }

    /// Same detector limited to `threads` worker threads (at least 1).
    pub fn with_threads(mut self, threads: usize) -> Detector {
        self.threads = threads.max(1);
        self
    }

    /// Finds faces in `rgb` (RGB8, row-major, `len == width*height*3`, already
    /// oriented). Returns faces with `score >= MIN_SCORE`, sorted by `(y, x)`.
    /// The result is deterministic for a given input.
    pub fn detect(&self, rgb: &[u8], width: u32, height: u32) -> Result<Vec<Face>, FaceError> {
        self.detect_with_threshold(rgb, width, height, MIN_SCORE)
    }

    /// As [`Detector::detect`] with another score threshold.
    pub fn detect_with_threshold(
        &self,
        rgb: &[u8],
        width: u32,
        height: u32,
        min_score: f32,
    ) -> Result<Vec<Face>, FaceError> {
        if width == 0 || height == 0 {
            return Err(FaceError::EmptyImage { width, height });
        }
        if width > MAX_SIDE || height > MAX_SIDE {
            return Err(FaceError::TooLarge { width, height });
        }
        let expected = width as usize * height as usize * 3;
        if rgb.len() != expected {
            return Err(FaceError::BufferSize {
                got: rgb.len(),
                expected,
                width,
                height,
            });
        }
        let src = resize::Rgb {
            data: rgb,
            w: width as usize,
            h: height as usize,
        };
        let long = width.max(height) as f32;

        // Scaled copies: level 0 is the whole image at 256 px, then each tiled level.
        // Levels are never upscaled beyond 2x, and duplicate sizes are skipped.
        let mut sizes: Vec<f32> = vec![INPUT as f32 / long];
        for &l in &self.levels {
            let s = (l as f32 / long).min(2.0);
            if sizes.iter().all(|&p| (s - p).abs() > p * 0.25) && l as usize > INPUT {
                sizes.push(s);
            }
        }
        // Build levels from the largest down, each from the original pixels.
        let mut scaled: Vec<resize::Image> = Vec::with_capacity(sizes.len());
        for &s in &sizes {
            let w = ((width as f32 * s).round() as usize).max(1);
            let h = ((height as f32 * s).round() as usize).max(1);
            scaled.push(resize::resize(&src, w, h));
        }

        // Windows: level 0 is one centred, letterboxed window; other levels are tiled.
        let mut windows = Vec::new();
        for (li, img) in scaled.iter().enumerate() {
            if li == 0 {
                windows.push(Window {
                    level: 0,
                    ox: (img.w as i64 - INPUT as i64) / 2,
                    oy: (img.h as i64 - INPUT as i64) / 2,
                });
            } else {
                for oy in tile_origins(img.h) {
                    for ox in tile_origins(img.w) {
                        windows.push(Window { level: li, ox, oy });
                    }
                }
            }
        }

        // Run the windows on worker threads; results are gathered per window so
        // the output does not depend on scheduling.
        let threads = self.threads.min(windows.len()).max(1);
        let mut per_window: Vec<Vec<Cand>> = vec![Vec::new(); windows.len()];
        let chunk = windows.len().div_ceil(threads);
        let results: Vec<Result<Vec<Indexed>, FaceError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = windows
                .chunks(chunk)
                .enumerate()
                .map(|(ci, ws)| {
                    let scaled = &scaled;
                    let sizes = &sizes;
                    let net = &self.net;
                    scope.spawn(move || {
                        let mut out = Vec::with_capacity(ws.len());
                        let mut input = vec![0f32; INPUT * INPUT * 3];
                        for (k, win) in ws.iter().enumerate() {
                            let img = &scaled[win.level];
                            img.crop_into(win.ox, win.oy, INPUT, &mut input);
                            let raw = net.run(&input)?;
                            let cands =
                                decode_window(&raw, win, img, sizes[win.level], min_score * 0.8);
                            out.push((ci * chunk + k, cands));
                        }
                        Ok(out)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(FaceError::Inference("worker thread panicked".into()))
                    })
                })
                .collect()
        });
        for r in results {
            for (i, c) in r? {
                per_window[i] = c;
            }
        }
        let all: Vec<Cand> = per_window.into_iter().flatten().collect();
        let merged = merge(all, min_score);

        let mut faces: Vec<Face> = merged
            .iter()
            .filter_map(|c| to_face(c, width, height))
            .collect();
        faces.sort_by(|a, b| {
            (a.y, a.x, a.w, a.h)
                .cmp(&(b.y, b.x, b.w, b.h))
                .then(b.score.total_cmp(&a.score))
        });
        Ok(faces)
    }
}

/// Tile origins along one axis of length `len`: 256-px tiles overlapping by a
/// quarter, the last one flush with the far edge; a short axis gets one centred tile.
fn tile_origins(len: usize) -> Vec<i64> {
    let t = INPUT as i64;
    let len = len as i64;
    if len <= t {
        return vec![(len - t) / 2];
    }
    let stride = t * 3 / 4;
    let n = (len - t + stride - 1) / stride + 1;
    // Spread the tiles evenly so the last one ends at the edge.
    (0..n).map(|i| i * (len - t) / (n - 1).max(1)).collect()
}

/// Decodes one window's raw model output into candidates in original-image coordinates.
fn decode_window(
    raw: &model::Raw,
    win: &Window,
    img: &resize::Image,
    scale: f32,
    min_score: f32,
) -> Vec<Cand> {
    let mut out = Vec::new();
    let t = INPUT as f32;
    for d in raw.detections(min_score) {
        // d: centre and size in window pixels.
        let (x0, y0) = (d.cx - d.w / 2.0, d.cy - d.h / 2.0);
        let (x1, y1) = (d.cx + d.w / 2.0, d.cy + d.h / 2.0);
        // A tiled level answers only for faces small in its tiles; bigger ones
        // are seen whole (and more reliably) by a coarser level.
        if win.level != 0 && d.w.max(d.h) > MAX_TILE_FACE {
            continue;
        }
        // Drop a face cut by an inner tile edge: another tile (tiles overlap by a
        // quarter) or a coarser level sees it whole.
        if win.level != 0 {
            let margin = 2.0;
            let inner_left = win.ox > 0;
            let inner_top = win.oy > 0;
            let inner_right = (win.ox + INPUT as i64) < img.w as i64;
            let inner_bottom = (win.oy + INPUT as i64) < img.h as i64;
            if (inner_left && x0 < -margin)
                || (inner_top && y0 < -margin)
                || (inner_right && x1 > t + margin)
                || (inner_bottom && y1 > t + margin)
            {
                continue;
            }
        }
        out.push(Cand {
            cx: (d.cx + win.ox as f32) / scale,
            cy: (d.cy + win.oy as f32) / scale,
            w: d.w / scale,
            h: d.h / scale,
            score: d.score,
        });
    }
    out
}

/// Weighted non-maximum suppression (as MediaPipe's "weighted" mode): each kept
/// face is the score-weighted mean of the candidates overlapping it.
fn merge(mut cands: Vec<Cand>, min_score: f32) -> Vec<Cand> {
    // Deterministic order: score descending, then position.
    cands.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.cy.total_cmp(&b.cy))
            .then(a.cx.total_cmp(&b.cx))
            .then(a.w.total_cmp(&b.w))
    });
    let mut used = vec![false; cands.len()];
    let mut out: Vec<Cand> = Vec::new();
    for i in 0..cands.len() {
        if used[i] {
            continue;
        }
        let top = cands[i];
        used[i] = true;
        let (mut sx, mut sy, mut sw, mut sh, mut ss) = (
            top.cx * top.score,
            top.cy * top.score,
            top.w * top.score,
            top.h * top.score,
            top.score,
        );
        for j in i + 1..cands.len() {
            if used[j] {
                continue;
            }
            let c = &cands[j];
            let iou = top.iou(c);
            if iou >= 0.3 {
                used[j] = true;
                sx += c.cx * c.score;
                sy += c.cy * c.score;
                sw += c.w * c.score;
                sh += c.h * c.score;
                ss += c.score;
            } else if top.iomin(c) >= 0.6 {
                // A part of this face, or this face inside a bigger false box: drop.
                used[j] = true;
            }
        }
        if top.score < min_score {
            continue;
        }
        let merged = Cand {
            cx: sx / ss,
            cy: sy / ss,
            w: sw / ss,
            h: sh / ss,
            score: top.score,
        };
        // A merged box may now swallow an earlier kept one; keep the earlier.
        if out
            .iter()
            .any(|o| o.iou(&merged) >= 0.3 || o.iomin(&merged) >= 0.6)
        {
            continue;
        }
        out.push(merged);
    }
    out
}

fn to_face(c: &Cand, width: u32, height: u32) -> Option<Face> {
    let x0 = c.x0().max(0.0).min(width as f32);
    let y0 = c.y0().max(0.0).min(height as f32);
    let x1 = c.x1().max(0.0).min(width as f32);
    let y1 = c.y1().max(0.0).min(height as f32);
    let w = (x1 - x0).round();
    let h = (y1 - y0).round();
    if w < 1.0 || h < 1.0 {
        return None;
    }
    Some(Face {
        x: x0.round() as u32,
        y: y0.round() as u32,
        w: w as u32,
        h: h as u32,
        score: c.score,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_cover_the_axis() {
        assert_eq!(tile_origins(256), vec![0]);
        assert_eq!(tile_origins(100), vec![-78]);
        let t = tile_origins(1280);
        assert_eq!(t.first(), Some(&0));
        assert_eq!(t.last(), Some(&(1280 - 256)));
        for w in t.windows(2) {
            assert!(w[1] - w[0] <= 192);
        }
    }

    #[test]
    fn merge_blends_overlaps_and_drops_parts() {
        let a = Cand {
            cx: 100.0,
            cy: 100.0,
            w: 50.0,
            h: 50.0,
            score: 0.9,
        };
        let b = Cand { cx: 104.0, ..a };
        let part = Cand {
            cx: 110.0,
            w: 20.0,
            h: 20.0,
            score: 0.7,
            ..a
        };
        let far = Cand { cx: 400.0, ..a };
        let m = merge(vec![part, b, a, far], 0.5);
        assert_eq!(m.len(), 2);
        assert!((m[0].cx - 102.0).abs() < 0.01);
    }
}
