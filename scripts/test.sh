#!/usr/bin/env bash
# Runs every test of trawl after installing what they need: the UI's type check, build and unit
# tests (Vitest); Rust formatting, lints, doc tests and every test binary of the workspace (unit,
# data-driven, golden, malformed-input corpus, kill -9, HTTP server, TypeScript staleness);
# end-to-end tests in Debian's Chromium against a real `trawl serve`; the real desktop window
# under Xvfb through WebKitWebDriver; and the .deb (built, installed, started, removed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Each stage's header says how much disk is left: CI machines differ in free disk.
stage() {
  local size=0
  [ -d target ] && size=$(du -sh target | cut -f1)
  echo "== $1   (free disk: $(df -Ph . | awk 'NR==2{print $4}'), target/: $size)"
}

stage "ui: type check, build, unit tests"
# The desktop shell embeds ui/dist at compile time, so the UI is built before any cargo step.
npm --prefix ui run build
npm --prefix ui test
stage "rustfmt"
cargo fmt --all --check
stage "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
stage "doc tests"
cargo test --workspace --doc --locked -q
stage "tests"
# One build of the whole workspace (features resolved once; the binaries the browser and window
# tests start come from it), then every test binary.
cargo build --workspace --all-targets --locked
cargo nextest run --workspace --all-targets --locked --no-fail-fast
stage "end-to-end (Chromium against trawl serve)"
TRAWL_BIN="$PWD/target/debug/trawl" npm --prefix ui run e2e
stage "desktop window (Xvfb, WebKitWebDriver)"
bash tests/desktop/run.sh
stage "package: dist build, .deb, install test"
# The shipped build (the dist profile, its own target/dist) and the .deb of scripts/package.sh,
# installed with apt, opened under Xvfb and removed by tests/package/install.sh (needs root or
# sudo; it refuses to touch an already installed `trawl` package).
bash scripts/package.sh
bash tests/package/install.sh
stage "all tests passed"
