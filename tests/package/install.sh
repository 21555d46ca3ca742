#!/usr/bin/env bash
# Installs the .deb that scripts/package.sh built, checks what it put on the machine, starts the
# installed desktop app under Xvfb on a small database made by the installed `trawl`, checks that
# the installed `trawl serve` serves the packaged UI, and removes the package again. Needs root (or sudo) and the packages scripts/setup.sh installs.
#
#   bash tests/package/install.sh [DEB]     # default: the newest target/package/trawl_*.deb
#
# It refuses to run when a `trawl` package is already installed: it would replace and then remove
# someone's installation.
set -euo pipefail
arg="${1:-}"
[ -z "$arg" ] || [ ! -f "$arg" ] || arg=$(cd "$(dirname "$arg")" && pwd)/$(basename "$arg")
cd "$(dirname "$0")/../.."
root=$PWD
deb="${arg:-$(ls -t target/package/trawl_*.deb 2>/dev/null | head -n 1 || true)}"
[ -n "$deb" ] && [ -f "$deb" ] || { echo "install test: no .deb (run bash scripts/package.sh first, or pass its path)" >&2; exit 1; }
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
sudo_=""
[ "$(id -u)" = 0 ] || sudo_="sudo"

pkg=$(dpkg-deb -f "$deb" Package)
version=$(dpkg-deb -f "$deb" Version)
if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
  echo "install test: package $pkg is already installed here; remove it first (apt-get remove $pkg)" >&2
  exit 1
fi

fail() { echo "install test: FAIL: $*" >&2; exit 1; }
work=$(mktemp -d)
cleanup() {
  if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    DEBIAN_FRONTEND=noninteractive $sudo_ apt-get remove -y -qq "$pkg" >/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "install test: installing $deb ($(du -h "$deb" | cut -f1))"
DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "$deb" >/dev/null

# What the package holds: both programs on PATH, a desktop entry that starts the app with an icon
# the package installs.
files=$(dpkg -L "$pkg")
for f in /usr/bin/trawl /usr/bin/trawl-desktop; do
  grep -qx "$f" <<<"$files" || fail "dpkg -L $pkg has no $f"
  [ -x "$f" ] || fail "$f is not executable"
  ! ldd "$f" | grep -q 'not found' || fail "$f: $(ldd "$f" | grep 'not found' | head -n 1)"
done
[ "$(command -v trawl)" = /usr/bin/trawl ] || fail "trawl on PATH is $(command -v trawl), not /usr/bin/trawl"
entry=$(grep -m1 '^/usr/share/applications/.*\.desktop$' <<<"$files") || fail "no desktop entry in /usr/share/applications"
exec_=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$entry" | head -n 1)
icon=$(sed -n 's/^Icon=//p' "$entry" | head -n 1)
[ "$exec_" = trawl-desktop ] || [ "$exec_" = /usr/bin/trawl-desktop ] || fail "$entry: Exec=$exec_ is not trawl-desktop"
icons=$(grep "^/usr/share/icons/hicolor/.*/apps/$icon\.png$" <<<"$files" || true)
[ -n "$icons" ] || fail "$entry: Icon=$icon, but the package has no /usr/share/icons/hicolor/*/apps/$icon.png"
for i in $icons; do
  file -b "$i" | grep -q '^PNG image' || fail "$i is not a PNG"
done
echo "install test: $entry (Exec=$exec_, Icon=$icon), $(wc -w <<<"$icons") icon sizes"

# `trawl --version` is the package's version.
got=$(trawl --version)
[ "$got" = "trawl $version" ] || fail "trawl --version says '$got', the package is $version"
echo "install test: $got"
desktop_size=$(stat -c %s /usr/bin/trawl-desktop)
cli_size=$(stat -c %s /usr/bin/trawl)
echo "install test: /usr/bin/trawl $cli_size bytes, /usr/bin/trawl-desktop $desktop_size bytes"

# A small database made by the installed command, opened by the installed app in the real window.
trawl gen --count 40 --out "$work/rows.jsonl" >/dev/null
trawl --db "$work/small.trawl.db" ingest --quiet "$work/rows.jsonl" >/dev/null
TRAWL_BIN=/usr/bin/trawl TRAWL_DESKTOP_BIN=/usr/bin/trawl-desktop TRAWL_WINDOW_DB="$work/small.trawl.db" \
  bash "$root/tests/desktop/run.sh"

# The installed `trawl serve` serves the UI the package carries (/usr/share/trawl/ui), not one
# from a source tree.
grep -qx /usr/share/trawl/ui/index.html <<<"$files" || fail "dpkg -L $pkg has no /usr/share/trawl/ui/index.html"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$work" && exec trawl --db "$work/small.trawl.db" serve --port "$port" >"$work/serve.log" 2>&1) &
serve_pid=$!
page=$(python3 - "$port" <<'PY' || true
import sys, time, urllib.request
for _ in range(100):
    try:
        print(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=2).read().decode())
        break
    except OSError:
        time.sleep(0.2)
PY
)
kill "$serve_pid" 2>/dev/null || true
wait "$serve_pid" 2>/dev/null || true
grep -q 'UI from /usr/.*share/trawl/ui' "$work/serve.log" || fail "trawl serve did not take the packaged UI: $(cat "$work/serve.log")"
grep -q '<script' <<<"$page" || fail "trawl serve did not answer / with the UI's page: ${page:0:200}"
echo "install test: trawl serve answers / with the packaged UI"

DEBIAN_FRONTEND=noninteractive $sudo_ apt-get remove -y -qq "$pkg" >/dev/null
[ ! -e /usr/bin/trawl ] && [ ! -e /usr/bin/trawl-desktop ] || fail "apt-get remove left /usr/bin/trawl*"
echo "install test: removed $pkg; passed"
