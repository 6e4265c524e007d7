#!/usr/bin/env bash
# Installs what ClearShot needs on a fresh Debian machine. Safe to run again: it skips what is there.
#   bash scripts/setup.sh [PACKAGE…]   any Debian packages named are installed as well
set -euo pipefail
cd "$(dirname "$0")/.."
need_apt=()
# The desktop app (Tauri 2 on WebKitGTK) and its end-to-end tests (Xvfb, WebKitWebDriver) need the rest.
for pkg in pkg-config build-essential libimage-exiftool-perl \
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev libssl-dev \
  file patchelf xvfb xauth webkit2gtk-driver xdotool strace "$@"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

# The desktop app's WebDriver bridge (the end-to-end tests), from crates.io.
if ! command -v tauri-driver >/dev/null && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ]; then
  cargo install tauri-driver --locked --version ^2
fi
# The desktop app's web UI: its npm packages, exactly as locked (skipped when already installed).
command -v npm >/dev/null || { echo "setup.sh: Node.js 20.19+ and npm are needed for the desktop app's UI" >&2; exit 1; }
if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  npm ci --prefix ui --no-audit --no-fund
fi
