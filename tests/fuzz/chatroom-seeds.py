#!/usr/bin/env python3
"""Writes seed scripts for tests/fuzz/fuzz_chatroom from docs/protocol.md.

A script is one byte of server choice (bit 0: password), then records of
<participant> <length> <bytes>. The seeds replay the documented session
(the '>' lines) as one client while a second one registers and chats and a
third takes the second one's session over, with and without a password.
"""
import pathlib
import sys

doc, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
typed = [l[2:].encode() + b"\n" for l in doc.read_text().splitlines() if l.startswith("> ")]


def record(who, data):
    return bytes([who, len(data)]) + data


for password in (0, 1):
    script = bytes([password | 0x40])
    login = [b"PASS s3cret\n"] if password else []
    for line in login + [b"HELLO bob\n", b"SAY hi alice\n"]:
        script += record(1, line)
    for line in login + typed:
        script += record(0, line[:255])
    # Participant 2 takes bob's nick over with his session key (op 2 * 3 + 2,
    # length 1 names participant 1), then speaks.
    for line in login:
        script += record(2, line)
    script += record(2 * 3 + 2, b"x")
    script += record(2, b"SAY it is me again\n")
    script += record(1, b"QUIT later\n")
    (out / f"session-{password}").write_bytes(script)
