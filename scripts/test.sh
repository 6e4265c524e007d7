#!/usr/bin/env bash
# The whole test suite: the gate every commit must pass (what CI runs: .ci/run).
# Installs what it needs (idempotently), then: fmt, the UI's type-check and unit tests, clippy,
# every Rust test, and the desktop app end to end under Xvfb.
# Longer runs: CLEARSHOT_CRASH_KILLS=500 CLEARSHOT_FUZZ_CASES=30000 bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TERM_COLOR=never
cargo fmt --all --check
# The desktop app's UI: svelte-check + tsc, then vitest. (The bindings freshness check is the
# clearshot-app test `committed_bindings_match_the_rust_types`, run with the Rust tests.)
npm --prefix ui run check
npm --prefix ui run test
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
# The desktop app end to end (builds the UI bundle and the app binary that embeds it first).
bash scripts/e2e.sh
