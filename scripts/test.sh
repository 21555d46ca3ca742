#!/usr/bin/env bash
# Runs every test of trawl after installing what they need: formatting, lints, and all test
# binaries of the workspace (unit, data-driven, golden, malformed-input corpus, kill -9).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== rustfmt"
cargo fmt --all --check
echo "== clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== doc tests"
# nextest does not run doc tests; run them first so nextest's summary line closes the output.
cargo test --workspace --doc --locked -q
echo "== tests"
# One build of the whole workspace (features resolved once), then every test binary.
cargo nextest run --workspace --all-targets --locked --no-fail-fast
