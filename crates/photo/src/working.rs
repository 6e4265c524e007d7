//! The working copy: a photo decoded **once** for everything that needs its pixels.
//!
//! Clearing and exporting a photo needs its pixels three times: the perceptual hash (for the
//! provenance ledger), the face detector (the faces rule, and blurring), and the safe copy that
//! is published. All three are taken from one decode, [`working_copy`]: the photo decoded at
//! the smallest DCT scale that still gives [`WORKING_EDGE`] pixels on the long side, orientation
//! applied, then fitted within `WORKING_EDGE`. The copy is kept in a small cache by SHA-256, so
//! `photos check` then `photos export` in one process (the app, or `photos check --export`)
//! decode the photo once.
//!
//! An export asking for a long edge above [`WORKING_EDGE`] decodes the photo again at that
//! size: the working copy holds fewer pixels than it needs.

use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use crate::{Decoded, PhotoError, decode_scaled};

/// Long edge of the working copy, and of the default published copy: 2048 px, enough for
/// every social platform.
pub const WORKING_EDGE: u32 = 2048;

/// Bytes of pixels the cache may hold: 27 working copies of a 4:3 photo (9.4 MB each).
const CACHE_BYTES: usize = 256 * 1024 * 1024;

static CACHE: Mutex<VecDeque<(String, Arc<Decoded>)>> = Mutex::new(VecDeque::new());

thread_local! {
    static DECODES: Cell<u64> = const { Cell::new(0) };
}

/// Counts one pixel decode made on this thread (by [`crate::decode`] or [`decode_scaled`]).
pub(crate) fn count_decode() {
    DECODES.with(|d| d.set(d.get() + 1));
}

/// How many times pixels have been decoded on the calling thread since it started: lets a test
/// or benchmark prove that a photo was decoded once. Per thread, so parallel tests do not
/// disturb each other.
pub fn pixel_decodes_on_this_thread() -> u64 {
    DECODES.with(Cell::get)
}

/// The photo's working copy: decoded once (at reduced scale in the DCT when the photo is at
/// least twice [`WORKING_EDGE`]), orientation applied, fitted within `WORKING_EDGE` (never
/// enlarged). Served from the cache when the same bytes were decoded recently.
pub fn working_copy(bytes: &[u8]) -> Result<Arc<Decoded>, PhotoError> {
    working_copy_keyed(bytes, &crate::sha256_hex(bytes))
}

/// [`working_copy`] for a caller that has already hashed the bytes (`key` is their SHA-256).
pub(crate) fn working_copy_keyed(bytes: &[u8], key: &str) -> Result<Arc<Decoded>, PhotoError> {
    if let Some(found) = cached(key) {
        return Ok(found);
    }
    let decoded = decode_scaled(bytes, WORKING_EDGE)?;
    let working = Arc::new(decoded.into_fitted_within(WORKING_EDGE));
    remember(key.to_owned(), Arc::clone(&working));
    Ok(working)
}

fn cached(key: &str) -> Option<Arc<Decoded>> {
    let cache = CACHE.lock().ok()?;
    cache
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, d)| Arc::clone(d))
}

fn remember(key: String, working: Arc<Decoded>) {
    let Ok(mut cache) = CACHE.lock() else {
        return;
    };
    if cache.iter().any(|(k, _)| *k == key) {
        return;
    }
    cache.push_back((key, working));
    // Oldest first out, until the pixels fit the budget (the newest always stays).
    while cache.len() > 1 && cache.iter().map(|(_, d)| d.rgb().len()).sum::<usize>() > CACHE_BYTES {
        cache.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_keeps_the_newest_copies_within_its_budget() {
        // 40 copies of 8 MiB each: only the newest 32 fit 256 MiB.
        let side = 1672u32; // 1672² × 3 ≈ 8 MiB
        for i in 0..40u8 {
            let d = Decoded::from_rgb(side, side, vec![i; (side * side * 3) as usize]).unwrap();
            remember(format!("budget-test-{i}"), Arc::new(d));
        }
        assert!(cached("budget-test-0").is_none(), "the oldest went first");
        let newest = cached("budget-test-39").expect("the newest stays");
        assert_eq!(newest.rgb()[0], 39);
        let held: usize = CACHE
            .lock()
            .unwrap()
            .iter()
            .map(|(_, d)| d.rgb().len())
            .sum();
        assert!(held <= CACHE_BYTES, "{held} bytes held");
    }
}
