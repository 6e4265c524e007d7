//! Face detection on small committed images (see `tests/data/README.md`).
#![allow(clippy::expect_used)]

use std::sync::OnceLock;

use faces::{Detector, Face, FaceError, MIN_SCORE};

fn detector() -> &'static Detector {
    static D: OnceLock<Detector> = OnceLock::new();
    D.get_or_init(|| Detector::new().expect("model loads"))
}

struct Img {
    rgb: Vec<u8>,
    w: u32,
    h: u32,
}

fn load(name: &str) -> Img {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let img = image::open(&path).expect("test image decodes").to_rgb8();
    let (w, h) = img.dimensions();
    Img {
        rgb: img.into_raw(),
        w,
        h,
    }
}

/// Rotates 90° clockwise: pixel (x, y) goes to (h - 1 - y, x).
fn rotate_cw(img: &Img) -> Img {
    let (w, h) = (img.w as usize, img.h as usize);
    let (nw, nh) = (h, w);
    let mut out = vec![0u8; w * h * 3];
    for y in 0..h {
        for x in 0..w {
            let (nx, ny) = (h - 1 - y, x);
            let s = (y * w + x) * 3;
            let d = (ny * nw + nx) * 3;
            out[d..d + 3].copy_from_slice(&img.rgb[s..s + 3]);
        }
    }
    Img {
        rgb: out,
        w: nw as u32,
        h: nh as u32,
    }
}

fn detect(img: &Img) -> Vec<Face> {
    detector()
        .detect(&img.rgb, img.w, img.h)
        .expect("detection runs")
}

fn centre(f: &Face) -> (f32, f32) {
    (f.x as f32 + f.w as f32 / 2.0, f.y as f32 + f.h as f32 / 2.0)
}

#[test]
fn one_face_in_a_portrait() {
    let img = load("astronaut.jpg");
    let found = detect(&img);
    assert_eq!(found.len(), 1, "{found:?}");
    let f = found[0];
    assert!(f.score >= MIN_SCORE);
    // Eileen Collins' face is in the upper left quarter, about 100 px across.
    let (cx, cy) = centre(&f);
    assert!((170.0..280.0).contains(&cx), "{f:?}");
    assert!((70.0..190.0).contains(&cy), "{f:?}");
    assert!((60..160).contains(&f.w), "{f:?}");
}

#[test]
fn four_faces_in_a_group_photo_sorted_and_deterministic() {
    let img = load("group4.jpg");
    let found = detect(&img);
    assert_eq!(found.len(), 4, "{found:?}");
    for pair in found.windows(2) {
        assert!((pair[0].y, pair[0].x) <= (pair[1].y, pair[1].x));
    }
    for f in &found {
        assert!(f.x + f.w <= img.w && f.y + f.h <= img.h);
    }
    assert_eq!(found, detect(&img), "same input, same output");
    // A single thread gives the same answer as the default.
    let single = detector().clone().with_threads(1);
    assert_eq!(found, single.detect(&img.rgb, img.w, img.h).expect("runs"));
}

#[test]
fn no_face_in_a_coffee_cup() {
    let found = detect(&load("coffee.jpg"));
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn no_face_in_flat_or_noisy_synthetic_images() {
    let (w, h) = (400u32, 300u32);
    let grey = vec![128u8; (w * h * 3) as usize];
    assert!(detector().detect(&grey, w, h).expect("runs").is_empty());
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let noise: Vec<u8> = (0..w * h * 3)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 56) as u8
        })
        .collect();
    assert!(detector().detect(&noise, w, h).expect("runs").is_empty());
}

#[test]
fn rotated_group_photo_boxes_land_on_rotated_faces() {
    let img = load("group4.jpg");
    let upright = detect(&img);
    let rot = rotate_cw(&img);
    let found = detect(&rot);
    assert!(found.len() >= 3, "{found:?}");
    // Each face found in the rotated photo sits where an upright face lands.
    for f in &found {
        let (cx, cy) = centre(f);
        let hit = upright.iter().any(|u| {
            let (ux, uy) = centre(u);
            let (rx, ry) = (img.h as f32 - uy, ux);
            let tol = u.w.max(u.h) as f32 * 0.4;
            (rx - cx).abs() <= tol && (ry - cy).abs() <= tol
        });
        assert!(hit, "{f:?} is not on a rotated face; upright: {upright:?}");
    }
}

#[test]
fn bad_buffers_are_rejected() {
    let d = detector();
    assert!(matches!(
        d.detect(&[0u8; 10], 2, 2),
        Err(FaceError::BufferSize { .. })
    ));
    assert!(matches!(
        d.detect(&[], 0, 5),
        Err(FaceError::EmptyImage { .. })
    ));
    // A one-pixel image is valid and has no face.
    assert!(d.detect(&[1, 2, 3], 1, 1).expect("runs").is_empty());
}

#[test]
fn face_serialises_as_plain_fields() {
    let f = Face {
        x: 1,
        y: 2,
        w: 3,
        h: 4,
        score: 0.5,
    };
    let v = serde_json::to_value(f).expect("serialises");
    assert_eq!(v["x"], 1);
    assert_eq!(v["h"], 4);
}
