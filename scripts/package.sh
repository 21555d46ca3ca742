#!/usr/bin/env bash
# Builds the Debian package of Trawl: the desktop app (`trawl-desktop`) and the `trawl` command,
# both from the `dist` profile (Cargo.toml: fat LTO, stripped), with a desktop entry, icons and
# the built UI for `trawl serve` (/usr/share/trawl/ui),
# by Tauri's own bundler (the @tauri-apps/cli in ui/'s devDependencies; no network needed).
#
#   bash scripts/package.sh [--out DIR]     # default DIR: target/package
#
# Writes DIR/trawl_<version>_<arch>.deb and prints its size and contents. Install it with
#   sudo apt-get install ./target/package/trawl_*.deb
# tests/package/install.sh installs it on this machine and starts the installed app under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out="$root/target/package"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$(mkdir -p "$2" && cd "$2" && pwd); shift 2 ;;
    -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package.sh: unknown argument $1 (usage: bash scripts/package.sh [--out DIR])" >&2; exit 2 ;;
  esac
done
target_dir="${CARGO_TARGET_DIR:-$root/target}"
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac

bash scripts/setup.sh
# The desktop shell embeds ui/dist at compile time.
npm --prefix ui run build
cargo build --profile dist --locked -p trawl-cli
cli="$target_dir/dist/trawl"
[ -x "$cli" ] || { echo "package.sh: $cli was not built" >&2; exit 1; }

# `tauri build` runs `cargo build --bins --profile dist` in src-tauri/ and bundles the result
# (Tauri reads the profile from the cargo arguments after `--`). The CLI, and the UI for
# `trawl serve` (which looks in <exe dir>/../share/trawl/ui), go in through
# bundle.linux.deb.files: their paths depend on the checkout and the target directory, so they are
# given here rather than in tauri.conf.json (where a missing file would break a plain `tauri build`).
extra=$(python3 -c 'import json,sys; print(json.dumps({"bundle": {"linux": {"deb": {"files": {
  "/usr/bin/trawl": sys.argv[1], "/usr/share/trawl/ui": sys.argv[2]}}}}}))' "$cli" "$root/ui/dist")
(cd src-tauri && "$root/ui/node_modules/.bin/tauri" build --ci --bundles deb --config "$extra" -- --profile dist --locked)

deb=$(ls -t "$target_dir"/dist/bundle/deb/*.deb | head -n 1)
# Tauri names the file after productName ("Trawl_…"); the package itself is "trawl".
name=$(dpkg-deb -f "$deb" Package)_$(dpkg-deb -f "$deb" Version)_$(dpkg-deb -f "$deb" Architecture).deb
mkdir -p "$out"
cp "$deb" "$out/$name"
echo "package.sh: $out/$name ($(du -h "$out/$name" | cut -f1), $(stat -c %s "$out/$name") bytes)"
ls -l "$target_dir/dist/trawl" "$target_dir/dist/trawl-desktop"
dpkg-deb -c "$out/$name" | awk '{print $3, $6}'
