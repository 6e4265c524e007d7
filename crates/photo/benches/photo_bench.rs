//! `cargo bench -p photo`: ClearShot's photo pipeline against the reference tools, side by side.
//!
//! 1. `inspect` over every corpus JPEG vs `exiftool -j -n -fast2` on the same files in one batch.
//! 2. 256-px thumbnails of ≥12 MP JPEGs (the corpus's, plus 12 MP and 24 MP copies upscaled
//!    from corpus photos into a temp dir) vs `vipsthumbnail -s 256` on the same files.
//! 3. check + export of N generated 12 MP photos on two threads, as `photos check` and
//!    `photos export` do them (one decode per photo, the working copy), without and with face
//!    detection; beside it, the same with a decode for each step as before the working copy,
//!    and the floor: one 1/8-scale decode per photo (N = `PHOTO_BENCH_N`, default 50; the
//!    README's run uses 500). Decodes are counted, not assumed. Beside it, `vipsthumbnail` on the
//!    same photos, two processes at once: a 2048-px stripped copy (the export a user would
//!    otherwise make with it) and a 256-px thumbnail (libjpeg-turbo's 1/8-scale decode); and
//!    libjpeg-turbo called directly (`benches/libjpeg_decode.c`, built with `cc` when a C
//!    compiler and the libjpeg headers are present), decoding only, at 1/8 scale and at the
//!    smallest scale that still gives the 2048-px copy: the C library's floor.
//!
//! `PHOTO_BENCH_PROBE=1` also times each step on one photo and skips 1 and 2.
//!
//! Tools that are missing are skipped with a note. Prints a markdown table.

use photo::{
    WORKING_EDGE, decode, decode_scaled, inspect, pixel_decodes_on_this_thread, read_file,
};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// What one worker does to one photo (bytes, with faces?), returning the decodes it made.
type Step = dyn Fn(&[u8], bool) -> Result<u64, photo::PhotoError> + Sync;

struct Row {
    task: String,
    ours: String,
    reference: String,
    ratio: String,
}

fn main() -> BenchResult<()> {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let n: usize = std::env::var("PHOTO_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50)
        .max(1);
    let mut rows = Vec::new();
    // PHOTO_BENCH_PROBE: where one photo's time goes, and the pipeline row only.
    let probe = std::env::var_os("PHOTO_BENCH_PROBE").is_some();
    let has_corpus = corpus.join("oracle.json").is_file();
    if !probe && has_corpus {
        rows.push(bench_inspect(&corpus)?);
        rows.extend(bench_thumbnails(&corpus)?);
    } else if !probe {
        println!(
            "note: corpus not found at {}; skipping the corpus benchmarks",
            corpus.display()
        );
    }
    rows.push(bench_pipeline(n)?);
    println!();
    println!("| task | ClearShot (photo crate) | reference tool | ratio |");
    println!("|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} |",
            r.task, r.ours, r.reference, r.ratio
        );
    }
    Ok(())
}

