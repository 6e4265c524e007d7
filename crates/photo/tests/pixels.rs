//! Decoding, perceptual hashing and the safe export, on real full-size corpus photos.

mod common;

use photo::{Decoded, PerceptualHash, Rect, SIMILAR_MAX_DISTANCE, decode, decode_scaled, inspect};

/// Full-size phone and camera photos from the corpus (the rest are 8×8 metadata samples).
const FULL_SIZE: &[&str] = &[
    "exiv2/exiv2-bug2565.jpg",
    "exiv2/DSC_3079.jpg",
    "exiv2/exiv2-bug876.jpg",
    "exiv2/exiv2-bug922.jpg",
];

fn encode(d: &Decoded, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let enc = jpeg_encoder::Encoder::new(&mut out, quality);
    let (w, h) = (d.width() as u16, d.height() as u16);
    if let Err(e) = enc.encode(d.rgb(), w, h, jpeg_encoder::ColorType::Rgb) {
        panic!("encode: {e}");
    }
    out
}

fn ok<T, E: std::fmt::Display>(r: Result<T, E>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what}: {e}"),
    }
}

/// Crops `frac` of each edge away.
fn crop(d: &Decoded, left: f64, top: f64, right: f64, bottom: f64) -> Decoded {
    let (w, h) = (d.width() as usize, d.height() as usize);
    let (x0, y0) = ((w as f64 * left) as usize, (h as f64 * top) as usize);
    let (x1, y1) = (
        w - (w as f64 * right) as usize,
        h - (h as f64 * bottom) as usize,
    );
    let mut rgb = Vec::with_capacity((x1 - x0) * (y1 - y0) * 3);
    for y in y0..y1 {
        rgb.extend_from_slice(&d.rgb()[(y * w + x0) * 3..(y * w + x1) * 3]);
    }
    match Decoded::from_rgb((x1 - x0) as u32, (y1 - y0) as u32, rgb) {
        Some(c) => c,
        None => panic!("crop size mismatch"),
    }
}

#[test]
fn perceptual_hash_matches_resized_recompressed_and_cropped_copies_but_not_other_photos() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let mut originals: Vec<(String, PerceptualHash)> = Vec::new();
    let mut worst_copy = 0;
    for name in FULL_SIZE {
        let bytes = common::read(&corpus.join(name));
        // The debug build is slow at full size, so the originals are DCT-scaled decodes of
        // about 1000 px; the import hashes the same way, and a 256-px-hint decode must agree.
        let full = ok(decode_scaled(&bytes, 750), name);
        let original = full.perceptual_hash();
        let scaled = ok(decode_scaled(&bytes, 256), name);
        let half = ok(
            decode(&ok(
                full.export_jpeg(full.width().max(full.height()) / 2, &[]),
                "half",
            )),
            "half",
        );
        let q70 = ok(decode(&encode(&full, 70)), "q70");
        let copies = [
            ("DCT-scaled decode at 1/8 or 1/4", scaled.perceptual_hash()),
            ("resized 50%", half.perceptual_hash()),
            ("recompressed q70", q70.perceptual_hash()),
            (
                "cropped 2% each edge",
                crop(&full, 0.02, 0.02, 0.02, 0.02).perceptual_hash(),
            ),
            (
                "cropped 2% left+top, 1% right+bottom",
                crop(&full, 0.02, 0.02, 0.01, 0.01).perceptual_hash(),
            ),
        ];
        for (what, hash) in copies {
            let d = original.distance(&hash);
            eprintln!("{name}: {what}: distance {d}");
            worst_copy = worst_copy.max(d);
            assert!(
                original.is_similar(&hash),
                "{name} {what}: distance {d} > {SIMILAR_MAX_DISTANCE}, or too plain"
            );
        }
        originals.push((name.to_string(), original));
    }
    for seed in 1..=4 {
        let bytes = photo::testing::plain_jpeg(640, 480, seed, 90).unwrap_or_default();
        originals.push((
            format!("generated seed {seed}"),
            ok(decode(&bytes), "generated").perceptual_hash(),
        ));
    }
    // The closest unrelated pair of the corpus (a pen drawing on white paper and a glider
    // against the sky, 25 bits apart), and two nearly plain frames, which hash to almost all
    // zeros: similar to nothing.
    for name in [
        "exiv2/glider-preview1.jpg",
        "exiv2/exiv2-bug1114.jpg",
        "exiv2/exiv2-bug937.jpg",
    ] {
        let bytes = common::read(&corpus.join(name));
        originals.push((name.to_string(), ok(decode(&bytes), name).perceptual_hash()));
    }
    let mut closest_unrelated = 144;
    for (i, (a, ha)) in originals.iter().enumerate() {
        for (b, hb) in &originals[i + 1..] {
            let d = ha.distance(hb);
            closest_unrelated = closest_unrelated.min(d);
            assert!(
                !ha.is_similar(hb),
                "unrelated photos {a} and {b} match: distance {d}"
            );
        }
    }
    eprintln!("worst copy distance {worst_copy}, closest unrelated pair {closest_unrelated}");
}

