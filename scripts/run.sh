#!/bin/sh
# The main job: installs what is needed, builds, starts a local server and
# opens the chat window connected to it. Close the window to stop both.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "${SKIP_DEPS:-0}" != 1 ]; then
    "$ROOT/scripts/install-deps.sh"
fi
"$ROOT/scripts/build.sh"
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
PORT=${LONGLINE_PORT:-9999}
STATE=${XDG_STATE_HOME:-$HOME/.local/state}/longline
mkdir -p "$STATE"
LOG="$STATE/local-server.log"
# The log is appended to across runs: only what this run writes counts.
SKIP=$(($(stat -c %s "$LOG" 2>/dev/null || echo 0) + 1))
"$BUILD_DIR/server/longline-server" --listen "127.0.0.1:$PORT" --db "$STATE/local-history.db" \
    --log "$STATE/local-server.log" &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null || true' EXIT INT TERM
# Wait until the server listens (its log says so).
i=0
until tail -c "+$SKIP" "$LOG" 2>/dev/null | grep -q " listen "; do
    i=$((i + 1))
    if [ $i -gt 50 ] || ! kill -0 $SERVER_PID 2>/dev/null; then
        echo "run: the server did not start (is port $PORT taken? LONGLINE_PORT picks another):" >&2
        tail -c "+$SKIP" "$LOG" | tail -n 5 >&2
        exit 1
    fi
    sleep 0.1
done
echo "run: server listening on 127.0.0.1:$PORT (log: $STATE/local-server.log)"
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    cat >&2 <<EOF
run: no display found, so the window runs on a virtual X display (xvfb-run)
     that nobody can see; it is connected to the server as ${LONGLINE_NICK:-${USER:-me}}.
     To see the window, run this from a desktop session (or over ssh -X).
     To chat with it from here, in another terminal:
       $BUILD_DIR/cli/longline-cli 127.0.0.1 $PORT --nick you
     Ctrl+C stops the window and the server.
EOF
    exec_gui="xvfb-run -a"
else
    exec_gui=""
fi
$exec_gui "$BUILD_DIR/app/longline" --host 127.0.0.1 --port "$PORT" --nick "${LONGLINE_NICK:-${USER:-me}}" --connect
