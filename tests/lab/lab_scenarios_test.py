#!/usr/bin/env python3
"""lab_scenarios: `longline-lab scenarios` with short timeouts; every row of
the table must pass, by exit status and in the JSON results.

Usage: lab_scenarios_test.py PATH/TO/longline-lab
"""

import json
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labtest import LabScript, check, fail, require_root_and_tools, skip  # noqa: E402

EXPECTED_ROWS = [
    "idle/none", "idle/keepalive-client", "idle/keepalive-server", "idle/heartbeat-client",
    "idle/heartbeat-server", "idle/both", "cut/keepalive-client", "cut/keepalive-server",
    "cut/heartbeat-client", "cut/heartbeat-server", "busy/keepalive", "busy/user-timeout",
]


def main():
    if len(sys.argv) != 2:
        fail("usage: lab_scenarios_test.py PATH/TO/longline-lab")
    require_root_and_tools(["ip", "nft"])
    for var in ("LONGLINE_SERVER_BIN", "LONGLINE_CLI_BIN"):
        if not os.environ.get(var):
            skip(f"{var} is not set: the scenarios need the built programs")
    lab = LabScript(sys.argv[1], f"ll-s{os.getpid()}-")
    with tempfile.TemporaryDirectory() as tmp:
        results_path = os.path.join(tmp, "scenarios.json")
        argv = lab.argv("scenarios", "--nat-timeout", "4", "--idle", "6", "--keepalive", "2,1,2",
                        "--heartbeat", "1,1", "--user-timeout", "3000", "--json", results_path)
        try:
            # Progress streams to our stderr so a failing run explains itself.
            result = subprocess.run(argv, stdout=subprocess.PIPE, text=True, timeout=840)
        finally:
            if lab.namespaces():
                lab.run("down")
        print(result.stdout, flush=True)
        check(os.path.exists(results_path), "the JSON results were written")
        with open(results_path) as f:
            results = json.load(f)

    rows = results["rows"]
    names = [row["scenario"] for row in rows]
    check(names == EXPECTED_ROWS, f"every scenario ran ({len(rows)} rows)")
    for row in rows:
        check(row["pass"], f"{row['scenario']}: {row['observed']}")
        if row["budget_ms"] is not None and row["detection_ms"] is not None \
                and row["scenario"] != "busy/keepalive":
            check(row["detection_ms"] <= row["budget_ms"] + results["settings"]["tolerance_ms"],
                  f"{row['scenario']}: detection {row['detection_ms']} ms within budget "
                  f"{row['budget_ms']} ms + tolerance")
    check(results["ok"] and results["failed"] == 0, "the JSON says every row passed")
    check(result.returncode == 0, "scenarios exits 0")
    check(lab.namespaces() == [], "the scenarios removed their lab")
    print("PASS", flush=True)


if __name__ == "__main__":
    main()
