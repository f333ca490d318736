#!/bin/sh
# Fuzzes with libFuzzer (clang) for a bounded time: the framer and parser
# (fuzz_protocol), the client's whole line handling (fuzz_chatclient) and
# the server's whole command handling (fuzz_chatroom: ChatRoom with
# scripted participants). FUZZ_SECONDS (default 180) bounds the whole run and is split evenly
# between the targets; a crash fails the script and leaves the input that
# caused it in build-fuzz/.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "${SKIP_DEPS:-0}" != 1 ]; then
    "$ROOT/scripts/install-deps.sh"
fi
TARGETS="fuzz_protocol fuzz_chatclient fuzz_chatroom"
TOTAL=${FUZZ_SECONDS:-180}
COUNT=$(echo $TARGETS | wc -w)
EACH=$((TOTAL / COUNT))
[ "$EACH" -ge 1 ] || EACH=1
BUILD_DIR=$ROOT/build-fuzz
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Debug \
    -DLONGLINE_FUZZ=ON -DLONGLINE_BUILD_GUI=OFF -DLONGLINE_BUILD_TESTS=OFF
# shellcheck disable=SC2086
cmake --build "$BUILD_DIR" --target $TARGETS --parallel "$(nproc)"

# Seeds from docs/protocol.md's examples. fuzz_protocol: one file per line
# (a leading byte picks its line limit). fuzz_chatclient: the server's side
# (`<` lines) after a WELCOME, one file per line and one with the whole
# session (a leading byte picks client options: 0 none, 1 with history).
mkdir -p "$BUILD_DIR/corpus/fuzz_protocol" "$BUILD_DIR/corpus/fuzz_chatclient"
grep -E '^[<>] ' "$ROOT/docs/protocol.md" | cut -c3- | while IFS= read -r line; do
    printf '\001%s\n' "$line" > "$BUILD_DIR/corpus/fuzz_protocol/seed-$(printf '%s' "$line" | cksum | cut -d' ' -f1)"
done
WELCOME=$(grep -E '^< WELCOME ' "$ROOT/docs/protocol.md" | head -n 1 | cut -c3-)
SESSION=$BUILD_DIR/corpus/fuzz_chatclient/seed-session
printf '\001' > "$SESSION"
grep -E '^< ' "$ROOT/docs/protocol.md" | cut -c3- >> "$SESSION"
grep -E '^< ' "$ROOT/docs/protocol.md" | cut -c3- | while IFS= read -r line; do
    printf '\000%s\n%s\n' "$WELCOME" "$line" > "$BUILD_DIR/corpus/fuzz_chatclient/seed-$(printf '%s' "$line" | cksum | cut -d' ' -f1)"
done
# fuzz_chatroom: the documented session as scripts of participants' lines.
python3 "$ROOT/tests/fuzz/chatroom-seeds.py" "$ROOT/docs/protocol.md" "$BUILD_DIR/corpus/fuzz_chatroom"

cd "$BUILD_DIR"
for target in $TARGETS; do
    # The client target runs Qt's event loop, whose lazily made globals look
    # like a leak after every input: the per-input leak check would cost two
    # thirds of the time and report nothing of ours.
    leaks=1
    [ "$target" = fuzz_chatclient ] && leaks=0
    echo "fuzz: $target for $EACH s"
    "./tests/fuzz/$target" -max_total_time="$EACH" -max_len=65536 -detect_leaks=$leaks \
        -print_final_stats=1 "corpus/$target"
done
echo "fuzz: no crash in $TOTAL s ($TARGETS)"
