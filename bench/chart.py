"""Draws the benchmark figures of bench/results/latest.json as one PNG (latest.png).

Left: throughput against processes: orchable's no-op tasks/s with 1, 2 and 4 worker
processes (queue.orchable_per_s_<n>), each peer as a point at the processes it ran with
(queue.peer_processes, 2 by default), and pgbench's simple-update transactions/s with 2
and 4 clients (pgbench_tps_<n>clients) as the cluster's ceiling. Logarithmic y axis: the
figures span two orders of magnitude.

Right: latency against table size: p50 and p99 of claim_tasks (limit 1) and of
complete_task, in ms, at the two sizes scale.py measured (scale.small_tasks and
scale.large_tasks, the keys scale.claim_p50_ms_<size> and so on).

matplotlib is a benchmark-only dependency (bench/requirements.txt). A figure missing from
the results is left out of the chart.

Usage: python bench/chart.py [--results FILE] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import common
import matplotlib.pyplot as plt
from matplotlib.axes import Axes

PEERS = (
    ("queue.pgqueuer_per_s", "PgQueuer (defaults)", "s", "tab:blue"),
    ("queue.pgqueuer_batched_per_s", "PgQueuer (batch 100)", "X", "tab:cyan"),
    ("queue.procrastinate_per_s", "Procrastinate", "^", "tab:orange"),
    ("queue.graphile_worker_per_s", "graphile-worker (defaults)", "D", "tab:purple"),
    ("queue.graphile_worker_batched_per_s", "graphile-worker (batched)", "P", "tab:red"),
)
LATENCIES = (
    ("claim", "p50", "tab:blue", "-"),
    ("claim", "p99", "tab:blue", "--"),
    ("complete", "p50", "tab:orange", "-"),
    ("complete", "p99", "tab:orange", "--"),
)


def throughput(ax: Axes, r: dict[str, Any]) -> None:
    """Tasks/s against processes: orchable's line, the peers' points, pgbench's line."""
    counts = sorted(
        int(key.rsplit("_", 1)[1])
        for key in r
        if key.startswith("queue.orchable_per_s_") and key.rsplit("_", 1)[1].isdigit()
    )
    if counts:
        values = [r[f"queue.orchable_per_s_{n}"] for n in counts]
        ax.plot(counts, values, "o-", color="tab:green", linewidth=2, label="orchable")
        for n, value in zip(counts, values, strict=True):
            ax.annotate(f"{value:,.0f}", (n, value), textcoords="offset points", xytext=(6, -12))
    peer_x = r.get("queue.peer_processes", 2)
    for key, name, marker, color in PEERS:
        if key in r:
            ax.plot(
                [peer_x],
                [r[key]],
                marker,
                color=color,
                markersize=8,
                label=f"{name} ({r[key]:,.0f})",
            )
    clients = [n for n in (1, 2, 4, 8) if f"pgbench_tps_{n}clients" in r]
    if clients:
        ax.plot(
            clients,
            [r[f"pgbench_tps_{n}clients"] for n in clients],
            "x:",
            color="gray",
            label="pgbench simple-update (transactions/s)",
        )
    ax.set_yscale("log")
    ax.set_xticks([1, 2, 4])
    ax.set_xlabel("worker processes (pgbench: clients)")
    ax.set_ylabel("no-op tasks per second (log)")
    ax.set_title("Queue throughput, same PostgreSQL cluster")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")


def latency(ax: Axes, r: dict[str, Any]) -> None:
    """Claim and complete p50/p99 against table size."""
    sizes = [int(r[k]) for k in ("scale.small_tasks", "scale.large_tasks") if k in r]
    labels = [common.size_label(size) for size in sizes]
    for name, quantile, color, style in LATENCIES:
        keys = [f"scale.{name}_{quantile}_ms_{label}" for label in labels]
        if sizes and all(key in r for key in keys):
            values = [r[key] for key in keys]
            ax.plot(sizes, values, "o" + style, color=color, label=f"{name} {quantile}")
            # claim's labels right of the points, complete's left: equal values stay legible
            offset = (-38, -4) if name == "complete" else (8, -4)
            for size, value in zip(sizes, values, strict=True):
                ax.annotate(
                    f"{value:.1f}", (size, value), textcoords="offset points", xytext=offset
                )
    ax.set_xscale("log")
    ax.margins(x=0.2)
    if sizes:
        ax.set_xticks(sizes, [f"{size:,} tasks" for size in sizes])
    ax.set_ylim(bottom=0)
    ax.set_xlabel("finished tasks in ai_tasks")
    ax.set_ylabel("ms per call (one at a time)")
    ax.set_title("claim_tasks(1) and complete_task latency vs table size")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)


def draw(results: dict[str, Any], out: Path) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 5.5))
    throughput(left, results)
    latency(right, results)
    fig.suptitle(
        "orchable benchmarks (2-core machine shared with other jobs: absolute figures are noisy)",
        fontsize=10,
    )
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default=str(common.LATEST))
    parser.add_argument("--out", default=str(common.RESULTS / "latest.png"))
    args = parser.parse_args()
    draw(json.loads(Path(args.results).read_text()), Path(args.out))
    print(f"chart written to {args.out}")


if __name__ == "__main__":
    main()