fn tool(name: &str) -> bool {
    Command::new("which")
        .arg(name)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn corpus_jpegs(corpus: &Path) -> BenchResult<Vec<PathBuf>> {
    let mut files = Vec::new();
    for dir in ["exiftool", "exiv2"] {
        for e in std::fs::read_dir(corpus.join(dir))? {
            let p = e?.path();
            if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("jpg")) {
                files.push(p);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn bench_inspect(corpus: &Path) -> BenchResult<Row> {
    let files = corpus_jpegs(corpus)?;
    let n = files.len() as f64;
    let runs = (0..5)
        .map(|_| {
            let t = Instant::now();
            let mut ok = 0;
            for f in &files {
                if read_file(f).and_then(|b| inspect(&b)).is_ok() {
                    ok += 1;
                }
            }
            std::hint::black_box(ok);
            t.elapsed()
        })
        .collect();
    let ours = median(runs);
    let ours_rate = n / ours.as_secs_f64();
    let (reference, ratio) = if tool("exiftool") {
        let runs = (0..3)
            .map(|_| {
                let t = Instant::now();
                let _ = Command::new("exiftool")
                    .args(["-j", "-n", "-fast2"])
                    .args(&files)
                    .output();
                t.elapsed()
            })
            .collect();
        let theirs = median(runs);
        let rate = n / theirs.as_secs_f64();
        (
            format!(
                "exiftool -j -n -fast2: {:.2} s, {rate:.0} photos/s",
                theirs.as_secs_f64()
            ),
            format!("{:.1}× faster (goal ≥10×)", ours_rate / rate),
        )
    } else {
        ("exiftool not installed: skipped".to_owned(), "–".to_owned())
    };
    Ok(Row {
        task: format!(
            "inspect {} corpus JPEGs (read + parse, median of 5)",
            files.len()
        ),
        ours: format!("{:.3} s, {ours_rate:.0} photos/s", ours.as_secs_f64()),
        reference,
        ratio,
    })
}

/// Upscales a corpus photo to about `megapixels` and writes it as a quality-90 JPEG.
fn upscaled_copy(src: &Path, megapixels: f64, out: &Path) -> BenchResult<()> {
    let d = decode(&std::fs::read(src)?)?;
    let scale = (megapixels * 1e6 / (f64::from(d.width()) * f64::from(d.height()))).sqrt();
    let (w, h) = (
        (f64::from(d.width()) * scale) as u32,
        (f64::from(d.height()) * scale) as u32,
    );
    let src_image = fast_image_resize::images::ImageRef::new(
        d.width(),
        d.height(),
        d.rgb(),
        fast_image_resize::PixelType::U8x3,
    )?;
    let mut dst = fast_image_resize::images::Image::new(w, h, fast_image_resize::PixelType::U8x3);
    fast_image_resize::Resizer::new().resize(&src_image, &mut dst, None)?;
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 90).encode(
        dst.buffer(),
        u16::try_from(w)?,
        u16::try_from(h)?,
        jpeg_encoder::ColorType::Rgb,
    )?;
    std::fs::write(out, jpeg)?;
    Ok(())
}

fn bench_thumbnails(corpus: &Path) -> BenchResult<Vec<Row>> {
    let tmp = tempfile::tempdir()?;
    let mut files = Vec::new();
    for f in corpus_jpegs(corpus)? {
        if let Ok(ev) = inspect(&std::fs::read(&f)?)
            && u64::from(ev.width) * u64::from(ev.height) >= 12_000_000
        {
            files.push(f);
        }
    }
    let corpus_count = files.len();
    for (i, src) in [
        "exiv2/DSC_3079.jpg",
        "exiv2/exiv2-bug876.jpg",
        "exiv2/exiv2-bug922.jpg",
    ]
    .iter()
    .enumerate()
    {
        for mp in [12.0, 24.0] {
            let out = tmp.path().join(format!("up{i}_{mp}mp.jpg"));
            upscaled_copy(&corpus.join(src), mp, &out)?;
            files.push(out);
        }
    }
    let total_mb: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let n = files.len() as f64;
    let out_dir = tmp.path().join("ours");
    std::fs::create_dir_all(&out_dir)?;
    let thumb = |f: &Path| -> BenchResult<()> {
        let bytes = read_file(f)?;
        let jpeg = decode_scaled(&bytes, 256)?.thumbnail_jpeg(256)?;
        let name = f.file_name().ok_or("no file name")?;
        std::fs::write(out_dir.join(name), jpeg)?;
        Ok(())
    };
    let one_thread = median(
        (0..3)
            .map(|_| {
                let t = Instant::now();
                for f in &files {
                    let _ = thumb(f);
                }
                t.elapsed()
            })
            .collect(),
    );
    let two_threads = median(
        (0..3)
            .map(|_| {
                let t = Instant::now();
                let thumb = &thumb;
                std::thread::scope(|s| {
                    for half in files.chunks(files.len().div_ceil(2)) {
                        s.spawn(move || {
                            for f in half {
                                let _ = thumb(f);
                            }
                        });
                    }
                });
                t.elapsed()
            })
            .collect(),
    );
    let mut rows = Vec::new();
    let task = format!(
        "256-px thumbnails of {} JPEGs ≥12 MP ({} from the corpus, {} upscaled to 12/24 MP; {} MB)",
        files.len(),
        corpus_count,
        files.len() - corpus_count,
        total_mb / 1_000_000
    );
    let (reference, theirs) = if tool("vipsthumbnail") {
        let vips_dir = tmp.path().join("vips");
        std::fs::create_dir_all(&vips_dir)?;
        let out_pattern = format!("{}/%s.jpg", vips_dir.display());
        let runs = (0..3)
            .map(|_| {
                let t = Instant::now();
                finish("vipsthumbnail", vips_spawn("256", &out_pattern, &files)?)?;
                Ok(t.elapsed())
            })
            .collect::<BenchResult<_>>()?;
        let theirs = median(runs);
        (
            format!(
                "vipsthumbnail -s 256 (one batch): {:.2} s, {:.1} photos/s",
                theirs.as_secs_f64(),
                n / theirs.as_secs_f64()
            ),
            Some(theirs),
        )
    } else {
        ("vipsthumbnail not installed: skipped".to_owned(), None)
    };
    for (label, ours) in [("1 thread", one_thread), ("2 threads", two_threads)] {
        rows.push(Row {
            task: format!("{task}, ours on {label}"),
            ours: format!(
                "{:.2} s, {:.1} photos/s",
                ours.as_secs_f64(),
                n / ours.as_secs_f64()
            ),
            reference: reference.clone(),
            ratio: theirs.map_or("–".to_owned(), |t| {
                format!(
                    "{:.2}× vips's time (goal ≤1.2×)",
                    ours.as_secs_f64() / t.as_secs_f64()
                )
            }),
        });
    }
    Ok(rows)
}

fn bench_pipeline(n: usize) -> BenchResult<Row> {
    // Eight distinct 12 MP photos (4000×3000), cycled: generating 500 would dominate the run.
    let distinct = n.clamp(1, 8);
    let photos: Vec<Vec<u8>> = (0..distinct as u64)
        .map(|seed| photo::testing::plain_jpeg(4000, 3000, seed + 1, 90))
        .collect::<Result<_, _>>()?;
    if std::env::var_os("PHOTO_BENCH_PROBE").is_some() {
        let b = &photos[0];
        let time = |label: &str, f: &mut dyn FnMut()| {
            let t = Instant::now();
            for _ in 0..5 {
                f();
            }
            println!(
                "probe: {label}: {:.1} ms",
                t.elapsed().as_secs_f64() * 200.0
            );
        };
        time("sha256", &mut || {
            std::hint::black_box(photo::sha256_hex(b));
        });
        time("inspect", &mut || {
            std::hint::black_box(inspect(b).ok());
        });
        time("decode full (image/zune)", &mut || {
            std::hint::black_box(decode(b).ok());
        });
        time("decode_scaled 2048 (jpeg-decoder, full)", &mut || {
            std::hint::black_box(decode_scaled(b, 2048).ok());
        });
        time("decode_scaled 2000 (jpeg-decoder 1/2)", &mut || {
            std::hint::black_box(decode_scaled(b, 2000).ok());
        });
        time("decode_scaled 256 (jpeg-decoder 1/8)", &mut || {
            std::hint::black_box(decode_scaled(b, 256).ok());
        });
        let d = decode(b)?;
        time("perceptual hash of full", &mut || {
            std::hint::black_box(d.perceptual_hash());
        });
        time("export 2048 of full", &mut || {
            std::hint::black_box(d.export_jpeg(2048, &[]).ok());
        });
        time("thumbnail 256 of full", &mut || {
            std::hint::black_box(d.thumbnail_jpeg(256).ok());
        });
        time(
            "working copy (decode_scaled 2048 + fit to 2048)",
            &mut || {
                std::hint::black_box(
                    decode_scaled(b, WORKING_EDGE)
                        .ok()
                        .map(|d| d.into_fitted_within(WORKING_EDGE)),
                );
            },
        );
        let working = decode_scaled(b, WORKING_EDGE)?.into_fitted_within(WORKING_EDGE);
        time("perceptual hash of the working copy", &mut || {
            std::hint::black_box(working.perceptual_hash());
        });
        time(
            "detector input from the working copy (halved to 1024)",
            &mut || {
                std::hint::black_box(photo::faces::detector_input(&working));
            },
        );
        time("export 2048 of the working copy", &mut || {
            std::hint::black_box(working.export_jpeg(WORKING_EDGE, &[]).ok());
        });
        let input = photo::faces::detector_input(&working);
        time("face detector on its input (model only)", &mut || {
            let (w, h) = (input.width(), input.height());
            std::hint::black_box(photo::faces::faces_in(&input, w, h).ok());
        });
        time("detect faces (1024 decode + model)", &mut || {
            let d = decode_scaled(b, 1024).ok();
            if let Some(d) = d {
                let w = d.width();
                let h = d.height();
                std::hint::black_box(photo::faces::faces_in(&d, w, h).ok());
            }
        });
    }
    let photos = &photos;
    // What `photos check` then `photos export` do to one photo, in one process (the app, or
    // `photos check --export`): hash, read the EXIF, decode the working copy once, then the
    // perceptual hash, (optionally) the face detector and the 2048-px safe copy all from it.
    // The working copy and the faces are made without their caches by SHA-256, which would
    // otherwise skip the repeated photos. Returns the decodes made.
    let one_decode = |bytes: &[u8], with_faces: bool| -> Result<u64, photo::PhotoError> {
        let before = pixel_decodes_on_this_thread();
        std::hint::black_box(photo::sha256_hex(bytes));
        std::hint::black_box(inspect(bytes)?);
        let working = decode_scaled(bytes, WORKING_EDGE)?.into_fitted_within(WORKING_EDGE);
        std::hint::black_box(working.perceptual_hash());
        if with_faces {
            let (w, h) = photo::faces::displayed_size(bytes)?;
            let input = photo::faces::detector_input(&working);
            std::hint::black_box(photo::faces::faces_in(&input, w, h)?);
        }
        std::hint::black_box(working.export_jpeg(WORKING_EDGE, &[])?);
        Ok(pixel_decodes_on_this_thread() - before)
    };
    // As before the working copy: a 1/8-scale decode for the hash, a full decode for the copy.
    let decode_per_step = |bytes: &[u8], _faces: bool| -> Result<u64, photo::PhotoError> {
        let before = pixel_decodes_on_this_thread();
        std::hint::black_box(photo::sha256_hex(bytes));
        std::hint::black_box(inspect(bytes)?);
        std::hint::black_box(decode_scaled(bytes, 256)?.perceptual_hash());
        std::hint::black_box(decode(bytes)?.export_jpeg(WORKING_EDGE, &[])?);
        Ok(pixel_decodes_on_this_thread() - before)
    };
    // Two worker threads share the photos, as two cores would. Returns (time, decodes).
    let run = |count: usize, with_faces: bool, step: &Step| -> BenchResult<(Duration, u64)> {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let t = Instant::now();
        let decodes = std::thread::scope(|scope| -> BenchResult<u64> {
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    scope.spawn(|| -> Result<u64, photo::PhotoError> {
                        let mut decodes = 0;
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            if i >= count {
                                return Ok(decodes);
                            }
                            decodes += step(&photos[i % distinct], with_faces)?;
                        }
                    })
                })
                .collect();
            let mut decodes = 0;
            for w in workers {
                decodes += w.join().map_err(|_| "a worker panicked")??;
            }
            Ok(decodes)
        })?;
        Ok((t.elapsed(), decodes))
    };
    let (plain, plain_decodes) = run(n, false, &one_decode)?;
    let (per_step, per_step_decodes) = run(n, false, &decode_per_step)?;
    // The detector costs about half a second a photo: a tenth of the photos gives its rate.
    let n_faces = (n / 10).max(2);
    let (faces, faces_decodes) = run(n_faces, true, &one_decode)?;
    // The floor: only the smallest (1/8-scale) decode of each photo, on the same two threads.
    let floor = {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let t = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= n {
                            break;
                        }
                        std::hint::black_box(decode_scaled(&photos[i % distinct], 256).ok());
                    }
                });
            }
        });
        t.elapsed()
    };
    let per = |d: Duration, count: usize| d.as_secs_f64() / count as f64;
    let per_photo = |d: u64, count: usize| d as f64 / count as f64;
    // The C tools on the same photos, written to a temp dir and cycled to `n` paths as above.
    let tmp = tempfile::tempdir()?;
    let mut written = Vec::new();
    for (i, bytes) in photos.iter().enumerate() {
        let path = tmp.path().join(format!("photo{i}.jpg"));
        std::fs::write(&path, bytes)?;
        written.push(path);
    }
    let paths: Vec<&PathBuf> = (0..n).map(|i| &written[i % written.len()]).collect();
    let mut reference = Vec::new();
    let mut ratio = Vec::new();
    match vips_on_pipeline_photos(tmp.path(), &paths)? {
        Some((export, floor_c)) => {
            reference.push(format!(
                "vipsthumbnail (libvips {}, libjpeg-turbo), two batches at once: the export \
                 alone (`-s 2048`, orientation applied, metadata stripped, Q85) {:.1} s (500 ≈ \
                 {:.0} s); shrink-on-load to 1/8 (`-s 256`) {:.1} s (500 ≈ {:.0} s)",
                vips_version(),
                export.as_secs_f64(),
                per(export, n) * 500.0,
                floor_c.as_secs_f64(),
                per(floor_c, n) * 500.0
            ));
            ratio.push(format!(
                "one decode, no faces: {:.2}× vips's export time; 1/8 floor: {:.2}× vips's",
                plain.as_secs_f64() / export.as_secs_f64(),
                floor.as_secs_f64() / floor_c.as_secs_f64()
            ));
        }
        None => reference.push("vipsthumbnail not installed: skipped".to_owned()),
    }
    match libjpeg_on_pipeline_photos(tmp.path(), &paths)? {
        Ok((eighth, copy_scale)) => reference.push(format!(
            "libjpeg-turbo called directly (`benches/libjpeg_decode.c`), decode only, two \
             processes at once: at 1/8 scale {:.1} s (500 ≈ {:.0} s); at 5/8, the smallest \
             scale that still gives a 2048-px copy of a 4000-px photo, {:.1} s (500 ≈ {:.0} s)",
            eighth.as_secs_f64(),
            per(eighth, n) * 500.0,
            copy_scale.as_secs_f64(),
            per(copy_scale, n) * 500.0
        )),
        Err(why) => reference.push(format!("libjpeg-turbo called directly: skipped ({why})")),
    }
    if ratio.is_empty() {
        ratio.push("–".to_owned());
    }
    let (reference, ratio) = (reference.join("; "), ratio.join("; "));
    Ok(Row {
        task: format!(
            "check + export of generated 12 MP photos on 2 threads (goal: 500 in < 10 s, no \
             photo decoded twice): one decode each, without face detection ({n} photos) and \
             with it ({n_faces} photos); a decode per step as before the working copy ({n} \
             photos); the floor, one 1/8-scale decode each ({n} photos)"
        ),
        ours: format!(
            "one decode, no faces: {:.1} s ({:.0} ms/photo, 500 ≈ {:.0} s, {:.2} decodes/photo); \
             with faces: {:.1} s ({:.0} ms/photo, 500 ≈ {:.0} s, {:.2} decodes/photo); \
             a decode per step, no faces: {:.1} s ({:.0} ms/photo, 500 ≈ {:.0} s, {:.2} \
             decodes/photo); floor {:.1} s (500 ≈ {:.0} s)",
            plain.as_secs_f64(),
            per(plain, n) * 1000.0,
            per(plain, n) * 500.0,
            per_photo(plain_decodes, n),
            faces.as_secs_f64(),
            per(faces, n_faces) * 1000.0,
            per(faces, n_faces) * 500.0,
            per_photo(faces_decodes, n_faces),
            per_step.as_secs_f64(),
            per(per_step, n) * 1000.0,
            per(per_step, n) * 500.0,
            per_photo(per_step_decodes, n),
            floor.as_secs_f64(),
            per(floor, n) * 500.0
        ),
        reference,
        ratio,
    })
}

