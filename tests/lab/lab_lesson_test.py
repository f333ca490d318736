#!/usr/bin/env python3
"""lab_lesson: `longline-lab lesson --auto` as root and as an ordinary user
(in a user namespace), each step giving the outcome docs/lab.md predicts;
lesson, experiment and scenarios leave a lab the teacher built alone; an
ordinary user's up / status / watch / down; capture records and --read
names a keepalive probe.

Usage: lab_lesson_test.py PATH/TO/longline-lab
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labtest import (NOBODY, SYSTEM_PYTHON, LabScript, LineProcess, as_nobody, check,  # noqa: E402
                     fail, require_root_and_tools, skip)

NAT_TIMEOUT_S = "4"  # the lesson's other times follow from it (idle 6 s, keepalive 1,1,3)


def run(argv, timeout, env=None):
    print("$ " + " ".join(argv), flush=True)
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            timeout=timeout, env=env)
    print(result.stdout + result.stderr, flush=True)
    return result


def check_lesson(results, who):
    steps = {s["step"]: s for s in results["steps"]}
    check(sorted(steps) == ["1", "2", "3", "4", "5a", "5b", "6a", "6b"],
          f"{who}: all six experiments ran")
    for name, step in sorted(steps.items()):
        check(step["ok"], f"{who}: experiment {name} as the page predicts: {step['seen']}")
    rows = {name: step["row"] for name, step in steps.items()}
    # The page's claims, checked on what the lab recorded.
    one = rows["1"]
    check(not one["details"]["arrived"] and one["details"]["noticed"] is None
          and one["details"]["mapping_after_idle"] is None,
          f"{who}: 1: mapping forgotten, line lost, nobody noticed")
    check(one["packets"]["inside"].get("retransmission", 0) > 0
          and one["packets"]["outside"].get("retransmission", 0) == 0,
          f"{who}: 1: retransmissions seen inside only (dropped at the gateway)")
    check(rows["2"]["details"]["arrived"] and rows["2"]["packets"]["outside"].get("probe", 0) > 0,
          f"{who}: 2: keepalive probes crossed the gateway and the line arrived")
    check(rows["3"]["details"]["arrived"] and rows["3"]["packets"]["outside"].get("probe", 0) == 0,
          f"{who}: 3: heartbeats without probes and the line arrived")
    four = rows["4"]
    check(four["cause"] == "keepalive_timeout" and four["details"]["other_side"]
          and four["details"]["other_side"]["cause"] == "keepalive_timeout",
          f"{who}: 4: both ends report keepalive_timeout")
    check("client" in four["packets"]["rst_from"]["inside"],
          f"{who}: 4: a RST from the client after its last unanswered probe, seen inside")
    check(rows["5a"]["cause"] is None and rows["5a"]["details"]["client_unacked"] > 0,
          f"{who}: 5a: keepalive alone detects nothing while data is unacknowledged")
    check(rows["5b"]["cause"] == "user_timeout", f"{who}: 5b: TCP_USER_TIMEOUT fires")
    for name, forget in (("6a", "silent"), ("6b", "reset")):
        details = rows[name]["details"]
        comparison = details["comparison"]
        check(comparison["within"] and details["result"]["gateway"] == forget,
              f"{who}: {name}: the cli measured the {NAT_TIMEOUT_S} s gateway within "
              f"{comparison['tolerance_pct']} % ({comparison['survived_pct']:+.1f} % / "
              f"{comparison['gone_by_pct']:+.1f} %) and found it {forget}")
    check(rows["6a"]["details"]["counters"]["reset_sent"] == 0
          and rows["6b"]["details"]["counters"]["reset_sent"] > 0,
          f"{who}: 6: only the --forget reset gateway sent resets")


def lesson(lab, tmp, who, wrap, in_userns):
    path = os.path.join(tmp, f"lesson-{who}.json")
    result = run(wrap(lab.argv("lesson", "--auto", "--nat-timeout", NAT_TIMEOUT_S, "--json", path)),
                 timeout=240)
    check(result.returncode == 0, f"{who}: lesson --auto exits 0")
    with open(path) as f:
        results = json.load(f)
    check(results["user_namespace"] == in_userns,
          f"{who}: ran {'in' if in_userns else 'outside'} a user namespace")
    check_lesson(results, who)
    check("8 of 8 steps as the page predicts" in result.stdout, f"{who}: the summary says 8 of 8")


def teachers_lab_survives(lab):
    """A lab built by hand, with a server running in it, outlives lesson,
    experiment and scenarios run with the same prefix."""
    check(lab.run("up", "--nat-timeout", "30").returncode == 0, "teacher: up")
    server = LineProcess(lab.argv("server", "--heartbeat", "off"))
    try:
        check(server.wait_for(lambda l: " listen " in l, 10) is not None, "teacher: server runs")
        for args in (("experiment", "1", "--auto", "--nat-timeout", "2"),
                     ("scenarios", "--only", "idle/keepalive-client", "--nat-timeout", "2",
                      "--idle", "3", "--keepalive", "1,1,2")):
            result = run(lab.argv(*args), timeout=120)
            check(result.returncode == 0, f"{args[0]} passes next to the teacher's lab")
            check(len(lab.namespaces()) == 3 and lab.run("status", quiet=True).returncode == 0,
                  f"after {args[0]} the teacher's lab is still up")
            check(server.alive(), f"after {args[0]} the teacher's server still runs")
    finally:
        server.stop()
        lab.run("down")


def capture_names_a_probe(lab, tmp):
    """capture records the gateway (tcpdump as root) and --read says which
    segment is a keepalive probe, with its sequence arithmetic."""
    check(lab.run("up", "--nat-timeout", "10").returncode == 0, "capture: up")
    server = LineProcess(lab.argv("server", "--heartbeat", "off"))
    client = None
    try:
        check(server.wait_for(lambda l: " listen " in l, 10) is not None, "capture: server runs")
        pcap = os.path.join(tmp, "probe.pcap")
        recorder = subprocess.Popen(lab.argv("capture", pcap, "--duration", "4"),
                                    stdout=subprocess.PIPE, text=True)
        time.sleep(0.5)  # tcpdump opens the interfaces
        client = LineProcess(lab.argv("client", "--nick", "probe", "--keepalive", "1,1,3"))
        client.send("hello")
        recorder.wait(timeout=20)
        check(os.path.getsize(pcap) > 24, "capture wrote packets")
        result = lab.run("capture", "--read", pcap, "--side", "outside", quiet=True)
        probes = [l for l in result.stdout.splitlines() if "KEEPALIVE PROBE" in l]
        check(result.returncode == 0 and probes, f"capture --read names the probes ({len(probes)})")
        words = probes[0].split()
        seq, nxt = int(words[words.index("seq") + 1]), int(words[words.index("next") + 1])
        check(seq == nxt - 1, f"a probe's seq is next - 1: {probes[0].strip()}")
        check(any("probe answer" in l for l in result.stdout.splitlines()), "and its answer")
    finally:
        if client:
            client.stop()
        server.stop()
        lab.run("down")


def recorded_probes_as_nobody(lab):
    """server, client and capture inside the user namespace; the lab's own
    recorder writes the file (tcpdump cannot drop privileges there)."""
    server = LineProcess(as_nobody(lab.argv("server", "--heartbeat", "off")))
    client = None
    pcap = os.path.join(tempfile.gettempdir(), f"lab-nobody-{os.getpid()}.pcap")
    try:
        check(server.wait_for(lambda l: " listen " in l, 10) is not None, "nobody: server runs")
        recorder = subprocess.Popen(as_nobody(lab.argv("capture", pcap, "--duration", "4")),
                                    stdout=subprocess.PIPE, text=True)
        time.sleep(0.7)  # the recorder opens its socket
        client = LineProcess(as_nobody(lab.argv("client", "--nick", "nobody", "--keepalive",
                                                "1,1,3")))
        client.send("hello")
        recorder.wait(timeout=20)
        result = lab.run("capture", "--read", pcap, quiet=True)
        probes = [l for l in result.stdout.splitlines() if "KEEPALIVE PROBE" in l]
        check(probes, f"nobody: the recording holds keepalive probes ({len(probes)})")
    finally:
        if client:
            client.stop()
        server.stop()
        if os.path.exists(pcap):
            os.unlink(pcap)


def watch_follows_a_lesson(lab):
    """As uid 65534: watch, given the prefix a running experiment prints,
    enters its private user namespace and shows its keepalive probes."""
    lesson = LineProcess(as_nobody(lab.argv("experiment", "2", "--auto", "--nat-timeout", "4")))
    try:
        hint = lesson.wait_for(lambda l: "watch" in l and "--prefix" in l, 15)
        check(hint is not None, "nobody: the experiment names the watch command")
        words = hint.split()
        prefix = words[words.index("--prefix") + 1]
        # The experiment's lab comes up just after it prints the hint.
        deadline = time.monotonic() + 10
        result = None
        while time.monotonic() < deadline:
            result = run(as_nobody([sys.executable, lab.path, "--prefix", prefix, "watch",
                                    "--plain", "--duration", "4"]), timeout=30)
            if result.returncode == 0:
                break
            time.sleep(0.5)
        check(result.returncode == 0 and "KEEPALIVE PROBE" in result.stdout,
              "nobody: watch --prefix shows the running experiment's probes")
        check(lesson.wait_for(lambda l: "1 of 1 steps as the page predicts" in l, 60) is not None,
              "nobody: the experiment still passes with a watcher")
    finally:
        lesson.stop()


def ordinary_user_commands(lab):
    """up, status, watch and down for an ordinary user: the lab lives in a
    user namespace that the host's `ip netns` does not see."""
    result = run(as_nobody(lab.argv("up", "--nat-timeout", "5")), timeout=60)
    try:
        check(result.returncode == 0 and "user namespace" in result.stdout, "nobody: up")
        check(lab.namespaces() == [], "nobody: its namespaces are not the host's")
        result = run(as_nobody(lab.argv("status", "--json")), timeout=30)
        check(result.returncode == 0 and json.loads(result.stdout)["nat_timeout_s"] == 5,
              "nobody: status reads the gateway's timeout")
        result = run(as_nobody(lab.argv("watch", "--duration", "1", "--plain")), timeout=30)
        check(result.returncode == 0 and "forgets a mapping after 5 s" in result.stdout,
              "nobody: watch shows the gateway")
        recorded_probes_as_nobody(lab)
    finally:
        result = run(as_nobody(lab.argv("down")), timeout=60)
    check(result.returncode == 0 and "removed" in result.stdout, "nobody: down")
    result = run(as_nobody(lab.argv("status")), timeout=30)
    check(result.returncode != 0, "nobody: after down the lab is not up")


