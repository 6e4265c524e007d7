//! The working copy: one decode per photo serves the perceptual hash, the face detector and the
//! safe copy (see `src/working.rs`).

mod common;

use photo::testing::{ExifSpec, jpeg_with_exif, plain_jpeg};
use photo::{
    LEDGER_HASH_EDGE, SIMILAR_UNTIMED_MAX_DISTANCE, WORKING_EDGE, decode, decode_scaled,
    detect_faces, pixel_decodes_on_this_thread, working_copy,
};

fn ok<T, E: std::fmt::Display>(r: Result<T, E>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what}: {e}"),
    }
}

/// Runs `f` on a new thread, so that the thread's decode counter starts at zero and counts only
/// what `f` does.
fn on_fresh_thread<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(v) => v,
        Err(_) => panic!("the test thread panicked"),
    })
}

#[test]
fn the_working_copy_is_fitted_within_the_working_edge_and_never_enlarged() {
    // 12 MP: decoded in full (a 1/2-scale decode would give 2000 px, under 2048), then fitted.
    let big = ok(plain_jpeg(4000, 3000, 11, 90), "4000x3000");
    let w = ok(working_copy(&big), "working copy");
    assert_eq!((w.width(), w.height()), (2048, 1536));
    // A panorama of 4200 px: decoded at 1/2 scale in the DCT (2100 px), then fitted.
    let wide = ok(plain_jpeg(4200, 600, 12, 90), "4200x600");
    let w = ok(working_copy(&wide), "working copy");
    assert_eq!((w.width(), w.height()), (2048, 293));
    // Smaller than the working edge: as it is, pixel for pixel.
    let small = ok(plain_jpeg(640, 480, 13, 90), "640x480");
    let w = ok(working_copy(&small), "working copy");
    let full = ok(decode(&small), "decode");
    assert_eq!((w.width(), w.height()), (640, 480));
    assert!(
        w.rgb() == full.rgb(),
        "a small photo's working copy is its full decode"
    );
}

#[test]
fn the_working_copy_has_the_orientation_applied() {
    // Stored 96×64, orientation 6 (rotate 90° clockwise to display): displayed 64×96.
    let bytes = jpeg_with_exif(&ExifSpec {
        width: 96,
        height: 64,
        seed: 14,
        orientation: Some(6),
        ..ExifSpec::default()
    });
    let w = ok(working_copy(&bytes), "working copy");
    assert_eq!((w.width(), w.height()), (64, 96));
}

#[test]
fn hash_faces_and_safe_copy_of_a_photo_take_one_decode_between_them() {
    let bytes = ok(plain_jpeg(3000, 2000, 15, 90), "3000x2000");
    let (decodes, copy) = on_fresh_thread(|| {
        let before = pixel_decodes_on_this_thread();
        // What `photos check` needs: the perceptual hash and the faces...
        let hash = ok(working_copy(&bytes), "working copy").perceptual_hash();
        let faces = ok(detect_faces(&bytes), "faces");
        // ... and what `photos export` then writes.
        let copy = ok(
            ok(working_copy(&bytes), "working copy").export_jpeg(WORKING_EDGE, &[]),
            "export",
        );
        let _ = (hash, faces);
        (pixel_decodes_on_this_thread() - before, copy)
    });
    assert_eq!(decodes, 1, "the photo was decoded {decodes} times");
    // The counter counts: a second, plain decode of the copy is one more.
    let again = on_fresh_thread(|| {
        let before = pixel_decodes_on_this_thread();
        let d = ok(decode(&copy), "decode the copy");
        assert_eq!((d.width(), d.height()), (2048, 1365));
        pixel_decodes_on_this_thread() - before
    });
    assert_eq!(again, 1);
}

#[test]
fn the_working_copys_perceptual_hash_matches_the_ingests_smallest_decode() {
    // The ingest hashes a smaller decode (it needs nothing else); the check hashes the
    // working copy. Both are of the same photo, so they must be close: inside even the
    // threshold for copies whose times cannot be compared, with room for the copy itself.
    let Some(corpus) = common::corpus() else {
        return;
    };
    let names = [
        "exiv2/exiv2-bug2565.jpg",
        "exiv2/DSC_3079.jpg",
        "exiv2/exiv2-bug876.jpg",
        "exiv2/exiv2-bug922.jpg",
    ];
    let mut worst = 0;
    for name in names {
        let bytes = common::read(&corpus.join(name));
        let ingest = ok(decode_scaled(&bytes, LEDGER_HASH_EDGE), name).perceptual_hash();
        let check = ok(working_copy(&bytes), name).perceptual_hash();
        let d = ingest.distance(&check);
        eprintln!("{name}: ingest vs working copy: {d} of 144 bits");
        worst = worst.max(d);
    }
    // Full-size and small generated photos (a small one is hashed in full at the ingest).
    for (seed, (w, h)) in (1..=8).zip([(4000, 3000), (640, 480)].into_iter().cycle()) {
        let bytes = ok(plain_jpeg(w, h, 20 + seed, 90), "generated");
        let ingest = ok(decode_scaled(&bytes, LEDGER_HASH_EDGE), "generated").perceptual_hash();
        let check = ok(working_copy(&bytes), "generated").perceptual_hash();
        worst = worst.max(ingest.distance(&check));
    }
    eprintln!("worst: {worst} of 144 bits");
    assert!(
        worst * 2 <= SIMILAR_UNTIMED_MAX_DISTANCE,
        "hashes of the same photo {worst} bits apart"
    );
}