/// `vipsthumbnail` over the pipeline's photos (`paths`, written into `dir`): the time of a
/// 2048-px stripped export, and of a 256-px thumbnail (libjpeg-turbo's 1/8-scale decode).
/// `None` when vips is not installed.
fn vips_on_pipeline_photos(
    dir: &Path,
    paths: &[&PathBuf],
) -> BenchResult<Option<(Duration, Duration)>> {
    if !tool("vipsthumbnail") {
        return Ok(None);
    }
    let out = dir.join("out");
    std::fs::create_dir_all(&out)?;
    let timed = |size: &str, options: &str| -> BenchResult<Duration> {
        let pattern = format!("{}/%s_{size}.jpg{options}", out.display());
        let t = Instant::now();
        // Two batches at once, one per core, as `xargs -P 2` would run them: vips works on
        // one file at a time, so a single batch would leave a core idle.
        let runs = paths
            .chunks(paths.len().div_ceil(2))
            .map(|half| vips_spawn(size, &pattern, half))
            .collect::<BenchResult<Vec<_>>>()?;
        for run in runs {
            finish("vipsthumbnail", run)?;
        }
        Ok(t.elapsed())
    };
    let export = timed("2048", "[Q=85,strip]")?;
    let floor = timed("256", "")?;
    // Its output is checked, not assumed: a 2048-px copy of a 4000×3000 photo.
    let copy = read_file(&out.join("photo0_2048.jpg"))?;
    let ev = inspect(&copy)?;
    if (ev.width, ev.height) != (2048, 1536) {
        return Err(format!("vips made a {}×{} copy", ev.width, ev.height).into());
    }
    Ok(Some((export, floor)))
}

