//! Mutation fuzzing on stable Rust: real corpus files (`/work/shared/corpus`, see its README)
//! are mutated thousands of times with a fixed seed — bit flips, truncations, inserted and
//! repeated chunks, inflated dimensions in JPEG SOF and PNG IHDR headers, absurd EXIF offsets,
//! counts and IFD loops — and generated decompression bombs are added. Every case goes through
//! `photo::inspect`, `photo::decode` and `photo::decode_scaled` in a worker thread: no panic,
//! an answer within a time limit, and the process's peak memory (VmHWM) stays bounded.
//!
//! `CLEARSHOT_FUZZ_CASES=100000` for a longer run; `CLEARSHOT_FUZZ_SEED` for another schedule.
//! A failing case is written to the temporary folder so it can be replayed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Per case: generous for a debug build of this crate (its dependencies are optimised).
const PER_CASE: Duration = Duration::from_secs(5);
/// Peak resident memory of the whole test process.
const MAX_PEAK_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Seeds larger than this are skipped: a mutated 12-megapixel photo costs as much as hundreds
/// of small ones and finds the same parser bugs.
const MAX_SEED_BYTES: usize = 300 * 1024;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// SplitMix64: seeded, reproducible, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if dir.join("oracle.json").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "SKIP (corpus part): photo corpus not found at {}; only generated cases run",
            dir.display()
        );
        None
    }
}

/// Seed files: the camera and phone samples (not the hostile folder, which `hostile.rs`
/// already runs as is), small enough to mutate quickly, in a fixed order.
fn seeds(corpus: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in ["exiftool", "exiv2"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(corpus.join(dir))
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        for p in paths {
            let bytes = std::fs::read(&p).unwrap();
            if bytes.len() <= MAX_SEED_BYTES && photo::detect_format(&bytes).is_ok() {
                out.push((
                    format!("{dir}/{}", p.file_name().unwrap().to_string_lossy()),
                    bytes,
                ));
            }
        }
    }
    out
}

// --- format-aware mutations ------------------------------------------------------------------

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Offsets of JPEG SOF segments (the frame header holding height and width).
fn jpeg_sofs(b: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = 2;
    while i + 4 < b.len() {
        if b[i] != 0xFF {
            i += 1;
            continue;
        }
        let m = b[i + 1];
        if matches!(m, 0xC0..=0xCF) && !matches!(m, 0xC4 | 0xC8 | 0xCC) {
            out.push(i);
        }
        if m == 0xDA {
            break;
        }
        let len = usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]]));
        i += 2 + len.max(2);
    }
    out
}

/// Sets a JPEG's declared height and width (SOF bytes 5..9).
fn inflate_jpeg(b: &mut [u8], rng: &mut Rng) -> bool {
    let sofs = jpeg_sofs(b);
    if sofs.is_empty() {
        return false;
    }
    let at = rng.pick(&sofs);
    if at + 9 > b.len() {
        return false;
    }
    let sizes = [0u16, 1, 0x7FFF, 0xFFFF, 40_000, 65_500];
    b[at + 5..at + 7].copy_from_slice(&rng.pick(&sizes).to_be_bytes());
    b[at + 7..at + 9].copy_from_slice(&rng.pick(&sizes).to_be_bytes());
    true
}

/// Sets a PNG's declared width and height (IHDR) and fixes the chunk's CRC so the decoder
/// gets past the checksum to the size.
fn inflate_png(b: &mut [u8], rng: &mut Rng) -> bool {
    if b.len() < 33 || &b[12..16] != b"IHDR" {
        return false;
    }
    let sizes = [0u32, 1, 100_000, 0x7FFF_FFFF, 0xFFFF_FFFF, 65_536];
    b[16..20].copy_from_slice(&rng.pick(&sizes).to_be_bytes());
    b[20..24].copy_from_slice(&rng.pick(&sizes).to_be_bytes());
    let crc = crc32(&b[12..29]);
    b[29..33].copy_from_slice(&crc.to_be_bytes());
    true
}

/// Where the TIFF structure of the EXIF block starts: after "Exif\0\0" in a JPEG, or at 0 in
/// a TIFF-based file.
fn tiff_start(b: &[u8]) -> Option<usize> {
    if b.starts_with(b"II*\0") || b.starts_with(b"MM\0*") {
        return Some(0);
    }
    b.windows(6)
        .position(|w| w == b"Exif\0\0")
        .map(|p| p + 6)
        .filter(|&s| s + 8 <= b.len())
}

