#!/bin/sh
# A restart without systemd that keeps the clients: `longline-server
# --take-over` takes the listening socket and every plain-TCP client from the
# running server (SCM_RIGHTS over a Unix socket), which then exits.
#   1. 1,000 plain clients registered with server A keep chatting (20 tagged
#      messages a second) while B takes over; none sees a disconnect, every
#      message sent is acknowledged, and every acknowledged one is in the
#      history exactly once; a client with half a line typed finishes it on B;
#      A exits, B logs how many it resumed, a new client is served by B.
#   2. On a TLS server the clients cannot be handed over: they get
#      "BYE server restarting", and B serves new TLS clients.
set -eu
fail() { echo "FAIL: $*" >&2; exit 1; }
SERVER=${LONGLINE_SERVER_BIN:?}
CLI=${LONGLINE_CLI_BIN:?}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { # FILE PATTERN SECONDS
    i=0
    until grep -q "$2" "$1" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt $(($3 * 10)) ] || { tail -n 20 "$1" >&2 2>/dev/null || true; fail "no '$2' in $1 after $3 s"; }
        sleep 0.1
    done
}
alive() { kill -0 "$1" 2>/dev/null; }

# --- 1. plain clients -------------------------------------------------------
PORT=$(free_port)
ARGS="--listen 127.0.0.1:$PORT --db $WORK/history.db --admin-socket $WORK/admin.sock --heartbeat 3,3 --max-clients 2000"
$SERVER $ARGS --log "$WORK/a.log" >"$WORK/a.out" 2>&1 &
A=$!
PIDS="$PIDS $A"
wait_for "$WORK/a.log" " listen " 10
python3 "$HERE/restart_clients.py" --port "$PORT" --clients 1000 --rate 20 \
    --ready-file "$WORK/ready" --stop-file "$WORK/stop" --report "$WORK/report.json" \
    >"$WORK/clients.out" 2>"$WORK/clients.err" &
HOLDER=$!
PIDS="$PIDS $HOLDER"
i=0
until [ -f "$WORK/ready" ]; do
    i=$((i + 1))
    alive $HOLDER && [ $i -lt 900 ] || { cat "$WORK/clients.err" "$WORK/clients.out" >&2; fail "the 1,000 clients did not register"; }
    sleep 0.1
done
# One more client has typed half a line when the restart comes.
python3 - "$PORT" "$WORK/half" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"HELLO halfway\n")
buf = b""
while b"WELCOME" not in buf:
    buf += s.recv(4096)
s.sendall(b"SAYID half1 typed before")
open(sys.argv[2] + ".sent", "w").close()
while True:
    import os
    if os.path.exists(sys.argv[2] + ".go"):
        break
    time.sleep(0.05)
s.sendall(b" the restart, finished after it\n")
s.settimeout(10)
while b"ACK half1" not in buf:
    d = s.recv(4096)
    if not d:
        break
    buf += d
open(sys.argv[2], "wb").write(buf)
PY
HALF=$!
PIDS="$PIDS $HALF"
i=0
until [ -f "$WORK/half.sent" ]; do i=$((i + 1)); [ $i -lt 100 ] || fail "the half-line client did not start"; sleep 0.1; done
sleep 2 # messages flow before the restart

$SERVER $ARGS --take-over --log "$WORK/b.log" >"$WORK/b.out" 2>&1 &
B=$!
PIDS="$PIDS $B"
wait_for "$WORK/b.log" " resumed " 30
i=0
while alive $A; do
    i=$((i + 1))
    [ $i -lt 100 ] || fail "server A did not exit after handing over"
    sleep 0.1
done
wait $A || fail "server A exited with $?"
grep -q " handover clients=1001 " "$WORK/a.log" || { tail -n 5 "$WORK/a.log" >&2; fail "A did not hand over 1,001 clients"; }
grep -q " resumed clients=1001 registered=1001 " "$WORK/b.log" || { tail -n 5 "$WORK/b.log" >&2; fail "B did not resume 1,001 registered clients"; }
grep -q " listen .*inherited=1" "$WORK/b.log" || fail "B did not take A's listening socket"
touch "$WORK/half.go"
sleep 3 # messages flow after the restart
out=$(printf '%s\n' "served by the new process" | timeout 10 "$CLI" 127.0.0.1 "$PORT" --nick newcomer --history 0 2>&1) ||
    fail "a new client was not served after the take-over: $out"
echo "$out" | grep -q "ack cid=" || fail "a new client's message was not acknowledged: $out"
touch "$WORK/stop"
wait $HOLDER || { cat "$WORK/clients.err" >&2; cat "$WORK/report.json" >&2; fail "the clients noticed the restart (report above)"; }
wait $HALF || fail "the half-line client failed"
grep -q "ACK half1" "$WORK/half" || fail "the line begun before the restart was not acknowledged after it"
# A hands over; it must not have ended any plain client itself.
! grep " disconnect " "$WORK/a.log" | head -3 | grep . >&2 || fail "server A disconnected clients (above)"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("ok: %(clients)d clients, %(disconnects)d disconnects, %(acked)d of %(sent)d messages acknowledged, each once in the history" % r)' "$WORK/report.json"
kill $B
wait $B || true

# --- 2. TLS clients get BYE ---------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 \
    -subj /CN=localhost >/dev/null 2>&1 || fail "openssl could not make a certificate"
PORT=$(free_port)
TARGS="--listen 127.0.0.1:$PORT --db $WORK/tls.db --admin-socket $WORK/tadmin.sock --tls-cert $WORK/cert.pem --tls-key $WORK/key.pem"
$SERVER $TARGS --log "$WORK/ta.log" >"$WORK/ta.out" 2>&1 &
A=$!
PIDS="$PIDS $A"
wait_for "$WORK/ta.log" " listen " 10
python3 - "$PORT" "$WORK/tls" <<'PY' &
import socket, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
s.sendall(b"HELLO tlsclient\n")
buf = b""
s.settimeout(30)
try:
    while True:
        d = s.recv(4096)
        if not d:
            break
        buf += d
        if b"WELCOME" in buf:
            open(sys.argv[2] + ".ready", "w").close()
except (OSError, ssl.SSLError):
    pass
open(sys.argv[2], "wb").write(buf)
PY
TLSC=$!
PIDS="$PIDS $TLSC"
i=0
until [ -f "$WORK/tls.ready" ]; do i=$((i + 1)); [ $i -lt 100 ] || fail "the TLS client did not register"; sleep 0.1; done
$SERVER $TARGS --take-over --log "$WORK/tb.log" >"$WORK/tb.out" 2>&1 &
B=$!
PIDS="$PIDS $B"
wait $TLSC || true
grep -q "BYE server restarting" "$WORK/tls" || { cat "$WORK/tls" >&2; fail "the TLS client was not told the server is restarting"; }
wait_for "$WORK/tb.log" " listen .*tls=1" 10
python3 - "$PORT" <<'PY' || fail "the new process does not serve TLS clients"
import socket, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10))
s.sendall(b"HELLO tlsagain\n")
buf = b""
while b"WELCOME" not in buf:
    d = s.recv(4096)
    if not d:
        sys.exit(1)
    buf += d
PY
echo "ok: the TLS client got 'BYE server restarting'; the new process serves TLS"
echo "PASS: a take-over kept 1,001 plain clients connected and every acknowledged message once"
