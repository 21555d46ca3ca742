#!/usr/bin/env bash
# The real desktop window under Xvfb: ingests the real fixtures into a fresh database, starts
# Debian's WebKitWebDriver with TAURI_WEBVIEW_AUTOMATION=true, and runs window.mjs against the
# built target/debug/trawl-desktop (or TRAWL_DESKTOP_BIN, with TRAWL_BIN for the `trawl` command).
# Everything is wrapped in timeouts: a WebKit session that cannot start hangs without an error.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
bin="${TRAWL_DESKTOP_BIN:-$root/target/debug/trawl-desktop}"
trawl="${TRAWL_BIN:-$root/target/debug/trawl}"
fixtures="$root/../shared/fixtures/real"
[ -x "$bin" ] || { echo "window test: $bin is not built (cargo build -p trawl-desktop)" >&2; exit 1; }
[ -d node_modules ] || npm ci --no-audit --no-fund

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
# TRAWL_WINDOW_DB: an existing database to open instead (tests/package/install.sh passes one made
# by the installed `trawl`).
db="${TRAWL_WINDOW_DB:-$work/window.db}"
[ -n "${TRAWL_WINDOW_DB:-}" ] || "$trawl" --db "$db" ingest --quiet "$fixtures" >/dev/null
expected=$("$trawl" --db "$db" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["trajectories"])')
echo "window test: database with $expected trajectories"

export TAURI_WEBVIEW_AUTOMATION=true TRAWL_DESKTOP_BIN="$bin" TRAWL_DB="$db" EXPECTED_COUNT="$expected"
export WEBDRIVER_PORT="${WEBDRIVER_PORT:-4445}"
# No D-Bus session here: keep GTK's accessibility bridge from waiting for one.
export NO_AT_BRIDGE=1
timeout 300 xvfb-run -a -s "-screen 0 1400x900x24" bash -c '
  WebKitWebDriver --port="$WEBDRIVER_PORT" > "'"$work"'/driver.log" 2>&1 &
  for i in $(seq 1 50); do (echo > /dev/tcp/127.0.0.1/$WEBDRIVER_PORT) 2>/dev/null && break; sleep 0.2; done
  timeout 240 node window.mjs
  rc=$?
  kill %1 2>/dev/null || true
  exit $rc
'
