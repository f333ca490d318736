#!/usr/bin/env python3
"""Draws the chart of `longline-bench compare`: CPU per PING answered and
memory per connection against the number of connections, one line per server.

Usage: plot_compare.py results.json chart.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402

METRICS = [
    ("cpu_per_ping_us", "CPU per PING answered (us)"),
    ("rss_per_conn_kib", "memory per connection (KiB)"),
]


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        results = json.load(f)
    fig, axes = plt.subplots(1, len(METRICS), figsize=(11, 4.2))
    for ax, (key, label) in zip(axes, METRICS):
        values = []
        for server in results["servers"]:
            points = [(r["n"], r[key]) for r in server["runs"]
                      if r.get(key) is not None and r.get("settled")]
            if not points:
                continue
            xs, ys = zip(*points)
            values += [y for y in ys if y > 0]
            # longline-server on top: it is the one being judged.
            ours = server["name"] == "longline-server"
            ax.plot(xs, ys, marker="o", label=server["name"], zorder=3 if ours else 2,
                    linewidth=2.5 if ours else 1.5)
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
