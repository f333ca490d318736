#!/bin/sh
# Checks the installed systemd unit: `cmake --install` puts it where systemd
# looks, systemd-analyze accepts it, its ExecStart line run as an unprivileged
# user serves a client, and finally a real systemd, booted in a container
# (systemd-nspawn) on this machine's /usr and network, starts the unit as a
# dynamic user and a client outside chats with it.
set -eu
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() {
    echo "SKIP: $*" >&2
    [ "${CI:-}" = true ] && { echo "CI=true: refusing to skip" >&2; exit 1; }
    exit 77
}
BUILD=${LONGLINE_BINARY_DIR:?}
SERVER=${LONGLINE_SERVER_BIN:?}
CLI=${LONGLINE_CLI_BIN:?}
command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed (package systemd)"
[ "$(id -u)" = 0 ] || skip "needs root to run the server as an unprivileged user"
WORK=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
PID=""

DESTDIR="$WORK/root" cmake --install "$BUILD" >/dev/null
UNIT=$(find "$WORK/root" -path '*/systemd/system/longline-server.service' | head -1)
[ -n "$UNIT" ] || fail "cmake --install did not install longline-server.service"
for key in DynamicUser=yes StateDirectory=longline ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes ProtectHome=yes; do
    grep -q "^$key" "$UNIT" || fail "unit lacks $key"
done
EXEC=$(sed -n 's/^ExecStart=//p' "$UNIT")
INSTALLED_BIN=${EXEC%% *}
[ -x "$WORK/root$INSTALLED_BIN" ] || fail "ExecStart binary $INSTALLED_BIN was not installed"
# systemd-analyze checks the syntax and that ExecStart is executable: point it
# at the built binary, since nothing is installed into / by a test.
sed "s#^ExecStart=$INSTALLED_BIN#ExecStart=$SERVER#" "$UNIT" > "$WORK/longline-server.service"
systemd-analyze verify "$WORK/longline-server.service" 2>"$WORK/verify.txt" || {
    cat "$WORK/verify.txt" >&2
    grep -v -e 'sysinit.target' -e 'Failed to create' "$WORK/verify.txt" | grep -q . && fail "systemd-analyze verify"
}

# Run ExecStart as the unit would: nobody, a fresh state directory.
STATE="$WORK/state"
mkdir -p "$STATE" && chown nobody "$STATE"
chmod 755 "$WORK"
UNIT_ARGS=""
case "$EXEC" in *" "*) UNIT_ARGS=${EXEC#* } ;; esac
ARGS=$(echo "$UNIT_ARGS" | sed "s#\${STATE_DIRECTORY}#$STATE#g")
# shellcheck disable=SC2086
setpriv --reuid=nobody --regid=nogroup --clear-groups env STATE_DIRECTORY="$STATE" \
    "$SERVER" $ARGS --listen 127.0.0.1:0 >"$WORK/server.log" 2>&1 &
PID=$!
i=0
until PORT=$(grep -o ' listen .*port=[0-9]*' "$WORK/server.log" | grep -o '[0-9]*$') && [ -n "$PORT" ]; do
    i=$((i + 1)); [ $i -lt 100 ] || { cat "$WORK/server.log"; fail "server did not start as nobody"; }
    sleep 0.1
done
out=$(printf 'hello from the unit test\n' | timeout 10 "$CLI" 127.0.0.1 "$PORT" --nick unittest 2>&1) || fail "client failed: $out"
echo "$out" | grep -q "ack cid=.* seq=1" || fail "the message was not acknowledged: $out"
[ -s "$STATE/history.db" ] || fail "history.db not created in the state directory"
[ "$(stat -c %U "$STATE/history.db")" = nobody ] || fail "history.db not owned by the service user"
kill "$PID" 2>/dev/null || true
echo "ok: ExecStart serves a client as an unprivileged user"

# Finally the real thing: boot systemd in a container that shares this
# machine's /usr (read-only) and network, with the installed unit and binary
# bound in, let systemd start the unit, and chat with it from outside.
if ! command -v systemd-nspawn >/dev/null; then
    skip "systemd-nspawn not installed (package systemd-container): cannot boot the unit under systemd"
fi
NSPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# /usr is the host's, read-only: the installed binary goes in at /opt/longline.
sed "s#^ExecStart=.*#ExecStart=/opt/longline/longline-server $UNIT_ARGS --listen 127.0.0.1:$NSPORT#" "$UNIT" > "$WORK/booted.service"
systemd-nspawn -q --volatile=yes -D / --register=no --keep-unit --console=pipe \
    --bind-ro="$WORK/root$INSTALLED_BIN:/opt/longline/longline-server" \
    --bind-ro="$WORK/booted.service:/etc/systemd/system/longline-server.service" \
    -b -- systemd.wants=longline-server.service >"$WORK/nspawn.log" 2>&1 </dev/null &
NSPAWN=$!
trap 'kill $NSPAWN 2>/dev/null || true; sleep 1; kill -9 $NSPAWN 2>/dev/null || true; kill $PID 2>/dev/null || true; rm -rf "$WORK" || true' EXIT
i=0
until ss -ltn "sport = :$NSPORT" | grep -q LISTEN; do
    i=$((i + 1))
    if [ $i -gt 300 ] || ! kill -0 $NSPAWN 2>/dev/null; then
        cat "$WORK/nspawn.log" >&2
        [ "${CI:-}" = true ] && fail "systemd did not start the unit in a container"
        skip "could not boot systemd in a container here (see the log above)"
    fi
    sleep 0.1
done
out=$(printf 'hello from outside the container\n' | timeout 10 "$CLI" 127.0.0.1 "$NSPORT" --nick booted 2>&1) ||
    fail "client failed against the systemd-started server: $out"
echo "$out" | grep -q "ack cid=.* seq=1" || fail "not acknowledged by the systemd-started server: $out"
owner=$(ps -o user= -p "$(ss -ltnpH "sport = :$NSPORT" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)")
[ "$owner" != root ] || fail "the unit's server runs as root"
echo "PASS: unit installed, verified, started by systemd as user $owner, and a client chatted with it"
