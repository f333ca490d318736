#!/usr/bin/env python3
"""Draws the chart of `longline-bench compare`: CPU per PING answered and
memory per connection against the number of connections, one line per server.
The floor (longline-floor, a server that does no work) is drawn dashed grey
on the CPU panel only: it is the least CPU a PING costs here, and it keeps no
memory per connection to compare.

Usage: plot_compare.py results.json chart.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402

METRICS = [
    # key, axis label, whether the floor is drawn
    ("cpu_per_ping_us", "CPU per PING answered (us)", True),
    ("rss_per_conn_kib", "memory per connection (KiB)", False),
]


def style(name):
    """How one server's line looks."""
    if name == "longline-server":
        # On top: it is the one being judged.
        return {"label": name, "zorder": 3, "linewidth": 2.5}
    if name == "floor":
        # A reference, not a contender: behind the others, out of the way.
        return {"label": "floor (epoll, no work)", "zorder": 1, "linewidth": 1.5,
                "color": "grey", "linestyle": "--"}
    return {"label": name, "zorder": 2, "linewidth": 1.5}


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        results = json.load(f)
    fig, axes = plt.subplots(1, len(METRICS), figsize=(11, 4.2))
    for ax, (key, label, with_floor) in zip(axes, METRICS):
        values = []
        for server in results["servers"]:
            if server["name"] == "floor" and not with_floor:
                continue
            points = [(r["n"], r[key]) for r in server["runs"]
                      if r.get(key) is not None and r.get("settled")]
            if not points:
                continue
            xs, ys = zip(*points)
            values += [y for y in ys if y > 0]
            ax.plot(xs, ys, marker="o", **style(server["name"]))
        ax.set_xlabel("connections held (N; only runs where all N settled)")
        ax.set_ylabel(label)
        # Servers can differ a hundredfold: then only a log scale shows all.
        if values and max(values) > 20 * min(values):
            ax.set_yscale("log")
        else:
            ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        if values:
            ax.legend()
    fig.suptitle("longline-bench compare, " + results.get("started_utc", ""))
    fig.tight_layout()
    fig.savefig(argv[2], dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