/// Absurd EXIF: an IFD entry's count or value offset set to a huge number, the IFD's entry
/// count to 0xFFFF, or its next-IFD link pointed back at itself (a loop).
fn corrupt_exif(b: &mut [u8], rng: &mut Rng) -> bool {
    let Some(t) = tiff_start(b) else {
        return false;
    };
    let little = &b[t..t + 2] == b"II";
    let rd32 = |b: &[u8], at: usize| {
        let x = [b[at], b[at + 1], b[at + 2], b[at + 3]];
        if little {
            u32::from_le_bytes(x)
        } else {
            u32::from_be_bytes(x)
        }
    };
    let wr32 = |v: u32| {
        if little {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    };
    let wr16 = |v: u16| {
        if little {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    };
    let ifd = t + rd32(b, t + 4) as usize;
    if ifd + 2 > b.len() {
        return false;
    }
    let count = if little {
        u16::from_le_bytes([b[ifd], b[ifd + 1]])
    } else {
        u16::from_be_bytes([b[ifd], b[ifd + 1]])
    } as usize;
    let huge = [
        0xFFFF_FFFFu32,
        0x7FFF_FFFF,
        0xFFFF_FFF0,
        0x1000_0000,
        b.len() as u32 + 1,
    ];
    match rng.below(4) {
        0 => b[ifd..ifd + 2].copy_from_slice(&wr16(0xFFFF)),
        1 | 2 if count > 0 => {
            let entry = ifd + 2 + 12 * rng.below(count.min(64));
            if entry + 12 > b.len() {
                return false;
            }
            // +4: the count; +8: the value or offset.
            let field = entry + if rng.below(2) == 0 { 4 } else { 8 };
            b[field..field + 4].copy_from_slice(&wr32(rng.pick(&huge)));
        }
        _ => {
            let next = ifd + 2 + 12 * count;
            if next + 4 > b.len() {
                return false;
            }
            b[next..next + 4].copy_from_slice(&wr32((ifd - t) as u32));
        }
    }
    true
}

/// One mutated case and a description of what was done.
fn mutate(seed: &[u8], rng: &mut Rng) -> (Vec<u8>, String) {
    let mut b = seed.to_vec();
    let kind = rng.below(8);
    let what = match kind {
        0 => {
            let n = 1 + rng.below(16);
            for _ in 0..n {
                let i = rng.below(b.len());
                b[i] ^= 1 << rng.below(8);
            }
            format!("{n} bit flips")
        }
        1 => {
            let at = rng.below(b.len());
            b.truncate(at);
            format!("truncated at {at}")
        }
        2 => {
            // Bytes in the first 1 KiB (headers) overwritten with boundary values.
            let n = 1 + rng.below(8);
            for _ in 0..n {
                let i = rng.below(b.len().min(1024));
                b[i] = rng.pick(&[0x00, 0xFF, 0x7F, 0x80, 0xFE]);
            }
            format!("{n} header bytes set to boundary values")
        }
        3 => {
            let at = rng.below(b.len());
            let len = 1 + rng.below(4096.min(b.len() - at).max(1));
            let chunk: Vec<u8> = b[at..(at + len).min(b.len())].to_vec();
            let times = 1 + rng.below(16);
            let to = rng.below(b.len());
            for _ in 0..times {
                b.splice(to..to, chunk.iter().copied());
            }
            format!("{len}-byte chunk repeated {times}×")
        }
        4 if inflate_jpeg(&mut b, rng) => "JPEG SOF size inflated".to_string(),
        4 if inflate_png(&mut b, rng) => "PNG IHDR size inflated".to_string(),
        5 | 6 if corrupt_exif(&mut b, rng) => "EXIF offset/count/loop corrupted".to_string(),
        _ => {
            let n = 1 + rng.below(64);
            let at = rng.below(b.len());
            let junk: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            b.splice(at..at, junk);
            format!("{n} random bytes inserted at {at}")
        }
    };
    if b.is_empty() {
        b.push(0xFF);
    }
    (b, what)
}

// --- generated bombs ----------------------------------------------------------------------

fn png(width: u32, height: u32, colour: png::ColorType, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(colour);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().unwrap();
        w.write_image_data(data).unwrap();
    }
    out
}

/// Decompression bombs: a 1×1 PNG whose header then declares 100000×100000 (checksum fixed),
/// and a real, fully valid 10000×10000 all-black grayscale PNG (100 MP, just inside the limit)
/// that is about 100 KB on disk: decoding it must stay within memory.
fn bombs() -> Vec<(String, Vec<u8>)> {
    let mut declared = png(1, 1, png::ColorType::Rgb, &[0, 0, 0]);
    declared[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    declared[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = crc32(&declared[12..29]);
    declared[29..33].copy_from_slice(&crc.to_be_bytes());
    let side = 10_000u32;
    let real = png(
        side,
        side,
        png::ColorType::Grayscale,
        &vec![0u8; (side * side) as usize],
    );
    assert!(real.len() < 1024 * 1024, "a bomb is small on disk");
    // The smallest baseline JPEG header declaring 65535×65535.
    let jpeg_bomb = Vec::from([
        0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x01, 0x11, 0x00,
        0xFF, 0xD9,
    ]);
    vec![
        ("bomb: 1×1 PNG declaring 100000×100000".into(), declared),
        ("bomb: valid 10000×10000 black PNG".into(), real),
        ("bomb: JPEG declaring 65535×65535".into(), jpeg_bomb),
    ]
}

// --- the harness --------------------------------------------------------------------------------

fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Runs the three entry points on one input in a worker thread; fails the test on a panic or
/// when no answer comes within [`PER_CASE`]. Returns how many of the three succeeded.
fn run_case(name: &str, bytes: Vec<u8>) -> usize {
    let (tx, rx) = mpsc::channel();
    let keep = bytes.clone();
    std::thread::spawn(move || {
        let ok = usize::from(photo::inspect(&bytes).is_ok())
            + usize::from(photo::decode(&bytes).is_ok())
            + usize::from(photo::decode_scaled(&bytes, 256).is_ok());
        let _ = tx.send(ok);
    });
    let failure = match rx.recv_timeout(PER_CASE) {
        Ok(ok) => return ok,
        Err(mpsc::RecvTimeoutError::Timeout) => format!("no answer within {PER_CASE:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => "panicked".to_string(),
    };
    let saved = std::env::temp_dir().join(format!(
        "clearshot-fuzz-{}.bin",
        name.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    ));
    let _ = std::fs::write(&saved, &keep);
    panic!("{name}: {failure} (input saved to {})", saved.display());
}

#[test]
fn mutated_corpus_files_and_bombs_never_panic_hang_or_exhaust_memory() {
    let started = Instant::now();
    let mut ok_answers = 0usize;
    let mut cases = 0usize;
    for (name, bytes) in bombs() {
        let t = Instant::now();
        ok_answers += run_case(&name, bytes);
        cases += 1;
        eprintln!("{name}: {:?}", t.elapsed());
    }
    if let Some(corpus) = corpus() {
        let seeds = seeds(&corpus);
        assert!(seeds.len() > 50, "expected the corpus's small samples");
        let total = env_number("CLEARSHOT_FUZZ_CASES", 3000) as usize;
        let mut rng = Rng(env_number("CLEARSHOT_FUZZ_SEED", 0x5EED_F0CA));
        let mut slowest = (Duration::ZERO, String::new());
        for i in 0..total {
            let (seed_name, seed) = &seeds[i % seeds.len()];
            let (bytes, what) = mutate(seed, &mut rng);
            let name = format!("case {i}: {seed_name}, {what}");
            let t = Instant::now();
            ok_answers += run_case(&name, bytes);
            if t.elapsed() > slowest.0 {
                slowest = (t.elapsed(), name);
            }
        }
        cases += total;
        eprintln!(
            "{total} mutations of {} seed files; slowest {:?} ({})",
            seeds.len(),
            slowest.0,
            slowest.1
        );
    }
    let peak = peak_rss_bytes();
    eprintln!(
        "{cases} cases, {ok_answers} successful answers out of {}, peak RSS {} MiB, {:?}",
        cases * 3,
        peak.map(|p| p / 1024 / 1024).unwrap_or(0),
        started.elapsed()
    );
    if let Some(peak) = peak {
        assert!(
            peak < MAX_PEAK_BYTES,
            "peak memory {} MiB is over the {} MiB bound",
            peak / 1024 / 1024,
            MAX_PEAK_BYTES / 1024 / 1024
        );
    }
}
