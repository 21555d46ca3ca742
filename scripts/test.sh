#!/usr/bin/env bash
# Runs every test of trawl after installing what they need: the UI's type check, build and unit
# tests (Vitest); Rust formatting, lints, doc tests and every test binary of the workspace (unit,
# data-driven, golden, malformed-input corpus, kill -9, HTTP server, TypeScript staleness);
# end-to-end tests in Debian's Chromium against a real `trawl serve`; and the real desktop window
# under Xvfb through WebKitWebDriver.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
disk() { echo "   (free disk: $(df -Ph . | awk 'NR==2{print $4}'), target: $(du -sh target 2>/dev/null | cut -f1 || echo 0))"; }
disk

echo "== ui: type check, build, unit tests"
# The desktop shell embeds ui/dist at compile time, so the UI is built before any cargo step.
npm --prefix ui run build
npm --prefix ui test
disk
echo "== rustfmt"
cargo fmt --all --check
echo "== clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
disk
echo "== doc tests"
cargo test --workspace --doc --locked -q
disk
echo "== tests"
# One build of the whole workspace (features resolved once; the binaries the browser and window
# tests start come from it), then every test binary.
cargo build --workspace --all-targets --locked
cargo nextest run --workspace --all-targets --locked --no-fail-fast
disk
echo "== end-to-end (Chromium against trawl serve)"
TRAWL_BIN="$PWD/target/debug/trawl" npm --prefix ui run e2e
disk
echo "== desktop window (Xvfb, WebKitWebDriver)"
bash tests/desktop/run.sh
disk
echo "== all tests passed"
