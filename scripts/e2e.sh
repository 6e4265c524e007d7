#!/usr/bin/env bash
# End-to-end tests of the desktop app: builds the UI and the custom-protocol binary, then drives
# the real app through WebDriver (tauri-driver + WebKitWebDriver) under Xvfb, each test with a
# fresh register. Screenshots of each main screen land in docs/screenshots/; a failing test
# leaves one in target/e2e-failures/.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
bash scripts/setup.sh
# The web UI's production bundle, which the binary embeds.
npm --prefix ui run build --silent
# The app binary with ui/dist embedded. Built with the whole workspace's feature set (the same as
# `cargo test --workspace`), so nothing else is rebuilt: only tauri and the app change.
features=(--workspace --features clearshot-app/custom-protocol)
cargo build "${features[@]}" --bins --tests
for tool in Xvfb WebKitWebDriver; do
  command -v "$tool" >/dev/null || { echo "e2e.sh: $tool is missing: run bash scripts/setup.sh" >&2; exit 1; }
done
command -v tauri-driver >/dev/null || [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ] \
  || { echo "e2e.sh: tauri-driver is missing: run bash scripts/setup.sh" >&2; exit 1; }
# The end-to-end tests are the workspace's only ignored tests (they need a display): every file
# in e2e/tests/. One app at a time: each test starts its own Xvfb, driver and app.
timeout -k 10 1200 cargo test "${features[@]}" --no-fail-fast --tests -- --ignored --test-threads=1 "$@"
