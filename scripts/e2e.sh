#!/usr/bin/env bash
# End-to-end tests of the desktop app: builds the UI and the custom-protocol binary, then drives
# the real app through WebDriver (tauri-driver + WebKitWebDriver) under Xvfb, each test with a
# fresh register. Screenshots of each main screen land in docs/screenshots/; a failing test
# leaves one in target/e2e-failures/.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
bash scripts/app.sh --build-only
for tool in Xvfb WebKitWebDriver; do
  command -v "$tool" >/dev/null || { echo "e2e.sh: $tool is missing: run bash scripts/setup.sh" >&2; exit 1; }
done
command -v tauri-driver >/dev/null || [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ] \
  || { echo "e2e.sh: tauri-driver is missing: run bash scripts/setup.sh" >&2; exit 1; }
# One app at a time: each test starts its own Xvfb, driver and app; two cores are enough for one.
timeout -k 10 900 cargo test -p e2e --no-fail-fast -- --ignored --test-threads=1 "$@"
