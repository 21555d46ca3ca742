#!/usr/bin/env bash
# Builds trawl and opens it on the demo dataset: SWE-ZERO-shaped trajectories generated from a
# seed plus the real files in ../shared/fixtures/real. With a display, the desktop app opens;
# without one (a server, an SSH session), `trawl serve` starts and prints the URL to open.
# The binaries are the shipped ones: the `dist` profile of Cargo.toml (fat LTO, stripped).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm --prefix ui run build
bin="${CARGO_TARGET_DIR:-target}/dist"
cargo build --profile dist --locked -p trawl-cli
db=demo/demo.trawl.db
[ -f "$db" ] || "$bin/trawl" demo --dir demo
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${TRAWL_SERVE:-}" ]; then
  cargo build --profile dist --locked -p trawl-desktop
  exec "$bin/trawl-desktop" --db "$db"
fi
echo "No display: serving the app over HTTP instead (set TRAWL_SERVE=1 to choose this anyway)."
exec "$bin/trawl" --db "$db" serve
