#!/usr/bin/env bash
# The whole test suite: the gate every commit must pass.
# Installs what it needs (idempotently), then: fmt, clippy, every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TERM_COLOR=never
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
# The desktop app's UI: svelte-check + tsc, vitest. (The bindings freshness check is the
# clearshot-app test `committed_bindings_match_the_rust_types`, run above.)
npm --prefix ui run check
npm --prefix ui run test
# The desktop app end to end (builds the UI and the custom-protocol binary first).
bash scripts/e2e.sh
