#!/usr/bin/env bash
# Debian packages the renderer needs at run time and for its benchmark. Idempotent: does nothing (quietly)
# when every package is already installed; otherwise `apt-get update` once and installs the missing ones.
#
#   fonts-dejavu-core, fonts-dejavu-extra  the book fonts: Latin, Greek, Cyrillic (+ Hebrew/Arabic in Sans)
#   fonts-noto-color-emoji                 emoji fallback (an open font: SIL OFL)
#   libharfbuzz-subset0                    WeasyPrint subsets embedded fonts with HarfBuzz (fast) when present
#   pandoc                                 bench/render.py compares our EPUB/PDF times against pandoc's
#
# Usage: bash scripts/install-system-packages.sh   (as root, or with sudo available)
set -euo pipefail

PACKAGES=(fonts-dejavu-core fonts-dejavu-extra fonts-noto-color-emoji libharfbuzz-subset0 pandoc)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "need root to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
# New fonts must be visible to fontconfig (WeasyPrint finds fonts through it).
command -v fc-cache >/dev/null 2>&1 && fc-cache -f >/dev/null 2>&1 || true