/// Splits a JPEG into its marker segments (ID, payload) up to the start of scan.
fn segments(jpeg: &[u8]) -> Vec<u8> {
    let mut markers = Vec::new();
    let mut i = 2;
    while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
        let marker = jpeg[i + 1];
        markers.push(marker);
        if marker == 0xDA {
            break;
        }
        let len = u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]) as usize;
        i += 2 + len;
    }
    markers
}

#[test]
fn export_applies_orientation_resizes_and_strips_every_piece_of_metadata() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    // A Samsung Galaxy S7 photo with make, model, GPS-free EXIF, and a thumbnail in APP1.
    let bytes = common::read(&corpus.join("exiv2/exiv2-bug2565.jpg"));
    let source = ok(inspect(&bytes), "inspect");
    assert!(
        source.make.is_some(),
        "the source has a camera make to strip"
    );
    let decoded = ok(decode_scaled(&bytes, 1000), "decode");
    let out = ok(decoded.export_jpeg(800, &[]), "export");
    let markers = segments(&out);
    for forbidden in [0xE1, 0xE2, 0xED, 0xFE] {
        assert!(
            !markers.contains(&forbidden),
            "export carries segment FF{forbidden:02X}: {markers:02X?}"
        );
    }
    let ev = ok(inspect(&out), "inspect export");
    assert_eq!(
        (ev.make, ev.model, ev.gps, ev.serial, ev.taken_at),
        (None, None, None, None, None)
    );
    assert_eq!(
        ev.width.max(ev.height),
        800,
        "long edge fits the channel size"
    );
    let aspect_in = f64::from(decoded.width()) / f64::from(decoded.height());
    let aspect_out = f64::from(ev.width) / f64::from(ev.height);
    assert!(
        (aspect_in - aspect_out).abs() < 0.01,
        "aspect kept: {aspect_in} vs {aspect_out}"
    );
    // Never upscaled.
    let small = ok(
        ok(decode(&ok(decoded.export_jpeg(300, &[]), "small")), "d").export_jpeg(5000, &[]),
        "big",
    );
    let small_ev = ok(inspect(&small), "inspect");
    assert_eq!(small_ev.width.max(small_ev.height), 300);
}

#[test]
fn export_with_gps_and_serial_in_the_source_carries_neither() {
    let spec = photo::testing::ExifSpec {
        width: 400,
        height: 300,
        ..photo::testing::ExifSpec::phone()
    };
    let bytes = photo::testing::jpeg_with_exif(&spec);
    let ev = ok(inspect(&bytes), "inspect");
    assert!(
        ev.gps.is_some() && ev.serial.is_some(),
        "the source carries GPS and a serial"
    );
    let out = ok(
        ok(decode(&bytes), "decode").export_jpeg(2048, &[]),
        "export",
    );
    let ev = ok(inspect(&out), "inspect");
    assert_eq!(
        (ev.gps, ev.serial, ev.make, ev.orientation),
        (None, None, None, None)
    );
}

