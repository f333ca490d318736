#!/bin/sh
# Fuzzes with libFuzzer (clang) for a bounded time: the framer and parser
# (fuzz_protocol) and the server's whole command handling (fuzz_chatroom).
# FUZZ_SECONDS (default 60) bounds each target's run; a crash fails the
# script and leaves the input that caused it in build-fuzz/.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "${SKIP_DEPS:-0}" != 1 ]; then
    "$ROOT/scripts/install-deps.sh"
fi
BUILD_DIR=$ROOT/build-fuzz
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Debug \
    -DLONGLINE_FUZZ=ON -DLONGLINE_BUILD_GUI=OFF -DLONGLINE_BUILD_TESTS=OFF
cmake --build "$BUILD_DIR" --target fuzz_protocol fuzz_chatroom --parallel "$(nproc)"
mkdir -p "$BUILD_DIR/corpus"
# Seeds: one of every message in docs/protocol.md's examples.
grep -E '^[<>] ' "$ROOT/docs/protocol.md" | cut -c3- | while IFS= read -r line; do
    printf '\001%s\n' "$line" > "$BUILD_DIR/corpus/seed-$(printf '%s' "$line" | cksum | cut -d' ' -f1)"
done
cd "$BUILD_DIR"
./tests/fuzz/fuzz_protocol -max_total_time="${FUZZ_SECONDS:-60}" -max_len=4096 -print_final_stats=1 corpus
# Seeds: the documented session as scripts of participants' lines.
python3 "$ROOT/tests/fuzz/chatroom-seeds.py" "$ROOT/docs/protocol.md" corpus-chatroom
./tests/fuzz/fuzz_chatroom -max_total_time="${FUZZ_SECONDS:-60}" -max_len=4096 -print_final_stats=1 corpus-chatroom
echo "fuzz: no crash in ${FUZZ_SECONDS:-60} s per target"
