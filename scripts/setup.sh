#!/usr/bin/env bash
# Installs what building and testing trawl needs on a fresh Debian machine, and nothing twice.
# Safe to run again. Used by scripts/test.sh, scripts/demo.sh and .ci/run.
set -euo pipefail

need_apt=()
command -v cc >/dev/null 2>&1 || need_apt+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
command -v sqlite3 >/dev/null 2>&1 || need_apt+=(sqlite3)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  fi
fi

command -v cargo >/dev/null 2>&1 || { echo "setup: cargo is missing (install Rust with rustup)" >&2; exit 1; }
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt clippy >/dev/null 2>&1 || true
if ! command -v cargo-nextest >/dev/null 2>&1; then
  cargo install --locked cargo-nextest >/dev/null
fi