#[test]
fn export_and_decode_apply_exif_orientation_to_the_pixels() {
    // Stored landscape 400×300, Orientation 6 (rotate 90° clockwise to display): portrait.
    let spec = photo::testing::ExifSpec {
        width: 400,
        height: 300,
        orientation: Some(6),
        ..Default::default()
    };
    let bytes = photo::testing::jpeg_with_exif(&spec);
    let ev = ok(inspect(&bytes), "inspect");
    assert_eq!(
        (ev.width, ev.height, ev.orientation),
        (400, 300, Some(6)),
        "size as stored"
    );
    let d = ok(decode(&bytes), "decode");
    assert_eq!((d.width(), d.height()), (300, 400), "decoded upright");
    let out = ok(inspect(&ok(d.export_jpeg(200, &[]), "export")), "inspect");
    assert_eq!((out.width, out.height, out.orientation), (150, 200, None));
}

#[test]
fn blurred_face_is_unrecognisable_and_the_rest_of_the_photo_is_untouched() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let bytes = common::read(&corpus.join("exiv2/DSC_3079.jpg"));
    let d = ok(decode_scaled(&bytes, 800), "decode");
    let max_edge = 640;
    let face = Rect {
        x: d.width() / 3,
        y: d.height() / 3,
        w: d.width() / 6,
        h: d.height() / 5,
    };
    let plain = ok(decode(&ok(d.export_jpeg(max_edge, &[]), "plain")), "plain");
    let blurred = ok(
        decode(&ok(d.export_jpeg(max_edge, &[face]), "blurred")),
        "blurred",
    );
    let scale = f64::from(plain.width()) / f64::from(d.width());
    let s = |v: u32| (f64::from(v) * scale) as usize;
    let (fx, fy, fw, fh) = (s(face.x), s(face.y), s(face.w), s(face.h));
    let w = plain.width() as usize;
    let px = |img: &Decoded, x: usize, y: usize| -> [i32; 3] {
        let i = (y * w + x) * 3;
        [
            img.rgb()[i] as i32,
            img.rgb()[i + 1] as i32,
            img.rgb()[i + 2] as i32,
        ]
    };
    // Detail inside the face: sum of neighbour differences (edges, texture).
    let detail = |img: &Decoded| -> f64 {
        let mut sum = 0i64;
        for y in fy..fy + fh {
            for x in fx..fx + fw - 1 {
                let (a, b) = (px(img, x, y), px(img, x + 1, y));
                sum += (0..3).map(|c| (a[c] - b[c]).abs() as i64).sum::<i64>();
            }
        }
        sum as f64 / (fw * fh) as f64
    };
    let mut changed = 0i64;
    for y in fy..fy + fh {
        for x in fx..fx + fw {
            let (a, b) = (px(&plain, x, y), px(&blurred, x, y));
            changed += (0..3).map(|c| (a[c] - b[c]).abs() as i64).sum::<i64>();
        }
    }
    let mean_change = changed as f64 / (fw * fh * 3) as f64;
    let (before, after) = (detail(&plain), detail(&blurred));
    eprintln!("face: mean change {mean_change:.1}/255, detail {before:.1} -> {after:.1}");
    assert!(
        mean_change > 8.0,
        "the face region differs clearly from the source ({mean_change:.1})"
    );
    assert!(
        after < before / 4.0,
        "fine detail is gone ({before:.1} -> {after:.1})"
    );
    // Far from the face (beyond the padding), the pixels are the same.
    let (a, b) = (px(&plain, 5, 5), px(&blurred, 5, 5));
    assert_eq!(a, b, "pixels away from the face are untouched");
}

