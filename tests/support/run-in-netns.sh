#!/bin/sh
# Runs a test program inside a fresh, private network namespace with only a
# loopback interface, so it may add nftables rules that drop traffic without
# touching the host. Needs root or unprivileged user namespaces.
# Exit 77 (CTest skip) with a reason when neither is available, except in CI
# (CI=true), where every test must run and a missing capability is a failure.
set -u
missing() {
    echo "SKIP: $*" >&2
    if [ "${CI:-}" = "true" ]; then
        echo "CI=true: refusing to skip; install the missing pieces in .ci/run" >&2
        exit 1
    fi
    exit 77
}
for tool in ip nft unshare; do
    command -v "$tool" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin"
    command -v "$tool" >/dev/null 2>&1 || missing "'$tool' not found (install iproute2, nftables, util-linux)"
done
inner='ip link set lo up && exec "$@"'
if [ "$(id -u)" = 0 ]; then
    exec unshare --net sh -c "$inner" sh "$@"
fi
if unshare -rn true >/dev/null 2>&1; then
    exec unshare -rn sh -c "$inner" sh "$@"
fi
missing "needs root, or unprivileged user namespaces (unshare -rn), to make a private network namespace"
