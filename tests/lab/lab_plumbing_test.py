#!/usr/bin/env python3
"""lab_plumbing: longline-lab up / status / cut / restore / down.

With netcat through the lab it checks that the gateway really translates
(the server sees 203.0.113.1), that status shows the live mapping, that cut
drops silently and restore heals, that an idle mapping expires after the NAT
timeout and the next line vanishes without a reset, that `up` twice is fine,
and that `down` leaves no namespace. When the Longline programs are built it
also runs the lab's own `server` and `client` commands.

Usage: lab_plumbing_test.py PATH/TO/longline-lab
"""

import json
import os
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labtest import LabScript, LineProcess, check, fail, require_root_and_tools  # noqa: E402

NAT_TIMEOUT_S = 4
PORT = 9998  # netcat's port; the Longline server uses the lab's 9999


def mapping(lab, port):
    result = lab.run("status", "--json", quiet=True)
    if result.returncode != 0:
        fail(f"status failed: {result.stderr}")
    status = json.loads(result.stdout)
    for row in status["mappings"]:
        if row["remote"] == f"203.0.113.2:{port}":
            return status, row
    return status, None


def plumbing(lab):
    result = lab.run("up", "--nat-timeout", str(NAT_TIMEOUT_S))
    check(result.returncode == 0, "up succeeds")
    check(sorted(lab.namespaces()) == sorted(lab.prefix + r for r in ("client", "gateway", "server")),
          "up made the three namespaces")

    server = LineProcess(["ip", "netns", "exec", lab.prefix + "server", "nc", "-l", "-k", str(PORT)])
    procs = [server]
    try:
        # nc -l is ready once the socket listens; connect retries until then.
        client = None
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            client = LineProcess(["ip", "netns", "exec", lab.prefix + "client",
                                  "nc", "203.0.113.2", str(PORT)])
            procs.append(client)
            client.send("first line")
            if server.wait_for(lambda l: l == "first line", 1):
                break
            client.stop()
        check(server.has_line("first line"), "a line crosses the NAT")

        peers = subprocess.run(["ip", "netns", "exec", lab.prefix + "server", "ss", "-Htn",
                                "state", "established"], capture_output=True, text=True).stdout
        check("203.0.113.1:" in peers and "198.51.100." not in peers,
              "the server sees the gateway's address, not the client's (source NAT)")

        status, row = mapping(lab, PORT)
        print(f"  mapping: {row}", flush=True)
        check(row is not None, "status shows a mapping for the live connection")
        check(row["inside"].startswith("198.51.100.2:"), f"mapping's inside side is the client ({row['inside']})")
        check(row["state"] == "ESTABLISHED", "the mapping is ESTABLISHED")
        check(0 < row["seconds_left"] <= NAT_TIMEOUT_S, f"seconds left ({row['seconds_left']}) within the NAT timeout")
        check(status["nat_timeout_s"] == NAT_TIMEOUT_S, "status reports the NAT timeout")
        check(not status["cut"], "the path is open")
        text = lab.run("status").stdout
        check(row["inside"] in text and "203.0.113.2:%d" % PORT in text, "the status table lists it")

        result = lab.run("cut")
        check(result.returncode == 0, "cut succeeds")
        check(mapping(lab, PORT)[0]["cut"], "status says the path is cut")
        client.send("during the cut")
        check(server.wait_for(lambda l: l == "during the cut", 1.5) is None, "cut: the line does not arrive")
        check(client.alive(), "cut: the client got no reset")
        result = lab.run("restore")
        check(result.returncode == 0, "restore succeeds")
        # TCP retransmits the held line once the path is back.
        check(server.wait_for(lambda l: l == "during the cut", 8) is not None,
              "restore: the retransmitted line arrives")

        dropped_before = mapping(lab, PORT)[0]["dropped"].get("no_mapping", 0)
        # Idle past the NAT timeout: wait until the gateway forgot the mapping.
        deadline = time.monotonic() + NAT_TIMEOUT_S + 6
        while time.monotonic() < deadline and mapping(lab, PORT)[1] is not None:
            time.sleep(0.5)
        check(mapping(lab, PORT)[1] is None, "the idle mapping expired after the NAT timeout")
        client.send("after the expiry")
        check(server.wait_for(lambda l: l == "after the expiry", 3) is None,
              "after expiry: the line is lost")
        status, _ = mapping(lab, PORT)
        check(status["dropped"].get("no_mapping", 0) > dropped_before,
              "the gateway counted the silently dropped segments")
        check(client.alive() and server.alive(), "after expiry: neither side got a reset")
    finally:
        for proc in procs:
            proc.stop()


