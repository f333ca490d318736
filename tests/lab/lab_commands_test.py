#!/usr/bin/env python3
"""lab_commands: the lab's window commands and its Chinese, quickly.

- keepalive_budget_ms follows KeepaliveOptions::detectionBudget (the C++
  unit test's numbers), and --man's exit status no longer calls root a
  prerequisite;
- `gui --step N --print-command` gives the window exactly the liveness
  flags docs/lab.md shows for experiment N with a 20 s gateway, plus
  --nat-timeout, as root and as an ordinary user (no display needed);
- `--lang zh_CN watch` speaks Chinese, with the lab's numbers;
- an ordinary user's `gui` runs the window in the rootless lab's client
  namespace (on Xvfb when it is installed, so over the X11 socket) and it
  connects through the NAT;
- `experiment 5 --gui` as root and `--lang zh_CN experiment 1 --gui` as an
  ordinary user: every window connects and the steps still come out as
  predicted (the window's own packets do not count as Alice's).

Usage: lab_commands_test.py PATH/TO/longline-lab
"""

import importlib.machinery
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labtest import (NOBODY, LabScript, LineProcess, as_nobody, check, fail,  # noqa: E402
                     require_root_and_tools)

# docs/lab.md's experiments with `up --nat-timeout 20`: the window's flags.
STEP_FLAGS = {
    "1": "--keepalive off --heartbeat off --user-timeout off",
    "2": "--keepalive 5,5,3 --heartbeat off --user-timeout off",
    "3": "--keepalive off --heartbeat 5,5 --user-timeout off",
    "4": "--keepalive 3,2,3 --heartbeat off --user-timeout off",
    "5": "--keepalive 3,2,3 --heartbeat off --user-timeout off",
    "5a": "--keepalive 3,2,3 --heartbeat off --user-timeout off",
    "5b": "--keepalive 3,2,3 --heartbeat off --user-timeout 5000",
}
CJK = re.compile(r"[\u4e00-\u9fff]")


def run(argv, timeout=60, env=None):
    print("$ " + " ".join(argv), flush=True)
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            timeout=timeout, env=env)
    print(result.stdout + result.stderr, flush=True)
    return result


def budget_and_man(script):
    """No namespaces needed."""
    loader = importlib.machinery.SourceFileLoader("longline_lab", script)
    lab = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(lab)
    # tests/unit/tst_livenesssettings.cpp, keepaliveBudget and
    # keepaliveBudgetWithUserTimeout, and docs/lab.md's 3,2,3 + 5000 ms.
    for keepalive, user_timeout_ms, expected in (
            ("60,5,3", 0, 75000), ("7200,75,9", 0, 7875000), ("1,1,2", 0, 3000),
            ("10,5,9", 3000, 15000), ("10,5,9", 15000, 15000), ("10,5,9", 16000, 20000),
            ("10,5,9", 30000, 30000), ("3,2,3", 5000, 5000), ("3,2,3", 0, 9000)):
        got = lab.keepalive_budget_ms(keepalive, user_timeout_ms)
        check(got == expected, f"keepalive {keepalive}, user timeout {user_timeout_ms} ms: "
                               f"budget {got} ms (the C++ rule: {expected})")
    man = run([sys.executable, script, "--man"]).stdout
    status = man.split(".SH EXIT STATUS", 1)[1].split(".SH", 1)[0]
    check("(root" not in status and "user namespaces when run without root" in status,
          "--man: the exit status names user namespaces, not root, as a prerequisite")


