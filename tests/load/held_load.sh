#!/bin/sh
# Held load: 1,000 concurrent clients chat in rounds through one real server.
# Passes when every message reaches every client, in order, exactly once,
# every sender gets its ACK, and the server's memory stays flat across rounds.
# The figures (throughput, latency, memory) are written to
# $LONGLINE_BINARY_DIR/bench-held-load.json for the record.
set -eu
SERVER=${LONGLINE_SERVER_BIN:?}
BENCH=${LONGLINE_BENCH_BIN:?}
CLIENTS=${LOAD_CLIENTS:-1000}
WORK=$(mktemp -d)
cleanup() {
    [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
# Each client needs a descriptor here and two in the server (socket + witness).
ulimit -n "$(ulimit -H -n)" 2>/dev/null || true
"$SERVER" --listen 127.0.0.1:0 --db "$WORK/history.db" --max-per-address $((CLIENTS + 10)) \
    --max-clients $((CLIENTS + 10)) --rate 0 --log "$WORK/server.log" &
SERVER_PID=$!
i=0
until PORT=$(grep -o ' listen .*port=[0-9]*' "$WORK/server.log" 2>/dev/null | grep -o 'port=[0-9]*' | cut -d= -f2) && [ -n "$PORT" ]; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "server did not start"; cat "$WORK/server.log"; exit 1; }
    sleep 0.1
done
OUT=${LONGLINE_BINARY_DIR:-$WORK}/bench-held-load.json
status=0
"$BENCH" --port "$PORT" --clients "$CLIENTS" --rounds 4 --messages 1 --spread 15 \
    --timeout 240 --server-pid "$SERVER_PID" --out "$OUT" >/dev/null || status=$?
kill -0 "$SERVER_PID" || { echo "the server died under load"; exit 1; }
echo "held load: $CLIENTS clients, figures in $OUT"
exit $status
