#!/usr/bin/env bash
# Installs what ClearShot needs on a fresh Debian machine. Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."
need_apt=()
for pkg in pkg-config build-essential libimage-exiftool-perl; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi
