//! Separable resampling of an RGB8 buffer: area averaging when shrinking,
//! bilinear when enlarging. Output is f32 scaled to [-1, 1], as the model wants.

/// A borrowed RGB8 image.
pub(crate) struct Rgb<'a> {
    pub data: &'a [u8],
    pub w: usize,
    pub h: usize,
}

/// An owned RGB f32 image with values in [-1, 1].
pub(crate) struct Image {
    pub w: usize,
    pub h: usize,
    pub data: Vec<f32>,
}

/// Value used outside the image (black, as MediaPipe's letterboxing).
const PAD: f32 = -1.0;

/// For each output index: the first input index and the weights from there on.
struct Taps {
    start: Vec<usize>,
    len: Vec<usize>,
    weights: Vec<f32>,
    offsets: Vec<usize>,
}

fn taps(in_len: usize, out_len: usize) -> Taps {
    let scale = out_len as f64 / in_len as f64;
    let mut t = Taps {
        start: Vec::with_capacity(out_len),
        len: Vec::with_capacity(out_len),
        weights: Vec::new(),
        offsets: Vec::with_capacity(out_len),
    };
    let last = in_len.saturating_sub(1);
    for i in 0..out_len {
        t.offsets.push(t.weights.len());
        if scale < 1.0 {
            // Area average over the input span [a, b).
            let a = i as f64 / scale;
            let b = ((i + 1) as f64 / scale).min(in_len as f64);
            let j0 = (a.floor() as usize).min(last);
            let j1 = (b.ceil() as usize).clamp(j0 + 1, in_len);
            let mut sum = 0.0f64;
            let base = t.weights.len();
            for j in j0..j1 {
                let lo = a.max(j as f64);
                let hi = b.min((j + 1) as f64);
                let w = (hi - lo).max(0.0);
                t.weights.push(w as f32);
                sum += w;
            }
            if sum > 0.0 {
                for w in &mut t.weights[base..] {
                    *w = (*w as f64 / sum) as f32;
                }
            }
            t.start.push(j0);
            t.len.push(j1 - j0);
        } else {
            // Bilinear between the two nearest input samples.
            let c = ((i as f64 + 0.5) / scale - 0.5).clamp(0.0, last as f64);
            let j0 = (c.floor() as usize).min(last);
            let f = (c - j0 as f64) as f32;
            if j0 < last {
                t.weights.push(1.0 - f);
                t.weights.push(f);
                t.len.push(2);
            } else {
                t.weights.push(1.0);
                t.len.push(1);
            }
            t.start.push(j0);
        }
    }
    t
}

/// Resizes `src` to `w`×`h`; the result is scaled to [-1, 1].
pub(crate) fn resize(src: &Rgb<'_>, w: usize, h: usize) -> Image {
    let hx = taps(src.w, w);
    let vy = taps(src.h, h);
    // Horizontal pass: src.h rows of w pixels, in 0..255.
    let mut tmp = vec![0f32; w * src.h * 3];
    for (y, out_row) in tmp.chunks_exact_mut(w * 3).enumerate() {
        let row = &src.data[y * src.w * 3..(y + 1) * src.w * 3];
        for (x, px) in out_row.chunks_exact_mut(3).enumerate() {
            let o = hx.offsets[x];
            let ws = &hx.weights[o..o + hx.len[x]];
            let s = hx.start[x] * 3;
            let (mut r, mut g, mut b) = (0f32, 0f32, 0f32);
            for (k, &wt) in ws.iter().enumerate() {
                let p = &row[s + k * 3..s + k * 3 + 3];
                r += wt * p[0] as f32;
                g += wt * p[1] as f32;
                b += wt * p[2] as f32;
            }
            px[0] = r;
            px[1] = g;
            px[2] = b;
        }
    }
    // Vertical pass, then scale to [-1, 1].
    let mut data = vec![0f32; w * h * 3];
    let stride = w * 3;
    for (y, out_row) in data.chunks_exact_mut(stride).enumerate() {
        let o = vy.offsets[y];
        let ws = &vy.weights[o..o + vy.len[y]];
        let s = vy.start[y];
        for (k, &wt) in ws.iter().enumerate() {
            let in_row = &tmp[(s + k) * stride..(s + k + 1) * stride];
            for (d, &v) in out_row.iter_mut().zip(in_row) {
                *d += wt * v;
            }
        }
        for d in out_row.iter_mut() {
            *d = *d / 127.5 - 1.0;
        }
    }
    Image { w, h, data }
}

impl Image {
    /// Copies the `size`×`size` window at (`ox`, `oy`) into `out` (NHWC),
    /// padding outside the image.
    pub(crate) fn crop_into(&self, ox: i64, oy: i64, size: usize, out: &mut [f32]) {
        out.fill(PAD);
        let (w, h) = (self.w as i64, self.h as i64);
        let x0 = ox.max(0);
        let x1 = (ox + size as i64).min(w);
        if x1 <= x0 {
            return;
        }
        let n = (x1 - x0) as usize * 3;
        for wy in 0..size as i64 {
            let y = oy + wy;
            if y < 0 || y >= h {
                continue;
            }
            let src = (y as usize * self.w + x0 as usize) * 3;
            let dst = (wy as usize * size + (x0 - ox) as usize) * 3;
            out[dst..dst + n].copy_from_slice(&self.data[src..src + n]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrink_averages_and_keeps_flat_colour() {
        let data = vec![200u8; 10 * 6 * 3];
        let img = resize(
            &Rgb {
                data: &data,
                w: 10,
                h: 6,
            },
            3,
            2,
        );
        for v in img.data {
            assert!((v - (200.0 / 127.5 - 1.0)).abs() < 1e-4);
        }
        // Checkerboard columns 0/255 halve to mid-grey.
        let data: Vec<u8> = (0..4 * 2)
            .flat_map(|i| {
                let v = if i % 2 == 0 { 0 } else { 255 };
                [v, v, v]
            })
            .collect();
        let img = resize(
            &Rgb {
                data: &data,
                w: 4,
                h: 2,
            },
            2,
            1,
        );
        for v in img.data {
            assert!(v.abs() < 1e-4);
        }
    }

    #[test]
    fn enlarge_and_crop_pad() {
        let data = vec![0u8, 0, 0, 255, 255, 255];
        let img = resize(
            &Rgb {
                data: &data,
                w: 2,
                h: 1,
            },
            4,
            2,
        );
        assert_eq!(img.data.len(), 4 * 2 * 3);
        assert!((img.data[0] + 1.0).abs() < 1e-4);
        assert!((img.data[9] - 1.0).abs() < 1e-4);
        let mut out = vec![0f32; 3 * 3 * 3];
        img.crop_into(-1, -1, 3, &mut out);
        assert_eq!(out[0], PAD);
        assert!((out[(3 + 1) * 3] + 1.0).abs() < 1e-4);
    }
}
