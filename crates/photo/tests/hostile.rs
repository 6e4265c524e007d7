//! Malformed-on-purpose files (exiv2's crash, overflow and fuzz reproducers) and every real
//! photo: `inspect`, `decode` and `working_copy` must return Ok or a clean error, never panic
//! or hang.

mod common;

use photo::PhotoError;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Per-file limit, generous for an unoptimised debug build; a hang shows as a failure.
const PER_FILE: Duration = Duration::from_secs(30);

#[derive(Default)]
struct Tally {
    ok: u32,
    unsupported: u32,
    too_large: u32,
    malformed: u32,
    /// Malformed errors that came from the catch_unwind belt around a third-party decoder.
    belt: Vec<String>,
}

impl Tally {
    fn add(&mut self, name: &str, r: &Result<(), PhotoError>) {
        match r {
            Ok(()) => self.ok += 1,
            Err(PhotoError::UnsupportedFormat(_)) => self.unsupported += 1,
            Err(PhotoError::TooLarge(_)) => self.too_large += 1,
            Err(PhotoError::Malformed(m)) => {
                self.malformed += 1;
                if m.contains("could not make sense") {
                    self.belt.push(name.to_owned());
                }
            }
            Err(PhotoError::Io(e)) => panic!("{name}: in-memory input gave an I/O error: {e}"),
        }
    }
}

fn run_dir(dir: &str, full_decode: bool) {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let mut entries: Vec<_> = match std::fs::read_dir(corpus.join(dir)) {
        Ok(rd) => rd.filter_map(Result::ok).map(|e| e.path()).collect(),
        Err(e) => panic!("cannot list {dir}: {e}"),
    };
    entries.sort();
    assert!(!entries.is_empty(), "{dir} is empty");
    let (mut inspected, mut decoded, mut working) =
        (Tally::default(), Tally::default(), Tally::default());
    let mut slowest = (Duration::ZERO, String::new());
    for path in entries {
        let name = format!(
            "{dir}/{}",
            path.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        );
        let bytes = common::read(&path);
        let (tx, rx) = mpsc::channel();
        let started = Instant::now();
        std::thread::spawn(move || {
            let inspected = photo::inspect(&bytes).map(|_| ());
            // Real photos are decoded at thumbnail scale to keep the debug build quick; the
            // small hostile files are decoded in full.
            let decoded = if full_decode {
                photo::decode(&bytes).map(|_| ())
            } else {
                photo::decode_scaled(&bytes, 256).map(|_| ())
            };
            // What `photos check` and `photos export` decode: the working copy.
            let working = photo::working_copy(&bytes).map(|_| ());
            let _ = tx.send((inspected, decoded, working));
        });
        match rx.recv_timeout(PER_FILE) {
            Ok((i, d, w)) => {
                inspected.add(&name, &i);
                decoded.add(&name, &d);
                working.add(&name, &w);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("{name}: no answer within {PER_FILE:?}"),
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{name}: panicked"),
        }
        let took = started.elapsed();
        if took > slowest.0 {
            slowest = (took, name);
        }
    }
    for (what, t) in [
        ("inspect", &inspected),
        ("decode", &decoded),
        ("working copy", &working),
    ] {
        eprintln!(
            "{dir} {what}: {} ok, {} unsupported, {} too large, {} malformed ({} via the panic belt: {:?})",
            t.ok,
            t.unsupported,
            t.too_large,
            t.malformed,
            t.belt.len(),
            t.belt
        );
    }
    eprintln!("{dir}: slowest file {} in {:?}", slowest.1, slowest.0);
}

#[test]
fn hostile_files_give_ok_or_a_clean_error() {
    run_dir("hostile", true);
}

#[test]
fn exiftool_samples_give_ok_or_a_clean_error() {
    run_dir("exiftool", false);
}

#[test]
fn exiv2_samples_give_ok_or_a_clean_error() {
    run_dir("exiv2", false);
}
