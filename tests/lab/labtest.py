"""Helpers shared by the lab tests: prerequisites, running the lab script,
and line-oriented processes in a namespace that a test can wait on."""

import os
import shutil
import subprocess
import sys
import threading
import time

SKIP = 77

# An ordinary user for the rootless lab: uid 65534, no groups.
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
# The system's python: the one running a test may live where uid 65534
# cannot read (a python under root's home).
SYSTEM_PYTHON = "/usr/bin/python3"


def as_nobody(argv):
    """argv (python3 longline-lab ...) run as uid 65534."""
    return NOBODY + [SYSTEM_PYTHON] + argv[1:]


def skip(reason):
    """Exit 77 (CTest skip) with a reason -- but in CI every test must run,
    so there a missing prerequisite is a failure."""
    print(f"SKIP: {reason}", file=sys.stderr)
    if os.environ.get("CI") == "true":
        print("CI=true: refusing to skip; install the missing pieces", file=sys.stderr)
        sys.exit(1)
    sys.exit(SKIP)


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)
    print(f"ok: {message}", flush=True)


def require_root_and_tools(tools):
    if os.geteuid() != 0:
        skip("the lab tests need root (CAP_NET_ADMIN and CAP_SYS_ADMIN) to build "
             "network namespaces, nftables rules and conntrack sysctls")
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        skip(f"missing tools: {', '.join(missing)} (packages iproute2 nftables "
             "netcat-openbsd conntrack)")
    if not os.path.isdir("/proc/sys/net/netfilter"):
        subprocess.run(["modprobe", "nf_conntrack"], capture_output=True)
        if not os.path.isdir("/proc/sys/net/netfilter"):
            skip("the kernel has no connection tracking (modprobe nf_conntrack)")


class LabScript:
    def __init__(self, path, prefix):
        if not os.path.isfile(path):
            fail(f"the lab script {path} does not exist (build the project first)")
        self.path = path
        self.prefix = prefix

    def argv(self, *args):
        return [sys.executable, self.path, "--prefix", self.prefix] + list(args)

    def run(self, *args, timeout=60, quiet=False):
        result = subprocess.run(self.argv(*args), capture_output=True, text=True, timeout=timeout)
        if quiet and result.returncode == 0:
            return result
        print(f"$ longline-lab {' '.join(args)} -> {result.returncode}", flush=True)
        for stream in (result.stdout, result.stderr):
            if stream.strip():
                print("  " + stream.strip().replace("\n", "\n  "), flush=True)
        return result

    def namespaces(self):
        out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        return [line.split()[0] for line in out.splitlines()
                if line.strip() and line.split()[0].startswith(self.prefix)]


class LineProcess:
    """A process whose stdout lines are collected with arrival times."""

    def __init__(self, argv):
        self.argv = argv
        self.lines = []
        self.cond = threading.Condition()
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, bufsize=1,
                                        start_new_session=True)
        self.thread = threading.Thread(target=self._pump, daemon=True)
        self.thread.start()

    def _pump(self):
        for line in self.process.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()

    def send(self, text):
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def mark(self):
        """Where the next line will be: wait_for(..., start=mark) sees only
        what came after."""
        with self.cond:
            return len(self.lines)

    def wait_for(self, predicate, timeout, start=0):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines[start:]:
                    if predicate(line):
                        return line
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self.cond.wait(remaining)

    def has_line(self, text):
        with self.cond:
            return text in self.lines

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, 15)
                self.process.wait(timeout=3)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, 9)
                except ProcessLookupError:
                    pass
                self.process.wait()
