#!/usr/bin/env bash
# Runs ClearShot's benchmarks beside the tools a user would otherwise use, installing those tools
# first (safe to run again: each step skips what is already there).
#   bash scripts/bench.sh              all three: the register, photos, faces
#   bash scripts/bench.sh register     `cargo bench -p clearshot` (against Python csv+sqlite3 and sqlite3)
#   bash scripts/bench.sh photo        `cargo bench -p photo` (against exiftool, vipsthumbnail, libjpeg-turbo)
#   bash scripts/bench.sh faces        `cargo bench -p faces` (accuracy and speed on labelled photos)
# PHOTO_BENCH_N=500 sets the number of generated 12 MP photos the photo bench clears (default 50).
set -euo pipefail
cd "$(dirname "$0")/.."

# With the comparison tools: libvips's vipsthumbnail, libjpeg-turbo's headers (the C floor, built
# by the bench with cc), the sqlite3 shell, and Python for the register bench's baseline.
bash scripts/setup.sh libvips-tools libjpeg62-turbo-dev sqlite3 python3

which="${1:-all}"
case "$which" in
  register|photo|faces|all) ;;
  -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
  *) echo "bench.sh: unknown benchmark $which (register, photo, faces or all)" >&2; exit 2 ;;
esac
if [ "$which" = register ] || [ "$which" = all ]; then
  cargo bench -p clearshot
fi
if [ "$which" = photo ] || [ "$which" = all ]; then
  cargo bench -p photo
fi
if [ "$which" = faces ] || [ "$which" = all ]; then
  bash crates/faces/benches/fetch.sh
  cargo bench -p faces
fi