def print_command(lab, wrap, who):
    for step, flags in STEP_FLAGS.items():
        result = run(wrap(lab.argv("gui", "--step", step, "--print-command")))
        line = result.stdout.strip()
        check(result.returncode == 0 and "--host 203.0.113.2 --port 9999 " in line
              and line.endswith(f" {flags} --nat-timeout 20"),
              f"{who}: gui --step {step} gives the window {flags} --nat-timeout 20")
    result = run(wrap(lab.argv("gui", "--print-command")))
    check(result.stdout.strip().endswith(f" {STEP_FLAGS['1']} --nat-timeout 20"),
          f"{who}: gui without --step starts the window with every mechanism off")
    result = run(wrap(lab.argv("gui", "--step", "2", "--heartbeat=1,1", "--nick", "win",
                               "--print-command")))
    check(result.stdout.strip().endswith(" --nick win --keepalive 5,5,3 --heartbeat 1,1 "
                                         "--user-timeout off --nat-timeout 20"),
          f"{who}: a liveness flag given with --step wins, other flags pass through")


def display_for_window(tmp):
    """(env prefix, Xvfb process or None): Xvfb when installed, so that the
    window reaches the display over its filesystem socket from another
    network namespace; else Qt's offscreen platform (as CTest sets it)."""
    if not shutil.which("Xvfb"):
        print("note: no Xvfb; the window draws offscreen", flush=True)
        return ["env", "QT_QPA_PLATFORM=offscreen"], None
    number = next(n for n in range(90, 200)
                  if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"))
    xvfb = subprocess.Popen(["Xvfb", f":{number}", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not os.path.exists(f"/tmp/.X11-unix/X{number}"):
        time.sleep(0.1)
    if not os.path.exists(f"/tmp/.X11-unix/X{number}"):
        xvfb.kill()
        fail("Xvfb did not start")
    return ["env", "-u", "QT_QPA_PLATFORM", f"DISPLAY=:{number}"], xvfb


def window_as_nobody(lab, tmp):
    """The window in the rootless lab's client namespace connects through
    the NAT; the server sees it come from the gateway."""
    server = LineProcess(as_nobody(lab.argv("server", "--heartbeat", "off")))
    window = None
    prefix, xvfb = display_for_window(tmp)
    try:
        check(server.wait_for(lambda l: " listen " in l, 10) is not None, "nobody: server runs")
        argv = as_nobody(lab.argv("gui", "--step", "2", "--nick", "nobodygui", "--connect",
                                  "--settings-file", os.path.join(tmp, "nobody.conf")))
        window = LineProcess(NOBODY + prefix + [f"HOME={tmp}"] + argv[len(NOBODY):])
        hello = server.wait_for(lambda l: " hello " in l and "nick=nobodygui" in l, 20)
        check(hello is not None and "peer=203.0.113.1:" in hello,
              "nobody: the window connects through the NAT (" + ("X11" if xvfb else "offscreen")
              + ")")
        check(window.alive(), "nobody: the window is still running")
        started = window.wait_for(lambda l: l.startswith("running in "), 1) or ""
        check("--keepalive 5,5,3" in started and "--nat-timeout 20" in started,
              "nobody: with step 2's settings and the lab's NAT timeout")
    finally:
        if window:
            window.stop()
        server.stop()
        if xvfb:
            xvfb.kill()
            xvfb.wait()


def experiments_with_windows(lab, tmp):
    path = os.path.join(tmp, "exp5.json")
    result = run(["env", "QT_QPA_PLATFORM=offscreen"] + lab.argv(
        "experiment", "5", "--auto", "--gui", "--nat-timeout", "4", "--json", path), timeout=90)
    check(result.returncode == 0, "root: experiment 5 --gui as predicted")
    with open(path) as f:
        steps = {s["step"]: s for s in json.load(f)["steps"]}
    for name in ("5a", "5b"):
        window = steps[name]["row"]["details"].get("window") or {}
        check(window.get("connected") and window.get("nick") == f"alice{5 if name == '5a' else 6}-gui",
              f"root: {name}'s window connected as {window.get('nick')}")
    check("--user-timeout 1000" in " ".join(steps["5b"]["row"]["details"]["window"]["command"]),
          "root: 5b's window has 5b's user timeout")
    check(steps["5a"]["row"]["packets"]["inside"].get("probe", 0) == 0,
          "root: 5a counts Alice's packets only (the idle window's probes are not hers)")

    path = os.path.join(tmp, "exp1.json")
    argv = as_nobody(lab.argv("--lang", "zh_CN", "experiment", "1", "--auto", "--gui",
                              "--nat-timeout", "2", "--json", path))
    result = run(NOBODY + ["env", "QT_QPA_PLATFORM=offscreen", f"HOME={tmp}"]
                 + argv[len(NOBODY):], timeout=90)
    check(result.returncode == 0, "nobody: experiment 1 --gui as predicted")
    out = result.stdout
    check("网关在连接静默 2 秒后忘记映射；每次空闲 4 秒" in out and "实验 1（共 6 个）" in out
          and "1 个步骤中有 1 个与讲义预测一致" in out,
          "nobody: --lang zh_CN experiment 1 speaks Chinese, with its numbers")
    check("窗口：longline --nick alice1-gui --keepalive off --heartbeat off --user-timeout off "
          "--nat-timeout 2" in out, "nobody: it names the window's settings in Chinese")
    with open(path) as f:
        step = json.load(f)["steps"][0]
    check(step["row"]["details"]["window"]["connected"],
          "nobody: the window connected inside the lesson's user namespace")


def main():
    if len(sys.argv) != 2:
        fail("usage: lab_commands_test.py PATH/TO/longline-lab")
    script = os.path.abspath(sys.argv[1])
    budget_and_man(script)
    require_root_and_tools(["ip", "nft", "unshare", "nsenter", "setpriv"])
    lab = LabScript(script, f"ll-c{os.getpid()}-")
    tmp = tempfile.mkdtemp(prefix="lab-commands-")
    os.chmod(tmp, 0o777)  # the ordinary user writes here too
    try:
        check(lab.run("up", "--nat-timeout", "20").returncode == 0, "root: up")
        print_command(lab, lambda argv: argv, "root")
        result = lab.run("--lang", "zh_CN", "watch", "--plain", "--duration", "1")
        check(result.returncode == 0 and "静默 20 秒后忘记映射" in result.stdout
              and "网关的映射表" in result.stdout and len(CJK.findall(result.stdout)) > 20,
              "--lang zh_CN watch speaks Chinese, with the lab's 20 s")
        check(lab.run("down").returncode == 0, "root: down")

        result = run(as_nobody(lab.argv("gui", "--print-command")))
        check(result.returncode != 0 and "not up" in result.stderr,
              "nobody: gui without a lab says the lab is not up")
        result = run(as_nobody(lab.argv("up", "--nat-timeout", "20")))
        check(result.returncode == 0 and "user namespace" in result.stdout, "nobody: up")
        try:
            print_command(lab, as_nobody, "nobody")
            programs = [os.environ.get(v) for v in ("LONGLINE_SERVER_BIN", "LONGLINE_GUI_BIN")]
            if all(programs) and all(os.path.exists(p) for p in programs):
                for path in programs:
                    if subprocess.run(NOBODY + ["test", "-x", path]).returncode != 0:
                        fail(f"{path} is not executable for an ordinary user (uid 65534)")
                window_as_nobody(lab, tmp)
            else:
                print("note: the server or the window is not built; skipping the window runs",
                      flush=True)
                if os.environ.get("CI") == "true":
                    fail("CI=true: the Longline programs must be built for the lab tests")
        finally:
            result = run(as_nobody(lab.argv("down")))
        check(result.returncode == 0, "nobody: down")
        if all(os.environ.get(v) for v in ("LONGLINE_SERVER_BIN", "LONGLINE_CLI_BIN",
                                           "LONGLINE_GUI_BIN")):
            experiments_with_windows(lab, tmp)
    finally:
        if lab.namespaces():
            lab.run("down")
        shutil.rmtree(tmp, ignore_errors=True)
    check(lab.namespaces() == [], "no namespace of the test is left")
    print("PASS", flush=True)


if __name__ == "__main__":
    main()
