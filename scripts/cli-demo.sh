#!/usr/bin/env bash
# Builds the `clearshot` CLI and opens the sample academy from assets/ in a fresh register
# (./demo-register.sqlite3 unless CLEARSHOT_DB says otherwise), then shows an office's day.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release -p clearshot-cli
export CLEARSHOT_DB="${CLEARSHOT_DB:-$PWD/demo-register.sqlite3}"
cs() { echo "+ clearshot $*" >&2; target/release/clearshot "$@"; }
if ! target/release/clearshot academies list --json | grep -q '"OAK"'; then
  cs academies add OAK --name "Oak Hill Academy"
  cs pupils import assets/sample-roll.csv --academy OAK || true
fi
cs consent status --year-group 7 --channel academy_social | head -8
echo
echo "The register is $CLEARSHOT_DB. Try: target/release/clearshot --help"
