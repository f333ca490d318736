#!/bin/sh
# The whole suite again, built with AddressSanitizer and UndefinedBehaviorSanitizer.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "${SKIP_DEPS:-0}" != 1 ]; then
    "$ROOT/scripts/install-deps.sh"
fi
export BUILD_DIR=$ROOT/build-asan BUILD_TYPE=Debug CMAKE_EXTRA="-DLONGLINE_SANITIZE=ON"
# Qt's own (uninstrumented) allocations are not ours to report; real leaks in
# our code are still found by the ASan build of the fuzzer.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
SKIP_DEPS=1 "$ROOT/scripts/test.sh"
