#!/usr/bin/env bash
# Starts the ClearShot desktop app, installing and building what it needs first (safe to run
# again: each step skips what is already done).
#   bash scripts/app.sh            the app on your register ($CLEARSHOT_DB, else ~/.local/share/clearshot)
#   bash scripts/app.sh --sample   the app on a fresh register holding the sample academy
#   bash scripts/app.sh --build-only
set -euo pipefail
cd "$(dirname "$0")/.."

sample=0; build_only=0
for arg in "$@"; do
  case "$arg" in
    --sample) sample=1 ;;
    --build-only) build_only=1 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "app.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

bash scripts/setup.sh
# The web UI: dependencies (from the lockfile) and the production bundle the binary embeds.
[ -d ui/node_modules ] || npm ci --prefix ui --no-audit --no-fund
npm --prefix ui run build --silent
# The debug binary with ui/dist embedded (a plain `cargo build` would load a dev server instead).
cargo build -p clearshot-app --features custom-protocol
[ "$build_only" = 1 ] && exit 0

if [ "$sample" = 1 ]; then
  export CLEARSHOT_DB="${CLEARSHOT_DB:-$(mktemp -d)/sample-register.sqlite3}"
  CLEARSHOT_OPEN_SAMPLE=1 exec target/debug/clearshot-app
fi
exec target/debug/clearshot-app
