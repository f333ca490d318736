#!/usr/bin/env python3
"""lab_measure: the lab gateway's idle timeout, measured through its NAT.

- `longline-cli --discover-nat-timeout` in the client namespace measures a
  10 s and a 20 s gateway: survived_ms and gone_by_ms each within 15 % of
  the gateway's conntrack timeout, and the gateway named "silent" or
  "reset" as it is set (`up --forget` for one, `set --forget` on the
  running lab for the other);
- `longline-lab measure` prints the cli's result and, once, the comparison
  with the gateway's setting;
- adaptive mode recovers when the teacher lowers the timeout during a
  session: a client keeping a 20 s gateway warm at 75 % of it dies once
  `set --nat-timeout 8` makes that too slow, halves its interval at once,
  reconnects, measures again (75 % of 8 s), and then stays up.

Usage: lab_measure_test.py PATH/TO/longline-lab
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labtest import LabScript, LineProcess, check, fail, require_root_and_tools, skip  # noqa: E402

SERVER = "203.0.113.2"
PORT = "9999"
TOLERANCE = 0.15  # the 15 %
KEEP_WARM_FRACTION = 0.75  # adaptive mode's interval, of what survived


def as_event(line):
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) and "event" in event else None


def wait_event(proc, predicate, timeout, start=0):
    """(line index, event) of the first JSON event from start on that
    matches, or (None, None)."""
    line = proc.wait_for(lambda l: (as_event(l) is not None and predicate(as_event(l))),
                         timeout, start)
    if line is None:
        return None, None
    with proc.cond:
        return proc.lines.index(line, start), as_event(line)


def within(value_ms, target_s, tolerance=TOLERANCE):
    return value_ms is not None and abs(value_ms / 1000 - target_s) <= tolerance * target_s


def start_server(lab):
    # No server heartbeat: it would keep every mapping warm. The adaptive
    # client's fast first heartbeats must not be refused as too fast.
    server = LineProcess(lab.argv("server", "--heartbeat", "off", "--min-client-ping", "0"))
    if server.wait_for(lambda l: " listen " in l, 10) is None:
        server.stop()
        fail("the lab's server did not start")
    return server


def gateway(lab):
    result = lab.run("status", "--json", quiet=True)
    if result.returncode != 0:
        fail(f"status failed: {result.stderr}")
    status = json.loads(result.stdout)
    return status["nat_timeout_s"], status["forget"]


def discover(lab, cli):
    """The cli's measurement through the NAT, with its own defaults: the
    nat_timeout event."""
    argv = ["ip", "netns", "exec", lab.prefix + "client", cli, "--discover-nat-timeout",
            SERVER, PORT, "--events", "json"]
    print("$ " + " ".join(argv), flush=True)
    started = time.monotonic()
    result = subprocess.run(argv, capture_output=True, text=True, timeout=240)
    took = time.monotonic() - started
    print(result.stdout.strip(), flush=True)
    events = [e for e in map(as_event, result.stderr.splitlines()) if e]
    final = [e for e in events if e["event"] == "nat_timeout"]
    if result.returncode != 0 or not final:
        fail(f"the measurement failed (exit status {result.returncode}): "
             + result.stderr.strip()[-600:])
    check(result.stdout.strip() != "", f"the cli printed its result ({took:.0f} s)")
    return final[-1]


def measured_as_set(lab, cli, nat, forget):
    check(gateway(lab) == (nat, forget), f"status: the gateway forgets after {nat} s, {forget}")
    e = discover(lab, cli)
    survived, gone = e.get("survived_ms"), e.get("gone_by_ms")
    check(e.get("outcome") == "measured", f"{nat} s {forget}: outcome measured")
    check(within(survived, nat), f"{nat} s {forget}: survived {survived} ms, within 15 % of {nat} s")
    check(within(gone, nat), f"{nat} s {forget}: gone by {gone} ms, within 15 % of {nat} s")
    check(e.get("gateway") == forget, f"{nat} s {forget}: the cli says the gateway is "
                                      f"{e.get('gateway')}")


def run_measurements(lab, cli, nat, first, second):
    """Built as `first`, switched to `second` in place; both measured."""
    check(lab.run("up", "--nat-timeout", str(nat), "--forget", first).returncode == 0,
          f"up --nat-timeout {nat} --forget {first}")
    server = start_server(lab)
    try:
        measured_as_set(lab, cli, nat, first)
        check(lab.run("set", "--forget", second).returncode == 0, f"set --forget {second}")
        measured_as_set(lab, cli, nat, second)
    finally:
        server.stop()


def measure_command(lab, tmp):
    path = os.path.join(tmp, "measure.json")
    result = lab.run("measure", "--json", path, timeout=240)
    lines = [l for l in result.stdout.splitlines() if l.startswith("configured: ")]
    check(result.returncode == 0 and len(lines) == 1,
          "longline-lab measure prints the comparison once, and agrees")
    check("forgets after 10 s, with a reset to the inside" in lines[0]
          and "gateway reset: within 15 % and the same behaviour" in lines[0],
          "the comparison names the setting and the measured behaviour")
    check(result.stdout.startswith("Mappings on this path survive"),
          "the cli's own sentence comes first")
    with open(path) as f:
        saved = json.load(f)
    check(saved["result"]["event"] == "nat_timeout" and saved["comparison"]["ok"],
          "measure --json keeps the cli's result and the comparison")


def adaptive_recovers(lab, cli, store):
    """A 20 s gateway, lowered to 8 s while the client chats."""
    argv = ["ip", "netns", "exec", lab.prefix + "client", cli, SERVER, PORT, "--nick", "ada",
            "--adaptive", "--adaptive-store", store, "--heartbeat", "1,2", "--reconnect",
            "--events", "json"]
    print("$ " + " ".join(argv), flush=True)
    client = LineProcess(argv)
    passed = False
    try:
        at, first = wait_event(client, lambda e: e["event"] == "keepwarm_applied"
                               and e.get("reason") == "measured", 180)
        check(first is not None, "adaptive: measured the 20 s gateway and applied it")
        check(within(first["interval_ms"], KEEP_WARM_FRACTION * 20),
              f"adaptive: keep-warm every {first['interval_ms']} ms, about 75 % of 20 s")

        lowered = client.mark()
        check(lab.run("set", "--nat-timeout", "8").returncode == 0,
              "set --nat-timeout 8 on the running lab")
        check(gateway(lab)[0] == 8, "status: the gateway now forgets after 8 s")
        # The next keep-warm refreshes the mapping with 8 s; the one after
        # that comes too late: about 2 x 15 s plus the heartbeat timeout.
        at, dead = wait_event(client, lambda e: e["event"] == "dead", 90, lowered)
        check(dead is not None, f"adaptive: the connection died ({dead and dead.get('cause')})")
        _, halved = wait_event(client, lambda e: e["event"] == "keepwarm_applied"
                               and e.get("reason") == "failed_keepwarm", 10, lowered)
        check(halved is not None and halved["interval_ms"] < 8000,
              f"adaptive: failed_keepwarm lowered the interval at once "
              f"({halved and halved['interval_ms']} ms, below 8 s)")
        back, _ = wait_event(client, lambda e: e["event"] == "welcome", 60, at)
        check(back is not None, "adaptive: the client reconnected")
        at, again = wait_event(client, lambda e: e["event"] == "keepwarm_applied"
                               and e.get("reason") == "measured", 120, back)
        check(again is not None and within(again["interval_ms"], KEEP_WARM_FRACTION * 8),
              f"adaptive: measured the 8 s gateway: every {again and again['interval_ms']} ms, "
              "about 75 % of 8 s")

        idle_s = 2 * again["interval_ms"] / 1000 + 2
        quiet = client.mark()
        time.sleep(idle_s)
        _, died = wait_event(client, lambda e: e["event"] in ("dead", "connecting"), 0, quiet)
        check(died is None and client.alive(),
              f"adaptive: the connection stays up through {idle_s:.0f} s of idle")
        line = "still here after the gateway changed"
        client.send(line)
        _, echoed = wait_event(client, lambda e: e["event"] == "message"
                               and e.get("text") == line, 5, quiet)
        check(echoed is not None, "adaptive: a line sent then reaches the server")
        passed = True
    finally:
        client.stop()
        if not passed:
            print("  the client's last lines:\n    " + "\n    ".join(client.lines[-15:]),
                  flush=True)


def main():
    if len(sys.argv) != 2:
        fail("usage: lab_measure_test.py PATH/TO/longline-lab")
    require_root_and_tools(["ip", "nft"])
    cli = os.environ.get("LONGLINE_CLI_BIN")
    if not cli or not os.environ.get("LONGLINE_SERVER_BIN"):
        skip("LONGLINE_SERVER_BIN or LONGLINE_CLI_BIN is not set: the measurement needs the "
             "built programs")
    help_text = subprocess.run([cli, "--help"], capture_output=True, text=True).stdout
    if "--discover-nat-timeout" not in help_text:
        fail(f"{cli} has no --discover-nat-timeout")

    # Three labs side by side (the measurements mostly wait on the gateways'
    # timeouts): 10 s built silent and switched to reset in place, plus
    # `measure`; 20 s the other way round; and a 20 s silent lab for the
    # adaptive client's session.
    script = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="lab-measure-")
    failures = []

    def ten_seconds(lab):
        run_measurements(lab, cli, 10, "silent", "reset")
        measure_command(lab, tmp)

    def twenty_seconds(lab):
        run_measurements(lab, cli, 20, "reset", "silent")

    def adaptive(lab):
        check(lab.run("up", "--nat-timeout", "20").returncode == 0, "up --nat-timeout 20")
        server = start_server(lab)
        try:
            adaptive_recovers(lab, cli, os.path.join(tmp, "paths.ini"))
        finally:
            server.stop()

    def guarded(name, part):
        lab = LabScript(script, f"ll-m{os.getpid()}{name}-")
        try:
            part(lab)
        except BaseException as error:  # check() and fail() exit through SystemExit
            failures.append(f"{name}: {error!r}")
        finally:
            if lab.namespaces():
                lab.run("down")
            if lab.namespaces():
                failures.append(f"{name}: namespaces left: {lab.namespaces()}")

    threads = [threading.Thread(target=guarded, args=(name, part))
               for name, part in (("a", ten_seconds), ("b", twenty_seconds), ("c", adaptive))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        fail("; ".join(failures))
    check(True, "no namespace of the test is left")
    print("PASS", flush=True)


if __name__ == "__main__":
    main()
