//! Prints the faces found in each image given on the command line.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let det = faces::Detector::new()?;
    let thr: f32 = std::env::var("FACES_THRESHOLD")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(faces::MIN_SCORE);
    for path in std::env::args().skip(1) {
        let img = image::open(&path)?.to_rgb8();
        let (w, h) = img.dimensions();
        let t = std::time::Instant::now();
        let found = det.detect_with_threshold(img.as_raw(), w, h, thr)?;
        println!("{path}: {w}x{h} {} faces in {:?}", found.len(), t.elapsed());
        for f in found {
            println!("  {:?}", f);
        }
    }
    Ok(())
}