# Runs argv as uid 65534 in a user namespace whose user.max_user_namespaces
# is 0: a kernel that refuses the lab a user namespace, without changing the
# host's setting.
REFUSING_KERNEL = r"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
ready, go = os.pipe(), os.pipe()
pid = os.fork()
if pid == 0:
    if libc.unshare(0x10000000) != 0:  # CLONE_NEWUSER
        os._exit(90)
    os.write(ready[1], b"u")
    os.read(go[0], 1)
    with open("/proc/sys/user/max_user_namespaces", "w") as f:
        f.write("0\n")
    os.setgroups([]); os.setgid(65534); os.setuid(65534)
    os.execv(sys.argv[1], sys.argv[1:])
os.read(ready[0], 1)
for name in ("uid_map", "gid_map"):
    with open(f"/proc/{pid}/{name}", "w") as f:
        f.write("0 0 1\n65534 65534 1\n")
os.write(go[1], b"g")
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
"""


def refusal_names_the_setting(lab):
    argv = [SYSTEM_PYTHON, "-c", REFUSING_KERNEL] + [SYSTEM_PYTHON] + lab.argv(
        "experiment", "1", "--auto")[1:]
    result = run(argv, timeout=30)
    check(result.returncode == 3 and "user.max_user_namespaces is 0" in result.stderr
          and "sysctl -w user.max_user_namespaces=" in result.stderr,
          "a kernel that refuses user namespaces: the lab names the setting to change")


def main():
    if len(sys.argv) != 2:
        fail("usage: lab_lesson_test.py PATH/TO/longline-lab")
    require_root_and_tools(["ip", "nft", "unshare", "nsenter", "setpriv", "tcpdump"])
    for var in ("LONGLINE_SERVER_BIN", "LONGLINE_CLI_BIN"):
        if not os.environ.get(var):
            skip(f"{var} is not set: the lesson needs the built programs")
    script = os.path.abspath(sys.argv[1])
    for path in (SYSTEM_PYTHON, script, os.environ["LONGLINE_SERVER_BIN"],
                 os.environ["LONGLINE_CLI_BIN"]):
        if subprocess.run(NOBODY + ["test", "-r", path, "-a", "-x", path]).returncode != 0:
            fail(f"{path} is not readable and executable for an ordinary user (uid 65534)")
    probe = subprocess.run(NOBODY + ["unshare", "--user", "--map-root-user", "--net", "true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        fail("this kernel refuses unprivileged user namespaces: " + probe.stderr.strip())

    lab = LabScript(script, f"ll-l{os.getpid()}-")
    tmp = tempfile.mkdtemp(prefix="lab-lesson-")
    os.chmod(tmp, 0o777)  # the ordinary user writes its results here too
    try:
        teachers_lab_survives(lab)
        capture_names_a_probe(lab, tmp)
        lesson(lab, tmp, "root", lambda argv: argv, in_userns=False)
        check(lab.namespaces() == [], "root: the lesson removed its own lab")
        ordinary_user_commands(lab)
        refusal_names_the_setting(lab)
        watch_follows_a_lesson(lab)
        lesson(lab, tmp, "nobody", as_nobody, in_userns=True)
    finally:
        if lab.namespaces():
            lab.run("down")
        shutil.rmtree(tmp, ignore_errors=True)
    leftovers = [n for n in subprocess.run(["ip", "netns", "list"], capture_output=True,
                                           text=True).stdout.split() if n.startswith(lab.prefix)]
    check(leftovers == [], "no namespace of the test is left")
    print("PASS", flush=True)


if __name__ == "__main__":
    main()