#[test]
fn thumbnail_from_a_dct_scaled_decode_has_the_requested_long_edge() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let bytes = common::read(&corpus.join("exiv2/exiv2-bug2565.jpg"));
    let d = ok(decode_scaled(&bytes, 256), "decode_scaled");
    assert!(
        d.width().max(d.height()) >= 256 && d.width().max(d.height()) < 1024,
        "{}×{}",
        d.width(),
        d.height()
    );
    let ev = ok(inspect(&ok(d.thumbnail_jpeg(256), "thumb")), "inspect");
    assert_eq!(ev.width.max(ev.height), 256);
}

/// The sRGB transfer function, decoded value to linear light and back (IEC 61966-2-1).
fn srgb_to_linear(v: u8) -> f64 {
    let c = f64::from(v) / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

fn linear_to_srgb(l: f64) -> f64 {
    let l = l.clamp(0.0, 1.0);
    255.0
        * if l <= 0.003_130_8 {
            l * 12.92
        } else {
            1.055 * l.powf(1.0 / 2.4) - 0.055
        }
}

/// Largest and mean difference, per channel value, between `got` and the colours `expect`
/// computes from the file's own (unconverted) pixels `raw`.
fn colour_error(raw: &[u8], got: &[u8], expect: impl Fn([u8; 3]) -> [f64; 3]) -> (f64, f64) {
    assert_eq!(raw.len(), got.len());
    let (mut max, mut sum) = (0.0f64, 0.0f64);
    for (r, g) in raw.chunks_exact(3).zip(got.chunks_exact(3)) {
        let want = expect([r[0], r[1], r[2]]);
        for ch in 0..3 {
            let d = (f64::from(g[ch]) - want[ch]).abs();
            max = max.max(d);
            sum += d;
        }
    }
    (max, sum / raw.len() as f64)
}

#[test]
fn a_display_p3_photo_is_converted_to_srgb_by_both_decoders() {
    // An iPad photo in Display P3: a gradient, with the P3 profile embedded.
    let (w, h) = (64u32, 48u32);
    let mut rgb = Vec::new();
    for y in 0..h {
        for x in 0..w {
            rgb.extend_from_slice(&[(60 + x * 2) as u8, (40 + y * 3) as u8, 120]);
        }
    }
    let profile = ok(moxcms::ColorProfile::new_display_p3().encode(), "profile");
    let mut bytes = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut bytes, 100);
    ok(enc.add_icc_profile(&profile), "embed the profile");
    ok(
        enc.encode(&rgb, w as u16, h as u16, jpeg_encoder::ColorType::Rgb),
        "encode",
    );
    let raw = ok(image::load_from_memory(&bytes), "raw").into_rgb8();
    // Display P3 to sRGB in linear light (both D65, both with the sRGB curve).
    let p3_to_srgb = |c: [u8; 3]| {
        let l = c.map(srgb_to_linear);
        [
            linear_to_srgb(1.224_940_2 * l[0] - 0.224_940_2 * l[1]),
            linear_to_srgb(-0.042_056_9 * l[0] + 1.042_056_9 * l[1]),
            linear_to_srgb(-0.019_637_6 * l[0] - 0.078_636_0 * l[1] + 1.098_273_6 * l[2]),
        ]
    };
    // The full decoder (image) and the scaled one (jpeg-decoder) both convert.
    for (name, d) in [
        ("decode", ok(decode(&bytes), "decode")),
        (
            "decode_scaled",
            ok(decode_scaled(&bytes, 16), "decode_scaled"),
        ),
    ] {
        if d.width() != w {
            // The scaled decode: compare with the raw pixels at its size.
            let small = image::imageops::thumbnail(&raw, d.width(), d.height());
            let (_, mean) = colour_error(small.as_raw(), d.rgb(), p3_to_srgb);
            assert!(mean < 3.0, "{name}: mean error {mean:.2}");
            continue;
        }
        let (max, mean) = colour_error(raw.as_raw(), d.rgb(), p3_to_srgb);
        assert!(
            max <= 2.0 && mean < 0.6,
            "{name}: max {max}, mean {mean:.2}"
        );
        // And the export, which carries no profile, shows those sRGB colours.
        let out = ok(decode(&ok(d.export_jpeg(2048, &[]), "export")), "re-read");
        let (_, mean) = colour_error(raw.as_raw(), out.rgb(), p3_to_srgb);
        assert!(mean < 2.0, "export: mean error {mean:.2}");
    }
    // Without the conversion the colours would be off by much more than that.
    let (_, unconverted) = colour_error(raw.as_raw(), raw.as_raw(), p3_to_srgb);
    assert!(unconverted > 5.0, "{unconverted}");
}