def longline_programs(lab):
    """The lab's server and client commands, when the programs are built."""
    if not (os.environ.get("LONGLINE_SERVER_BIN") and os.environ.get("LONGLINE_CLI_BIN")):
        print("note: LONGLINE_SERVER_BIN/LONGLINE_CLI_BIN not set; skipping the "
              "server/client commands", flush=True)
        if os.environ.get("CI") == "true":
            fail("CI=true: the Longline programs must be built for the lab tests")
        return
    server = LineProcess(lab.argv("server", "--heartbeat", "off"))
    client = None
    try:
        check(server.wait_for(lambda l: " listen " in l, 10) is not None, "lab server starts")
        client = LineProcess(lab.argv("client", "--events", "json", "--nick", "labtest"))
        # --events json writes to stderr, which LineProcess merges.
        check(client.wait_for(lambda l: '"welcome"' in l, 10) is not None, "lab client connects")
        _, row = mapping(lab, 9999)
        check(row is not None and row["inside"].startswith("198.51.100.2:"),
              "status shows the Longline client's mapping")
        gui_program(lab, server)
    finally:
        if client:
            client.stop()
        server.stop()


def gui_program(lab, server):
    """The lab's gui command, headless (QT_QPA_PLATFORM=offscreen from CTest)."""
    gui_bin = os.environ.get("LONGLINE_GUI_BIN")
    if not gui_bin or not os.path.exists(gui_bin):
        print("note: the desktop client is not built; skipping the gui command", flush=True)
        return
    if os.environ.get("QT_QPA_PLATFORM") != "offscreen" and not os.environ.get("DISPLAY"):
        print("note: no display and not offscreen; skipping the gui command", flush=True)
        return
    with tempfile.TemporaryDirectory() as tmp:
        # A private settings file: never touch the real user's settings.
        gui = LineProcess(lab.argv("gui", "--nick", "labgui", "--connect",
                                   "--settings-file", os.path.join(tmp, "settings.ini")))
        try:
            check(server.wait_for(lambda l: " hello " in l and "nick=labgui" in l, 15) is not None,
                  "lab gui connects through the NAT")
            check(gui.alive(), "the window is still running")
            started = gui.wait_for(lambda l: l.startswith("running in "), 1) or ""
            check(started.endswith("--keepalive off --heartbeat off --user-timeout off "
                                   f"--nat-timeout {NAT_TIMEOUT_S}"),
                  "by default the window has every liveness mechanism off and the lab's NAT "
                  "timeout")
        finally:
            gui.stop()


def main():
    if len(sys.argv) != 2:
        fail("usage: lab_plumbing_test.py PATH/TO/longline-lab")
    require_root_and_tools(["ip", "nft", "nc"])
    lab = LabScript(sys.argv[1], f"ll-t{os.getpid()}-")
    try:
        plumbing(lab)
        longline_programs(lab)

        result = lab.run("up", "--nat-timeout", str(NAT_TIMEOUT_S))
        check(result.returncode == 0 and len(lab.namespaces()) == 3, "up twice rebuilds cleanly")

        result = lab.run("down")
        check(result.returncode == 0, "down succeeds")
        check(lab.namespaces() == [], "after down no namespace of the lab remains")
        check(lab.run("status").returncode != 0, "status says the lab is down")
    finally:
        if lab.namespaces():
            lab.run("down")
    print("PASS", flush=True)


if __name__ == "__main__":
    main()
