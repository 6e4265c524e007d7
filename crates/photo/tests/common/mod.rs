//! Shared by the integration tests: where the real-photo corpus is, if present.
#![allow(dead_code)]

use std::path::PathBuf;

/// The shared corpus (`/work/shared/corpus`, found relative to this crate), or `None` with a
/// note on stderr so the test can pass as skipped where the corpus is not laid out.
pub fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if dir.join("oracle.json").is_file() {
        Some(dir)
    } else {
        eprintln!("SKIP: photo corpus not found at {}", dir.display());
        None
    }
}

pub fn read(path: &std::path::Path) -> Vec<u8> {
    match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    }
}

pub fn oracle(corpus: &std::path::Path) -> serde_json::Value {
    let text = match std::fs::read_to_string(corpus.join("oracle.json")) {
        Ok(t) => t,
        Err(e) => panic!("cannot read oracle.json: {e}"),
    };
    match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => panic!("oracle.json is not JSON: {e}"),
    }
}
