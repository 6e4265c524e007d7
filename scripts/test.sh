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