/// The system's libjpeg called directly on the pipeline's photos (`paths`, written into
/// `dir`), two processes at once: the time to decode each at 1/8 scale, and at 5/8 (the
/// smallest libjpeg scale giving a 2048-px copy of a 4000-px photo). `Err` says why it was
/// skipped: no C compiler, or no libjpeg headers.
fn libjpeg_on_pipeline_photos(
    dir: &Path,
    paths: &[&PathBuf],
) -> BenchResult<Result<(Duration, Duration), String>> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/libjpeg_decode.c");
    let program = dir.join("libjpeg_decode");
    let built = Command::new("cc")
        .args(["-O2", "-o"])
        .arg(&program)
        .arg(&source)
        .arg("-ljpeg")
        .output();
    match built {
        Err(e) => return Ok(Err(format!("no C compiler: {e}"))),
        Ok(o) if !o.status.success() => {
            let why = String::from_utf8_lossy(&o.stderr);
            let first = why.lines().next().unwrap_or("cc failed");
            return Ok(Err(format!("cannot build it (libjpeg headers?): {first}")));
        }
        Ok(_) => {}
    }
    let timed = |scale_num: &str| -> BenchResult<Duration> {
        let t = Instant::now();
        let runs = paths
            .chunks(paths.len().div_ceil(2))
            .map(|half| {
                Command::new(&program)
                    .arg(scale_num)
                    .args(half)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
            })
            .collect::<Result<Vec<_>, _>>()?;
        for run in runs {
            finish("libjpeg_decode", run)?;
        }
        Ok(t.elapsed())
    };
    Ok(Ok((timed("1")?, timed("5")?)))
}

/// Starts `vipsthumbnail -s SIZE -o PATTERN FILES…`.
fn vips_spawn(
    size: &str,
    pattern: &str,
    files: &[impl AsRef<std::ffi::OsStr>],
) -> BenchResult<std::process::Child> {
    Ok(Command::new("vipsthumbnail")
        .args(["-s", size, "-o", pattern])
        .args(files)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()?)
}

/// Waits for a run of the C tool `name`: an error, not a time, when it failed.
fn finish(name: &str, run: std::process::Child) -> BenchResult<()> {
    let run = run.wait_with_output()?;
    if run.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{name} failed: {}",
            String::from_utf8_lossy(&run.stderr).trim()
        )
        .into())
    }
}

fn vips_version() -> String {
    Command::new("vips")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().strip_prefix("vips-").map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}
