#!/usr/bin/env bash
# Installs what building, running and testing trawl needs on a fresh Debian machine, and nothing
# twice. Safe to run again. Used by scripts/test.sh, scripts/demo.sh and .ci/run.
#   - Debian packages: the C toolchain, sqlite3, jq, ripgrep (benches/bench.py compares with rg);
#     Tauri v2's build libraries (WebKitGTK 4.1…); Xvfb and WebKitWebDriver to drive the real
#     window; Debian's Chromium for browser tests.
#   - Rust tools: rustfmt, clippy, cargo-nextest.
#   - Node packages of ui/ and tests/desktop/ (npm ci: exact versions from the lock files).
#   - Python: pyarrow and datasets, which read our Parquet exports back in tests.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(build-essential pkg-config sqlite3 jq ripgrep file libssl-dev
  libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev librsvg2-dev
  libayatana-appindicator3-dev libxdo-dev
  xvfb xauth webkit2gtk-driver chromium chromium-driver)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_=""
  [ "$(id -u)" = 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null 2>&1 || { echo "setup: cargo is missing (install Rust with rustup)" >&2; exit 1; }
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt clippy >/dev/null 2>&1 || true
command -v cargo-nextest >/dev/null 2>&1 || cargo install --locked cargo-nextest >/dev/null

command -v npm >/dev/null 2>&1 || { echo "setup: npm is missing (install Node.js 20+)" >&2; exit 1; }
for d in ui tests/desktop; do
  if [ -f "$d/package-lock.json" ] && { [ ! -d "$d/node_modules" ] || [ "$d/package-lock.json" -nt "$d/node_modules/.package-lock.json" ]; }; then
    (cd "$d" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

if ! python3 -c 'import pyarrow, datasets' >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check pyarrow datasets
fi
