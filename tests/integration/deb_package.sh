#!/bin/sh
# The Debian packages as an operator meets them. Builds the .debs with cpack
# from this build tree, checks their contents and dependencies, then boots
# systemd in a container (systemd-nspawn, private network) whose root is a
# throw-away overlay over this machine's root, so the install changes
# nothing here, and inside it:
#   apt install ./longline-server_*.deb  -> unit enabled and running (READY=1
#     reached systemd), a client chats with it, server.conf is a conffile the
#     unit really reads, man works
#   TLS, systemctl reload with a renewed certificate -> a TLS client stays,
#     a new one sees the new certificate; systemctl restart -> the TLS client
#     is told "BYE server restarting"
#   systemctl restart, then a package upgrade (reinstall), with 1,000 plain
#     clients chatting -> none disconnected,
#     every acknowledged message in the history once (the fd store hand-over)
#   apt remove                           -> service gone, history and conf kept
#   apt install again                    -> the old history is served again
#   apt purge                            -> history, conf and enable links gone
set -eu
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() {
    echo "SKIP: $*" >&2
    [ "${CI:-}" = true ] && { echo "CI=true: refusing to skip" >&2; exit 1; }
    exit 77
}
BUILD=${LONGLINE_BINARY_DIR:?}
CLI=${LONGLINE_CLI_BIN:?}
[ "$(id -u)" = 0 ] || skip "needs root to mount an overlay and boot a container"
for tool in cpack dpkg-deb systemd-nspawn nsenter appstreamcli openssl python3; do
    command -v $tool >/dev/null || skip "$tool not installed (see scripts/install-deps.sh)"
done

