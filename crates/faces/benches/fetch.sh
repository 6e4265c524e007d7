#!/usr/bin/env bash
# Fetches the face benchmark's photos from package registries (npm, PyPI) into
# bench-data/faces/ at the repository root (git-ignored). Idempotent: a photo
# already present with the right SHA-256 is not fetched again.
#
# Sources (all sample images that the packages ship):
#   npm  @vladmandic/face-api@1.7.15  demo/sample1..6.jpg   (MIT; group photos)
#   npm  tracking@1.1.3               examples/assets/faces.jpg (BSD-3-Clause package)
#   PyPI scikit-image==0.26.0         skimage/data/*.png|jpg (CC0 / public domain)
#   PyPI matplotlib==3.11.2           mpl-data/sample_data/grace_hopper.jpg
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="${FACES_BENCH_DATA:-$root/bench-data/faces}"
mkdir -p "$out"

have_all() {
  python3 - "$here/labels.json" "$out" <<'PY'
import hashlib, json, os, sys
labels = json.load(open(sys.argv[1]))
for p in labels["photos"]:
    f = os.path.join(sys.argv[2], p["file"])
    if not os.path.exists(f) or hashlib.sha256(open(f, "rb").read()).hexdigest() != p["sha256"]:
        sys.exit(1)
PY
}
if have_all; then
  echo "bench-data/faces: all photos present"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# npm packages
(
  cd "$tmp"
  npm pack --silent @vladmandic/face-api@1.7.15 tracking@1.1.3 >/dev/null
  mkdir face-api tracking
  tar xzf vladmandic-face-api-1.7.15.tgz -C face-api
  tar xzf tracking-1.1.3.tgz -C tracking
)
for i in 1 2 3 4 5 6; do
  cp "$tmp/face-api/package/demo/sample$i.jpg" "$out/faceapi-sample$i.jpg"
done
cp "$tmp/tracking/package/examples/assets/faces.jpg" "$out/tracking-faces.jpg"

# PyPI wheels (data files only; nothing is installed)
pip download --quiet --no-deps --only-binary :all: --python-version 3.11 \
  --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \
  scikit-image==0.26.0 matplotlib==3.11.2 -d "$tmp/whl"
python3 - "$tmp/whl" "$out" <<'PY'
import glob, os, sys, zipfile
whl, out = sys.argv[1], sys.argv[2]
want = {
    "skimage/data/astronaut.png": "skimage-astronaut.png",
    "skimage/data/camera.png": "skimage-camera.png",
    "skimage/data/coffee.png": "skimage-coffee.png",
    "skimage/data/chelsea.png": "skimage-chelsea.png",
    "skimage/data/rocket.jpg": "skimage-rocket.jpg",
    "skimage/data/hubble_deep_field.jpg": "skimage-hubble_deep_field.jpg",
    "skimage/data/motorcycle_left.png": "skimage-motorcycle_left.png",
    "skimage/data/brick.png": "skimage-brick.png",
    "skimage/data/grass.png": "skimage-grass.png",
    "skimage/data/retina.jpg": "skimage-retina.jpg",
    "matplotlib/mpl-data/sample_data/grace_hopper.jpg": "matplotlib-grace_hopper.jpg",
}
for w in glob.glob(os.path.join(whl, "*.whl")):
    with zipfile.ZipFile(w) as z:
        for name in z.namelist():
            if name in want:
                with open(os.path.join(out, want[name]), "wb") as f:
                    f.write(z.read(name))
PY

if have_all; then
  echo "bench-data/faces: fetched"
else
  echo "bench-data/faces: a photo is missing or its SHA-256 differs from labels.json" >&2
  exit 1
fi