#[test]
fn an_adobe_rgb_camera_photo_is_converted_to_srgb() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    // 200×130, with the Adobe RGB (1998) profile a camera embeds when set to that space.
    let bytes = common::read(&corpus.join("exiv2/Reagan.jpg"));
    let raw = ok(image::load_from_memory(&bytes), "raw").into_rgb8();
    let d = ok(decode(&bytes), "decode");
    // Adobe RGB (1998): a pure gamma of 563/256, and in linear light (both D65) sRGB's
    // R = 1.39836 R' − 0.39836 G', G = G', B = −0.04293 G' + 1.04293 B'.
    let adobe_to_srgb = |c: [u8; 3]| {
        let l = c.map(|v| (f64::from(v) / 255.0).powf(563.0 / 256.0));
        [
            linear_to_srgb(1.398_355_7 * l[0] - 0.398_355_7 * l[1]),
            linear_to_srgb(l[1]),
            linear_to_srgb(-0.042_928_9 * l[1] + 1.042_928_9 * l[2]),
        ]
    };
    let (max, mean) = colour_error(raw.as_raw(), d.rgb(), adobe_to_srgb);
    assert!(max <= 3.0 && mean < 0.8, "max {max}, mean {mean:.2}");
    let (_, unconverted) = colour_error(raw.as_raw(), raw.as_raw(), adobe_to_srgb);
    assert!(unconverted > 2.0 * mean + 1.0, "{unconverted}");
}

#[test]
fn transparent_areas_are_laid_on_white_and_what_was_under_them_is_not_published() {
    // A cut-out: the left third fully transparent over red pixels (what an editor left under
    // an "erased" person), the middle half-transparent black, the right opaque green.
    let (w, h) = (90u32, 30u32);
    let mut rgba = image::RgbaImage::new(w, h);
    for (x, _, p) in rgba.enumerate_pixels_mut() {
        *p = match x / 30 {
            0 => image::Rgba([255, 0, 0, 0]),
            1 => image::Rgba([0, 0, 0, 128]),
            _ => image::Rgba([0, 200, 0, 255]),
        };
    }
    let mut png = Vec::new();
    ok(
        image::DynamicImage::ImageRgba8(rgba)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png),
        "encode the PNG",
    );
    let d = ok(decode(&png), "decode");
    let px = |x: u32| {
        let i = (x as usize) * 3;
        [d.rgb()[i], d.rgb()[i + 1], d.rgb()[i + 2]]
    };
    assert_eq!(
        px(10),
        [255, 255, 255],
        "transparent: white, not the red under it"
    );
    assert_eq!(
        px(45),
        [127, 127, 127],
        "half-transparent black on white: grey"
    );
    assert_eq!(px(80), [0, 200, 0], "opaque: as it is");
    // The exported copy shows the same.
    let out = ok(decode(&ok(d.export_jpeg(2048, &[]), "export")), "re-read");
    let red = out.rgb()[..30 * 3].chunks_exact(3).map(|p| p[1]).min();
    assert!(
        red.is_some_and(|g| g > 240),
        "no red in the transparent third: {red:?}"
    );
}

