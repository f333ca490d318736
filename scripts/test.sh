#!/bin/sh
# The whole test suite from a fresh Debian 12 machine: installs what is
# needed, builds, and runs every test (unit, integration, gui, lab) with CTest.
# The namespace and NAT tests need root (they run `unshare`, `ip netns` and
# nftables); as a normal user they skip with a message saying so.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "${SKIP_DEPS:-0}" != 1 ]; then
    "$ROOT/scripts/install-deps.sh"
fi
"$ROOT/scripts/build.sh"
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
cd "$BUILD_DIR"
# Tests run one at a time: several measure timing against short budgets, and
# the machine may have only two cores.
ctest --output-on-failure --timeout 900 ${CTEST_ARGS:-}