WORK=$(mktemp -d)
ROOT="$WORK/root"
NSPAWN=""
cleanup() {
    if [ -n "$NSPAWN" ]; then
        kill "$NSPAWN" 2>/dev/null || true
        i=0
        while kill -0 "$NSPAWN" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
        kill -9 "$NSPAWN" 2>/dev/null || true
    fi
    umount "$ROOT" 2>/dev/null || umount -l "$ROOT" 2>/dev/null || true
    umount "$WORK/layer" 2>/dev/null || umount -l "$WORK/layer" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# --- 1. Build the packages -------------------------------------------------
mkdir -p "$WORK/debs"
cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$WORK/debs" >"$WORK/cpack.log" 2>&1 ||
    { cat "$WORK/cpack.log" >&2; fail "cpack -G DEB failed"; }
VERSION=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$BUILD/CPackConfig.cmake")
ARCH=$(dpkg --print-architecture)
SERVER_DEB="$WORK/debs/longline-server_${VERSION}_${ARCH}.deb"
CLIENT_DEB="$WORK/debs/longline_${VERSION}_${ARCH}.deb"
LAB_DEB="$WORK/debs/longline-lab_${VERSION}_all.deb"
for deb in "$SERVER_DEB" "$CLIENT_DEB" "$LAB_DEB"; do
    [ -f "$deb" ] || { ls "$WORK/debs" >&2; fail "cpack did not make $(basename "$deb")"; }
done

has_file() { dpkg-deb -c "$1" | awk '{print $6}' | grep -qx "./$2" || fail "$(basename "$1") lacks /$2"; }
depends_on() { dpkg-deb -f "$1" Depends | tr ',' '\n' | grep -q "^ *$2\b" || fail "$(basename "$1") does not depend on $2: $(dpkg-deb -f "$1" Depends)"; }
has_file "$SERVER_DEB" usr/bin/longline-server
has_file "$SERVER_DEB" usr/lib/systemd/system/longline-server.service
has_file "$SERVER_DEB" etc/longline/server.conf
has_file "$SERVER_DEB" usr/share/man/man1/longline-server.1.gz
depends_on "$SERVER_DEB" libqt6core6
depends_on "$SERVER_DEB" libqt6sql6
depends_on "$SERVER_DEB" libqt6sql6-sqlite
! dpkg-deb -f "$SERVER_DEB" Depends | grep -q -e libqt6gui -e libqt6widgets || fail "the server package pulls in Qt Gui"
dpkg-deb -e "$SERVER_DEB" "$WORK/control"
grep -qx /etc/longline/server.conf "$WORK/control/conffiles" || fail "server.conf is not a conffile"
for script in postinst prerm postrm; do
    [ -x "$WORK/control/$script" ] || fail "the server package has no executable $script"
done
grep -q ExecStart=/usr/bin/longline-server "$(dpkg-deb -x "$SERVER_DEB" "$WORK/x" && echo "$WORK/x/usr/lib/systemd/system/longline-server.service")" ||
    fail "the packaged unit does not run /usr/bin/longline-server"

for f in usr/bin/longline-cli usr/share/man/man1/longline-cli.1.gz usr/share/applications/longline.desktop \
    usr/share/icons/hicolor/scalable/apps/longline.svg usr/share/icons/hicolor/48x48/apps/longline.png \
    usr/share/metainfo/org.longline.Longline.metainfo.xml; do
    has_file "$CLIENT_DEB" "$f"
done
depends_on "$CLIENT_DEB" libqt6network6
if [ -f "$BUILD/app/longline" ]; then
    has_file "$CLIENT_DEB" usr/bin/longline
    has_file "$CLIENT_DEB" usr/share/man/man1/longline.1.gz
    depends_on "$CLIENT_DEB" libqt6widgets6
    depends_on "$CLIENT_DEB" qt6-qpa-plugins
fi
dpkg-deb -x "$CLIENT_DEB" "$WORK/client"
appstreamcli validate --no-net "$WORK/client/usr/share/metainfo/org.longline.Longline.metainfo.xml" >"$WORK/as.log" 2>&1 ||
    { cat "$WORK/as.log" >&2; fail "appstreamcli validate rejects the metainfo"; }
has_file "$LAB_DEB" usr/bin/longline-lab
has_file "$LAB_DEB" usr/share/man/man1/longline-lab.1.gz
depends_on "$LAB_DEB" python3
depends_on "$LAB_DEB" nftables
depends_on "$LAB_DEB" longline-server
echo "ok: three packages with their files, dependencies, conffile and maintainer scripts"

# --- 2. A container on a copy-on-write view of this machine ----------------
# The upper layer is a tmpfs: overlayfs refuses an upper directory on the
# filesystem it overlays. The host's / has no Longline installed.
mkdir -p "$WORK/layer" "$ROOT"
mount -t tmpfs -o mode=0755 tmpfs "$WORK/layer"
mkdir "$WORK/layer/upper" "$WORK/layer/work"
mount -t overlay overlay -o "lowerdir=/,upperdir=$WORK/layer/upper,workdir=$WORK/layer/work" "$ROOT" ||
    skip "cannot mount an overlay over / here"
[ ! -e "$ROOT/usr/bin/longline-server" ] || skip "longline-server is installed on this machine: not a fresh system"
cp "$SERVER_DEB" "$CLIENT_DEB" "$LAB_DEB" "$ROOT/root/"
# Container images ship a policy-rc.d that forbids starting services from
# maintainer scripts (deb-systemd-invoke obeys it); an installed Debian has
# none, so the copy the container sees has none either.
rm -f "$ROOT/usr/sbin/policy-rc.d"
systemd-nspawn -q -D "$ROOT" --register=no --keep-unit --private-network --console=pipe -b \
    >"$WORK/nspawn.log" 2>&1 </dev/null &
NSPAWN=$!
# The container's PID 1: the child of systemd-nspawn once it runs systemd
# (before that the child is nspawn's own helper).
LEADER=""
i=0
until [ -n "$LEADER" ] && [ "$(cat "/proc/$LEADER/comm" 2>/dev/null)" = systemd ]; do
    i=$((i + 1))
    [ $i -lt 200 ] && kill -0 "$NSPAWN" 2>/dev/null || { cat "$WORK/nspawn.log" >&2; fail "the container did not start"; }
    sleep 0.1
    LEADER=$(pgrep -P "$NSPAWN" | head -1 || true)
done
inside() { nsenter -t "$LEADER" -a -- "$@"; }
# Until systemd's bus is up `is-system-running` fails at once; then --wait
# blocks until the boot is done.
i=0
until state=$(inside systemctl is-system-running --wait 2>&1); [ "$state" = running ] || [ "$state" = degraded ]; do
    i=$((i + 1))
    [ $i -lt 300 ] || { cat "$WORK/nspawn.log" >&2; fail "systemd in the container did not finish booting: $state"; }
    sleep 0.2
done

wait_listening() { # PORT: the service is up when its port listens
    i=0
    until inside ss -ltnH "sport = :$1" | grep -q LISTEN; do
        i=$((i + 1))
        [ $i -lt 100 ] || { inside journalctl -u longline-server --no-pager >&2 || true; fail "nothing listens on port $1"; }
        sleep 0.1
    done
}
chat() { # PORT NICK LINE...: sends the lines with longline-cli inside the container
    port=$1 nick=$2
    shift 2
    printf '%s\n' "$@" | inside timeout 10 "$CLI" 127.0.0.1 "$port" --nick "$nick" --history 500 2>&1
}
apt_get() { inside env DEBIAN_FRONTEND=noninteractive apt-get -y -q "$@" >"$WORK/apt.log" 2>&1 || { cat "$WORK/apt.log" >&2; fail "apt-get $*"; }; }

# --- 3. Install: enabled, started, serving, configured by the conffile -----
DEB_IN_CT="/root/$(basename "$SERVER_DEB")"
apt_get install "$DEB_IN_CT"
[ "$(inside systemctl is-enabled longline-server.service)" = enabled ] || fail "the unit is not enabled after install"
[ "$(inside systemctl is-active longline-server.service)" = active ] || {
    inside systemctl status --no-pager longline-server.service >&2 || true
    inside journalctl -b --no-pager -u longline-server.service >&2 || true
    fail "the unit is not running after install"
}
# Type=notify: the start job (run by postinst) ended on the server's READY=1,
# so the port listens already, and systemd shows the server's STATUS= line.
inside ss -ltnH "sport = :9999" | grep -q LISTEN || fail "systemd called the service started before it listened"
status=$(inside systemctl show -P StatusText longline-server.service)
echo "$status" | grep -Eq '^(Listening on|Serving [0-9]+ clients on) 0\.0\.0\.0:9999' ||
    fail "systemd has no READY/STATUS from the server: '$status'"
out=$(chat 9999 pkgtest "first message from the package test") || fail "the client failed: $out"
echo "$out" | grep -q "ack cid=.* seq=1" || fail "the packaged server did not acknowledge: $out"
# The journal has each event's fields; the admin socket answers status in
# /run/longline; systemctl reload re-reads the configuration in place.
inside journalctl -b --no-pager -u longline-server.service -o json LONGLINE_EVENT=hello |
    grep -q '"NICK":"pkgtest"' || fail "the journal has no NICK field for the hello"
inside longline-server status | head -1 | grep -Eq '^[0-9]+ clients on 0\.0\.0\.0:9999' ||
    fail "longline-server status did not answer through /run/longline/admin.sock"
pid_before=$(inside systemctl show -P MainPID longline-server.service) || fail "no MainPID"
inside systemctl reload longline-server.service || {
    inside journalctl -b --no-pager -u longline-server.service | tail -n 20 >&2 || true
    fail "systemctl reload failed"
}
inside journalctl -b --no-pager -u longline-server.service LONGLINE_EVENT=reload | grep -q ' reload ' ||
    fail "systemctl reload did not reach the server"
[ "$(inside systemctl show -P MainPID longline-server.service)" = "$pid_before" ] ||
    fail "systemctl reload restarted the server"
user=$(inside ps -o user= -C longline-server | head -1)
[ -n "$user" ] && [ "$user" != root ] || fail "the service runs as '$user', not a dynamic user"
inside test -s /var/lib/longline/history.db || fail "no history in /var/lib/longline"
inside dpkg-query -W -f='${Conffiles}\n' longline-server | grep -q /etc/longline/server.conf ||
    fail "dpkg does not list server.conf as a conffile"
inside grep -q '^#heartbeat = 15,10$' /etc/longline/server.conf || fail "server.conf is not the commented default"
[ "$(inside man -w longline-server)" = /usr/share/man/man1/longline-server.1.gz ] || fail "man -w longline-server"
inside man longline-server 2>/dev/null | grep -q 'check-config' || fail "man longline-server does not render"
# The unit reads the file: move the port there and restart.
inside sh -c 'echo "listen = 127.0.0.1:9998" >> /etc/longline/server.conf'
inside longline-server --check-config | grep -q '^listen = 127.0.0.1:9998 .*# /etc/longline/server.conf:' ||
    fail "--check-config does not show the file's setting"
inside systemctl restart longline-server.service
wait_listening 9998
echo "ok: installed, enabled, started as $user, chatted, journal fields, status over the admin socket, reloaded in place, configured through /etc/longline/server.conf, man page found"

# --- 3b. A renewed certificate by reload; a restart keeps plain clients ------
# TLS on 9998: a TLS client connected before `systemctl reload` stays
# connected and chats; a new one sees the renewed certificate; then a restart
# tells the TLS client "BYE server restarting".
HERE=$(cd "$(dirname "$0")" && pwd)
new_cert() {
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$ROOT/etc/longline/key.pem" \
        -out "$ROOT/etc/longline/cert.pem" -days 2 -subj "/CN=$1" >/dev/null 2>&1 || fail "openssl req"
    chmod 0644 "$ROOT/etc/longline/key.pem" "$ROOT/etc/longline/cert.pem"
}
fingerprint() { # the certificate a new TLS client is shown on 9998
    inside python3 -c 'import socket,ssl,hashlib
c=ssl.create_default_context(); c.check_hostname=False; c.verify_mode=ssl.CERT_NONE
s=c.wrap_socket(socket.create_connection(("127.0.0.1",9998),timeout=10))
print(hashlib.sha256(s.getpeercert(True)).hexdigest())'
}
new_cert first
inside sh -c 'printf "tls-cert = /etc/longline/cert.pem\ntls-key = /etc/longline/key.pem\n" >> /etc/longline/server.conf'
inside systemctl restart longline-server.service
wait_listening 9998
fp_before=$(fingerprint) || fail "no TLS on 9998 after configuring it"
mkdir -p "$ROOT/root/rc"
inside python3 - <<'PY' >"$WORK/tls-holder.log" 2>&1 &
import os, socket, ssl, time
c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
s = c.wrap_socket(socket.create_connection(("127.0.0.1", 9998), timeout=60))
s.sendall(b"HELLO tlsholder\n")
buf = b""
def wait_for(what, events=()):
    global buf
    while what not in buf:
        d = s.recv(4096)
        if not d:
            raise SystemExit("closed before " + what.decode() + ": " + buf.decode(errors="replace")[-300:])
        buf += d
        if b"PING " in d:
            for line in d.split(b"\n"):
                if line.startswith(b"PING "):
                    s.sendall(b"PONG " + line[5:] + b"\n")
wait_for(b"WELCOME")
open("/root/rc/tls.ready", "w").close()
while not os.path.exists("/root/rc/tls.go"):
    s.settimeout(0.1)
    try:
        d = s.recv(4096)
        if not d:
            raise SystemExit("the reload closed the TLS connection")
        buf += d
    except socket.timeout:
        pass
s.settimeout(60)
s.sendall(b"SAYID tls1 still here after the reload\n")
wait_for(b"ACK tls1")
open("/root/rc/tls.acked", "w").close()
wait_for(b"BYE")
print("BYE line:", [l for l in buf.split(b"\n") if l.startswith(b"BYE")][0].decode())
PY
TLSHOLDER=$!
i=0
until [ -f "$ROOT/root/rc/tls.ready" ]; do
    i=$((i + 1)); [ $i -lt 100 ] && kill -0 $TLSHOLDER 2>/dev/null || { cat "$WORK/tls-holder.log" >&2; fail "the TLS client did not register"; }
    sleep 0.1
done
new_cert renewed
pid_before=$(inside systemctl show -P MainPID longline-server.service)
inside systemctl reload longline-server.service || fail "systemctl reload with a renewed certificate failed"
[ "$(inside systemctl show -P MainPID longline-server.service)" = "$pid_before" ] || fail "the reload restarted the server"
fp_after=$(fingerprint) || fail "no TLS after the reload"
[ "$fp_after" != "$fp_before" ] || fail "a new TLS client still sees the old certificate after the reload"
touch "$ROOT/root/rc/tls.go"
i=0
until [ -f "$ROOT/root/rc/tls.acked" ]; do
    i=$((i + 1)); [ $i -lt 100 ] && kill -0 $TLSHOLDER 2>/dev/null || { cat "$WORK/tls-holder.log" >&2; fail "the TLS client connected before the reload could not chat after it"; }
    sleep 0.1
done
inside systemctl restart longline-server.service
wait $TLSHOLDER || { cat "$WORK/tls-holder.log" >&2; fail "the TLS client did not get a BYE at the restart"; }
grep -q "BYE line: BYE server restarting" "$WORK/tls-holder.log" || { cat "$WORK/tls-holder.log" >&2; fail "the TLS client was not told the server is restarting"; }
echo "ok: reload with a renewed certificate kept the TLS client, a new one saw the new certificate; restart told TLS clients 'BYE server restarting'"

# Plain again on 9998: 1,000 clients chat across `systemctl restart`.
# (systemd refuses a sixth start within 10 s, StartLimitBurst; this test
# restarts faster than any operator would, so it resets the count.)
inside systemctl reset-failed longline-server.service
inside sed -i '/^tls-/d' /etc/longline/server.conf
rm -f "$ROOT/etc/longline/key.pem" "$ROOT/etc/longline/cert.pem"
inside systemctl restart longline-server.service
wait_listening 9998
inside python3 "$HERE/restart_clients.py" --port 9998 --clients 1000 --rate 20 \
    --ready-file /root/rc/ready --stop-file /root/rc/stop --report /root/rc/report.json \
    >"$WORK/clients.out" 2>"$WORK/clients.err" &
HOLDER=$!
i=0
until [ -f "$ROOT/root/rc/ready" ]; do
    i=$((i + 1)); [ $i -lt 900 ] && kill -0 $HOLDER 2>/dev/null || { cat "$WORK/clients.err" >&2; fail "the 1,000 clients did not register"; }
    sleep 0.1
done
sleep 2
pid_before=$(inside systemctl show -P MainPID longline-server.service)
inside systemctl reset-failed longline-server.service
inside systemctl restart longline-server.service || fail "systemctl restart failed"
pid_after=$(inside systemctl show -P MainPID longline-server.service)
[ "$pid_after" != "$pid_before" ] || fail "systemctl restart did not start a new process"
sleep 3
# A package upgrade restarts the service the same way (postinst).
inside systemctl reset-failed longline-server.service
apt_get install --reinstall "$DEB_IN_CT"
[ "$(inside systemctl show -P MainPID longline-server.service)" != "$pid_after" ] ||
    fail "reinstalling the package did not restart the server"
sleep 3
touch "$ROOT/root/rc/stop"
wait $HOLDER || { cat "$WORK/clients.err" >&2; cat "$ROOT/root/rc/report.json" >&2; inside journalctl -b --no-pager -u longline-server.service | grep -E "handover|resumed|fatal" >&2 || true; fail "clients noticed the restart (report above)"; }
[ "$(inside journalctl -b --no-pager -u longline-server.service LONGLINE_EVENT=handover | grep -c "handover clients=1000 ")" = 2 ] ||
    fail "the journal does not show two hand-overs of 1,000 clients (restart, upgrade)"
[ "$(inside journalctl -b --no-pager -u longline-server.service LONGLINE_EVENT=resumed | grep -c "resumed clients=1000 registered=1000 ")" = 2 ] ||
    fail "the journal does not show two resumptions of 1,000 registered clients"
inside journalctl -b --no-pager -o cat -u longline-server.service | grep -E "(handover|inherited=1|resumed) " | tail -n 3
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("ok: systemctl restart and a package upgrade with %(clients)d plain clients: %(disconnects)d disconnects, %(acked)d of %(sent)d messages acknowledged, each once in the history" % r)' "$ROOT/root/rc/report.json"

# --- 4. Remove keeps the history and the configuration ---------------------
apt_get remove longline-server
! inside systemctl is-active --quiet longline-server.service || fail "the service still runs after remove"
! inside test -e /usr/bin/longline-server || fail "the binary is still there after remove"
inside test -s /var/lib/private/longline/history.db || fail "remove deleted the history"
inside grep -q '^listen = 127.0.0.1:9998$' /etc/longline/server.conf || fail "remove lost the edited server.conf"
apt_get install "$DEB_IN_CT"
wait_listening 9998
out=$(chat 9998 pkgtest2 "after the reinstall")
echo "$out" | grep -q "first message from the package test" || fail "the history did not survive remove and reinstall: $out"
# The new message follows the newest one kept (seq counts on, not from 1):
# WELCOME says the newest; the history shown may still be arriving.
newest=$(echo "$out" | sed -n 's/.* welcome .* seq=\([0-9]*\) .*/\1/p' | head -1)
acked=$(echo "$out" | sed -n 's/.* ack cid=.* seq=\([0-9]*\).*/\1/p' | head -1)
[ -n "$newest" ] && [ -n "$acked" ] && [ "$acked" -eq $((newest + 1)) ] ||
    fail "sequence numbers restarted after reinstall (newest kept: $newest, new: $acked): $out"
echo "ok: remove stopped the service and kept the history and server.conf; a reinstall serves them"

# --- 5. Purge deletes them -------------------------------------------------
apt_get purge longline-server
for gone in /var/lib/longline /var/lib/private/longline /etc/longline \
    /etc/systemd/system/multi-user.target.wants/longline-server.service; do
    ! inside test -e "$gone" -o -L "$gone" || fail "$gone is still there after purge"
done
inside dpkg-query -W longline-server >/dev/null 2>&1 && fail "dpkg still knows longline-server after purge"
echo "ok: purge deleted the history, server.conf and the unit's enable link"

# --- 6. All three packages install together, with their man pages ---------
# The lab drives the server and the clients, so it needs all three packages.
apt_get install "$DEB_IN_CT" "/root/$(basename "$CLIENT_DEB")" "/root/$(basename "$LAB_DEB")"
for page in longline longline-cli longline-lab; do
    [ "$(inside man -w $page)" = /usr/share/man/man1/$page.1.gz ] || fail "man -w $page"
done
if [ -f "$BUILD/app/longline" ]; then
    inside env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM longline --help | grep -q -- --nick ||
        fail "the installed longline --help needs a display"
fi
inside longline-lab --help | grep -q scenarios || fail "the installed longline-lab does not run"
echo "PASS: built, installed, served, configured, removed with history kept, purged with history gone; clients and lab installed"
