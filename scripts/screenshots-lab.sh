#!/bin/sh
# Renders the path measurement's screenshots through the NAT lab, under
# Xvfb, into docs/screenshots/: measure-running.png (the search under way),
# measure-result.png (the result, the costs, Apply) and
# adaptive-recovered.png (adaptive mode after the gateway's timeout was
# lowered mid-session), and the same in Simplified Chinese (*-zh_CN.png).
#
# The window runs in the lab's client namespace behind a real nftables NAT
# whose idle timeout is 20 s. It measures the path, applies the result and
# turns adaptive mode on; when it says so on stderr this script lowers the
# gateway's timeout to 8 s, the next keep-warm is lost, and the window
# halves its interval, reconnects and measures again. Needs root (the lab)
# and xvfb-run; takes about four minutes per language.
#
#   scripts/screenshots-lab.sh [BUILD_DIR]      (default: build)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
case $build in /*) ;; *) build=$PWD/$build ;; esac
lab="$build/lab/longline-lab"
out=$root/docs/screenshots
prefix=llshot

for bin in "$lab" "$build/app/longline" "$build/server/longline-server"; do
    [ -x "$bin" ] || { echo "missing $bin: build first (cmake --build $build)" >&2; exit 1; }
done
command -v xvfb-run >/dev/null || { echo "xvfb-run not found (apt-get install xvfb)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "the NAT lab needs root: sudo $0" >&2; exit 1; }

work=$(mktemp -d)
cleanup() {
    "$lab" --prefix "$prefix" down >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$lab" --prefix "$prefix" up --nat-timeout 20
# No server heartbeats or keepalive: only the window keeps its mapping warm.
"$lab" --prefix "$prefix" server --heartbeat off --keepalive off 2>"$work/server.log" &
sleep 1
mkdir -p "$out"

shoot() { # LANG NICK SUFFIX
    "$lab" --prefix "$prefix" set --nat-timeout 20
    rm -f "$work/settings.ini" "$work/paths.ini"
    LC_ALL=C.UTF-8 xvfb-run -a -s "-screen 0 1600x1000x24 -dpi 96" \
        "$lab" --prefix "$prefix" gui --lang "$1" --nick "$2" \
        --settings-file "$work/settings.ini" --screenshot-scenario path \
        --screenshot-dir "$out" ${3:+--screenshot-suffix "$3"} 2>&1 |
        while IFS= read -r line; do
            printf '%s\n' "$line"
            case $line in
            *"lower the gateway"*) "$lab" --prefix "$prefix" set --nat-timeout 8 ;;
            esac
        done
}

shoot en alice ""
shoot zh_CN 小明 -zh_CN
echo "screenshots in $out:"
ls -1 "$out"/measure-* "$out"/adaptive-*
