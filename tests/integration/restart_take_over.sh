#!/bin/sh
# A restart without systemd that keeps the clients: `longline-server
# --take-over` takes the listening socket and every plain-TCP client from the
# running server (SCM_RIGHTS over a Unix socket), which then exits.
#   1. 1,000 plain clients registered with server A keep chatting (20 tagged
#      messages a second) while B takes over; none sees a disconnect, every
#      message sent is acknowledged, and every acknowledged one is in the
#      history exactly once, and every client's MSGs run without a gap or a
#      repeat; a client with half a line typed finishes it on B; a HISTORY
#      answer paced to a slow reader is finished by B;
#      A exits, B logs how many it resumed, a new client is served by B.
#      A take-over that fails first (the new process has too few
#      descriptors) leaves A serving them all.
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
# --max-output 64 KiB: a HISTORY answer goes out in 16 KiB slices.
ARGS="--listen 127.0.0.1:$PORT --db $WORK/history.db --admin-socket $WORK/admin.sock --heartbeat 3,3 --max-clients 2000 --max-output 65536"
$SERVER $ARGS --log "$WORK/a.log" >"$WORK/a.out" 2>&1 &
A=$!
PIDS="$PIDS $A"
wait_for "$WORK/a.log" " listen " 10
python3 "$HERE/restart_clients.py" --port "$PORT" --clients 1000 --rate 20 --burst \
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
# One more client has typed half a line when the restart comes; it answers
# heartbeats all the while.
python3 - "$PORT" "$WORK/half" <<'PY' &
import os, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"HELLO halfway\n")
buf = b""
def pump(timeout):
    global buf
    s.settimeout(timeout)
    try:
        d = s.recv(65536)
    except socket.timeout:
        return True
    if not d:
        return False
    buf += d
    for line in d.split(b"\n"):
        if line.startswith(b"PING "):
            s.sendall(b"PONG " + line[5:] + b"\n")
    return True
while b"WELCOME" not in buf:
    pump(5)
s.sendall(b"SAYID half1 typed before")
open(sys.argv[2] + ".sent", "w").close()
while not os.path.exists(sys.argv[2] + ".go"):
    if not pump(0.05):
        sys.exit("closed before the line was finished")
s.sendall(b" the restart, finished after it\n")
deadline = time.time() + 10
while b"ACK half1" not in buf and time.time() < deadline:
    if not pump(0.2):
        break
open(sys.argv[2], "wb").write(buf)
PY
HALF=$!
PIDS="$PIDS $HALF"
i=0
until [ -f "$WORK/half.sent" ]; do i=$((i + 1)); [ $i -lt 100 ] || fail "the half-line client did not start"; sleep 0.1; done
# A slow reader asks for the history (the 1,000 burst messages: 500 in
# the answer) and takes the first bytes only, so the answer is still being
# sent, slice by slice, when the restart comes; after it, it reads on.
python3 - "$PORT" "$WORK/reader" <<'PY' &
import os, socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"HELLO reader\n")
buf = b""
while b"WELCOME" not in buf:
    buf += s.recv(4096)
s.sendall(b"HISTORY 0\n")
buf += s.recv(1000)
open(sys.argv[2] + ".waiting", "w").close()
while not os.path.exists(sys.argv[2] + ".go"):
    time.sleep(0.05)
s.settimeout(15)
try:
    while b"HISTEND" not in buf:
        d = s.recv(65536)
        if not d:
            break
        buf += d
        for line in d.split(b"\n"):
            if line.startswith(b"PING "):
                s.sendall(b"PONG " + line[5:] + b"\n")
except socket.timeout:
    pass
seqs = [int(l.split(b" ")[1]) for l in buf.split(b"\n") if l.startswith(b"HIST ")]
end = [l for l in buf.split(b"\n") if l.startswith(b"HISTEND")]
print(f"{len(seqs)} HIST lines, {end[0].decode() if end else 'no HISTEND'}")
ok = end and len(seqs) == 500 and seqs == list(range(seqs[0], seqs[0] + 500))
sys.exit(0 if ok else 1)
PY
READER=$!
PIDS="$PIDS $READER"
i=0
until [ -f "$WORK/reader.waiting" ]; do i=$((i + 1)); [ $i -lt 100 ] || fail "the history reader did not start"; sleep 0.1; done
sleep 2 # messages flow before the restart

# A take-over that cannot take them all (the new process may hold 300
# descriptors): it gives up, and A serves on, its clients none the wiser.
(ulimit -n 300 && exec $SERVER $ARGS --take-over --log "$WORK/failed.log") >"$WORK/failed.out" 2>&1 &&
    fail "a take-over with room for 300 descriptors took 1,002 clients"
grep -q "lost in transit" "$WORK/failed.log" || { cat "$WORK/failed.log" >&2; fail "the failed take-over does not say why"; }
wait_for "$WORK/a.log" " handover_failed .*then=keep_serving" 15
wait_for "$WORK/a.log" " resumed clients=1002 registered=1002 " 5
alive $A || fail "A stopped after a failed take-over"
$SERVER status --admin-socket "$WORK/admin.sock" | grep -q "^1002 clients" ||
    fail "A does not answer on its admin socket after a failed take-over"
echo "ok: a take-over that failed left A serving its 1,002 clients"
sleep 1

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
grep -q " handover clients=1002 " "$WORK/a.log" || { tail -n 5 "$WORK/a.log" >&2; fail "A did not hand over 1,002 clients"; }
grep -q " resumed clients=1002 registered=1002 " "$WORK/b.log" || { tail -n 5 "$WORK/b.log" >&2; fail "B did not resume 1,002 registered clients"; }
grep -q " listen .*inherited=1" "$WORK/b.log" || fail "B did not take A's listening socket"
# The old process was still sending the history answer when it handed over.
touch "$WORK/half.go" "$WORK/reader.go"
sleep 3 # messages flow after the restart
out=$(printf '%s\n' "served by the new process" | timeout 10 "$CLI" 127.0.0.1 "$PORT" --nick newcomer --history 0 2>&1) ||
    fail "a new client was not served after the take-over: $out"
echo "$out" | grep -q "ack cid=" || fail "a new client's message was not acknowledged: $out"
touch "$WORK/stop"
wait $HOLDER || { cat "$WORK/clients.err" >&2; cat "$WORK/report.json" >&2; fail "the clients noticed the restart (report above)"; }
wait $HALF || fail "the half-line client failed"
grep -q "ACK half1" "$WORK/half" || fail "the line begun before the restart was not acknowledged after it"
wait $READER || fail "the HISTORY answer begun before the restart was not finished after it"
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
echo "PASS: a take-over kept 1,002 plain clients connected, their messages, their unfinished line and a history answer in progress"