/// A photo cut off part way (an interrupted copy) is refused rather than decoded with its
/// missing part painted grey; bytes after the end marker are fine, baseline or progressive.
#[test]
fn a_truncated_jpeg_is_refused_and_one_with_bytes_after_its_end_is_read() {
    let Some(dir) = common::corpus() else {
        eprintln!("skipped: ../shared/corpus is absent");
        return;
    };
    for name in FULL_SIZE {
        let bytes = ok(std::fs::read(dir.join(name)), name);
        ok(decode_scaled(&bytes, 256), name);
        let mut trailing = bytes.clone();
        trailing.extend_from_slice(b"\0\0SAMSUNG trailer\xff\xd9junk");
        ok(decode(&trailing), name);
        for cut in [0.3, 0.6, 0.9, 0.999] {
            let short = &bytes[..(bytes.len() as f64 * cut) as usize];
            for (what, r) in [
                ("full", decode(short)),
                ("scaled", decode_scaled(short, 256)),
            ] {
                match r {
                    Ok(_) => panic!("{name} cut at {cut}, {what}: decoded"),
                    Err(e) => assert!(
                        e.to_string().contains("truncated or malformed JPEG"),
                        "{name} cut at {cut}, {what}: {e}"
                    ),
                }
            }
        }
    }
    // A progressive JPEG of our own making, whole and cut.
    let d = ok(
        decode_scaled(&ok(std::fs::read(dir.join(FULL_SIZE[1])), "read"), 512),
        "d",
    );
    let mut progressive = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut progressive, 85);
    enc.set_progressive(true);
    ok(
        enc.encode(
            d.rgb(),
            d.width() as u16,
            d.height() as u16,
            jpeg_encoder::ColorType::Rgb,
        ),
        "encode",
    );
    ok(decode(&progressive), "progressive");
    assert!(decode(&progressive[..progressive.len() * 2 / 3]).is_err());
}

/// A JPEG written in more passes (scans) than a camera ever makes is refused by every reader
/// alike: one decoder refused more than 100 while the other read any number, so the ledger
/// took a photo that could never be cleared.
#[test]
fn a_jpeg_of_hundreds_of_scans_is_refused_by_both_readers() {
    let mut rgb = Vec::new();
    for i in 0..64u32 * 48 {
        rgb.extend_from_slice(&[(i % 251) as u8, (i % 199) as u8, (i % 97) as u8]);
    }
    let mut progressive = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut progressive, 85);
    enc.set_progressive(true);
    ok(
        enc.encode(&rgb, 64, 48, jpeg_encoder::ColorType::Rgb),
        "encode",
    );
    ok(decode(&progressive), "as made");
    // Its scans (from the first SOS to the end marker) written thirty times over.
    let first_scan = progressive
        .windows(2)
        .position(|w| w == [0xFF, 0xDA])
        .unwrap();
    let end = progressive.len() - 2;
    let mut many = progressive[..first_scan].to_vec();
    for _ in 0..30 {
        many.extend_from_slice(&progressive[first_scan..end]);
    }
    many.extend_from_slice(&[0xFF, 0xD9]);
    for (what, r) in [
        ("full", decode(&many)),
        ("scaled", decode_scaled(&many, 16)),
    ] {
        let e = r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("passes (scans)"), "{what}: {e}");
    }
}

/// A small PNG that declares a picture whose pixels would need more memory than the decoders
/// are allowed (9,999 × 9,999 of 16-bit RGBA: 800 MB, under the pixel limit) is refused before
/// anything that size is allocated.
#[test]
fn a_png_whose_pixels_would_need_too_much_memory_is_refused_unread() {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let tiny = image::DynamicImage::ImageRgba16(image::ImageBuffer::from_pixel(
        1,
        1,
        image::Rgba([0u16, 0, 0, 0]),
    ));
    let mut png = Vec::new();
    ok(
        tiny.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png),
        "encode",
    );
    // IHDR: its data starts after the 8-byte signature, the length and the type.
    png[16..20].copy_from_slice(&9999u32.to_be_bytes());
    png[20..24].copy_from_slice(&9999u32.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    for (what, r) in [
        ("full", decode(&png)),
        ("scaled", decode_scaled(&png, 2048)),
    ] {
        let e = r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("more than 512 MiB of memory"), "{what}: {e}");
    }
}
