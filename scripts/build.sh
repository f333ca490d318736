#!/bin/sh
# Configures and builds Longline into ./build (or $BUILD_DIR).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} -DLONGLINE_WERROR=ON ${CMAKE_EXTRA:-}
cmake --build "$BUILD_DIR" --parallel "$(nproc)"
