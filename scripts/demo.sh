#!/usr/bin/env bash
# Builds trawl and runs the demo: generates SWE-ZERO-shaped trajectories, ingests them together
# with the real fixtures in ../shared/fixtures/real, and shows searches over the result.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release --locked -p trawl-cli
exec ./target/release/trawl demo --dir demo "$@"
