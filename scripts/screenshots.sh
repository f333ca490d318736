#!/bin/sh
# Renders the desktop client's screenshots under Xvfb into docs/screenshots/:
# chat, settings, status-dead and reconnected at the screen sizes people use
# (1024x600, 1280x720, 1280x720 with Larger text for a projector, 1920x1080),
# in English and Simplified Chinese: chat-1280x720.png,
# chat-1280x720-large-zh_CN.png and so on. Starts its own server on a free
# loopback port; the window, as large as the virtual screen, runs a scripted
# scenario (a hidden --screenshot-dir mode) and grabs itself.
#
#   scripts/screenshots.sh [BUILD_DIR]      (default: build)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
case $build in /*) ;; *) build=$PWD/$build ;; esac
server=$build/server/longline-server
gui=$build/app/longline
out=$root/docs/screenshots

for bin in "$server" "$gui"; do
    [ -x "$bin" ] || { echo "missing $bin: build first (cmake --build $build)" >&2; exit 1; }
done
command -v xvfb-run >/dev/null || { echo "xvfb-run not found (apt-get install xvfb)" >&2; exit 1; }

work=$(mktemp -d)
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# One server per language, each with a fresh history. The scenario pings
# fast; the server must allow it.
start_server() {
    rm -f "$work/history.db" "$work/server.log"
    "$server" --listen 127.0.0.1:0 --db "$work/history.db" --min-client-ping 0 \
        2>"$work/server.log" &
    server_pid=$!
    port=
    for _ in $(seq 1 100); do
        port=$(sed -n 's/.* listen .*port=\([0-9]*\).*/\1/p' "$work/server.log" | head -n1)
        [ -n "$port" ] && return 0
        sleep 0.1
    done
    echo "server did not start:" >&2
    cat "$work/server.log" >&2
    exit 1
}
stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
}
mkdir -p "$out"

shoot() { # LANG NICK SIZE SUFFIX [--large-font]
    start_server
    # A fresh settings file per run: screenshots never depend on the
    # developer's own configuration.
    rm -f "$work/settings.ini"
    LC_ALL=C.UTF-8 xvfb-run -a -s "-screen 0 ${3}x24 -dpi 96" \
        "$gui" --lang "$1" --host 127.0.0.1 --port "$port" --nick "$2" \
        --settings-file "$work/settings.ini" --screenshot-size "$3" \
        --screenshot-dir "$out" --screenshot-suffix "$4" ${5:-}
    stop_server
}

for lang in en zh_CN; do
    nick=alice
    tail=
    [ "$lang" = zh_CN ] && { nick=小明; tail=-zh_CN; }
    shoot "$lang" "$nick" 1024x600 "-1024x600$tail"
    shoot "$lang" "$nick" 1280x720 "-1280x720$tail"
    shoot "$lang" "$nick" 1280x720 "-1280x720-large$tail" --large-font
    shoot "$lang" "$nick" 1920x1080 "-1920x1080$tail"
done
echo "screenshots in $out:"
ls -1 "$out"
