#!/bin/sh
# Checks the installed systemd unit: `cmake --install` puts it where systemd
# looks, systemd-analyze accepts it, and its ExecStart line, run the way the
# unit runs it (an unprivileged user, STATE_DIRECTORY set, nothing else
# writable), starts a server that a real client chats with.
# (Starting it under a real systemd needs systemd as PID 1, which a CI
# container does not have; docs/operations.md is the manual check.)
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
ARGS=$(echo "${EXEC#* }" | sed "s#\${STATE_DIRECTORY}#$STATE#g")
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
echo "PASS: unit installed, verified, and its ExecStart serves a client as an unprivileged user"
