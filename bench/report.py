"""The one table of every benchmark figure, side by side, from the flat results.

Columns: part, figure, value, what it is compared with, the ratio, and the target where
there is one. Queue: orchable's best tasks/s over each peer's (orchable/peer), each the
median of its rounds, with their range. Scale: the
small and the large table side by side (value "small -> large") and their ratio. A figure
missing from the results (a part not run, or failed) is left out.

Usage: python bench/report.py [--results FILE]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import common

PEERS = (
    ("queue.pgqueuer_per_s", "PgQueuer (defaults)"),
    ("queue.pgqueuer_batched_per_s", "PgQueuer (batch 100)"),
    ("queue.procrastinate_per_s", "Procrastinate"),
    ("queue.graphile_worker_per_s", "graphile-worker (defaults)"),
    ("queue.graphile_worker_batched_per_s", "graphile-worker (batched)"),
)
# (name in the keys, label, target on the large size, target on the ratio)
SCALE = (
    ("claim", "claim_tasks(1)", None, 1.5),
    ("complete", "complete_task", None, 1.5),
    ("task_list", "user's task list (RLS)", 200.0, None),
    ("batch_progress", "user's v_batch_progress (RLS)", 200.0, None),
    ("status_update", "user's approve_task (RLS)", 50.0, None),
)
PARTS = (
    "queue",
    "physical",
    "fan_out",
    "llm_bound",
    "scale",
    "idle",
    "isolation",
    "monitors",
    "console",
    "total",
)
# (name in the keys, label, target on its p99)
CONSOLE = (
    ("batch_list", "GET /api/batches, first page", 200.0),
    ("batch_list_deep", "GET /api/batches, a page half way down", 200.0),
    ("batch_page", "GET /api/batches/{id}", None),
    ("task_page", "GET /api/tasks/{id}", None),
)


@dataclass
class Row:
    part: str
    figure: str
    value: str
    versus: str = ""
    ratio: str = ""
    target: str = ""


def number(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def spread(r: dict[str, Any], key: str) -> str:
    """'median of 3 (2,607-2,889)' when the queue part ran several rounds."""
    rounds = int(r.get("queue.rounds", 1))
    if rounds < 2 or f"{key}_min" not in r:
        return ""
    return f"median of {rounds} ({number(r[f'{key}_min'])}-{number(r[f'{key}_max'])})"


def queue_rows(r: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    counts = sorted(
        int(k.rsplit("_", 1)[1])
        for k in r
        if k.startswith("queue.orchable_per_s_") and k.rsplit("_", 1)[1].isdigit()
    )
    for n in counts:
        rows.append(
            Row(
                "queue",
                f"orchable, {n} worker process(es)",
                number(r[f"queue.orchable_per_s_{n}"]) + " tasks/s",
                spread(r, f"queue.orchable_per_s_{n}"),
            )
        )
    best = r.get("queue.orchable_per_s")
    peers = r.get("queue.peer_processes", 2)
    for key, name in PEERS:
        if key in r:
            ratio = number(best / r[key], 2) if best else ""
            rows.append(
                Row(
                    "queue",
                    f"{name}, {peers} processes",
                    number(r[key]) + " tasks/s",
                    "; ".join(filter(None, ["orchable (best) / it", spread(r, key)])),
                    ratio,
                )
            )
    return rows


def physical_rows(r: dict[str, Any]) -> list[Row]:
    rows = [
        Row("physical", f"pgbench simple-update, {n} clients", number(r[k]) + " tps")
        for n in (2, 4)
        if (k := f"pgbench_tps_{n}clients") in r
    ]
    if "queue.orchable_share_of_pgbench" in r:
        rows.append(
            Row(
                "physical",
                "orchable (best) tasks/s",
                number(r["queue.orchable_per_s"]) + " tasks/s",
                "pgbench_tps " + number(r["pgbench_tps"]),
                number(r["queue.orchable_share_of_pgbench"], 3),
            )
        )
    return rows


def fan_out_rows(r: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    n = r.get("fan_out.branches")
    if n and (key := f"fan_out.create_{int(n)}_branches_s") in r:
        rows.append(
            Row("fan_out", f"create {int(n):,} branches (one complete_task)", f"{r[key]:.2f} s")
        )
    if "fan_out.drain_per_s" in r:
        rows.append(
            Row(
                "fan_out",
                "drain the branches (claim 1000, complete_tasks)",
                number(r["fan_out.drain_per_s"]) + " tasks/s",
            )
        )
    if "fan_out.merge_after_last_branch_ms" in r:
        rows.append(
            Row(
                "fan_out",
                "last branch's completion, merge task created",
                f"{r['fan_out.merge_after_last_branch_ms']:.1f} ms",
            )
        )
    return rows


def llm_rows(r: dict[str, Any]) -> list[Row]:
    """Per concurrency: orchable's worker, then one process with google-genai alone and
    with aiohttp alone (no database), all as shares of the ideal, and orchable over the
    SDK alone: what its bookkeeping costs."""
    counts = sorted(int(k.rsplit("_", 1)[1]) for k in r if k.startswith("llm_bound.tasks_per_s_"))
    rows: list[Row] = []
    for c in counts:
        ideal = f"ideal {number(c / 0.5)}/s"
        rows.append(
            Row(
                "llm_bound",
                f"one worker, concurrency {c}, 0.5 s calls",
                number(r[f"llm_bound.tasks_per_s_{c}"], 1) + " tasks/s",
                ideal,
                number(r[f"llm_bound.efficiency_{c}"], 3),
                ">= 0.9" if c == 256 else "",
            )
        )
        for client, label in (("sdk", "google-genai"), ("aiohttp", "aiohttp")):
            if f"llm_bound.{client}_alone_per_s_{c}" in r:
                rows.append(
                    Row(
                        "llm_bound",
                        f"  {label} alone: one process, no database",
                        number(r[f"llm_bound.{client}_alone_per_s_{c}"], 1) + " calls/s",
                        ideal,
                        number(r[f"llm_bound.{client}_alone_efficiency_{c}"], 3),
                    )
                )
        if f"llm_bound.sdk_alone_per_s_{c}" in r:
            rows.append(
                Row(
                    "llm_bound",
                    "  orchable over google-genai alone",
                    "",
                    "",
                    number(
                        r[f"llm_bound.tasks_per_s_{c}"] / r[f"llm_bound.sdk_alone_per_s_{c}"], 2
                    ),
                )
            )
    return rows


def scale_rows(r: dict[str, Any]) -> list[Row]:
    if "scale.small_tasks" not in r:
        return []
    small, large = (
        common.size_label(int(r[k])) for k in ("scale.small_tasks", "scale.large_tasks")
    )
    rows: list[Row] = []
    for name, label, target, ratio_target in SCALE:
        for q in ("p50", "p99"):
            a, b = r.get(f"scale.{name}_{q}_ms_{small}"), r.get(f"scale.{name}_{q}_ms_{large}")
            if a is None or b is None:
                continue
            ratio = r.get(f"scale.{name}_p99_ratio") if q == "p99" else None
            wanted = ""
            if q == "p99" and ratio_target is not None:
                ok = ratio is not None and ratio <= ratio_target
                wanted = f"ratio <= {ratio_target} " + ("ok" if ok else "MISSED")
            elif q == "p99" and target is not None:
                wanted = f"{large} < {target:g} ms " + ("ok" if b < target else "MISSED")
            rows.append(
                Row(
                    "scale",
                    f"{label} {q}",
                    f"{a:.1f} -> {b:.1f} ms",
                    f"{small} -> {large} tasks",
                    number(ratio if ratio is not None else b / a, 2),
                    wanted,
                )
            )
    if "scale.grow_s" in r:
        rows.append(
            Row("scale", f"grow {small} -> {large} (vacuum included)", f"{r['scale.grow_s']:.0f} s")
        )
    return rows


def idle_rows(r: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    if "idle.queries_per_s" in r:
        rows.append(
            Row(
                "idle",
                "queries/s of 2 idle workers (server log)",
                number(r["idle.queries_per_s"], 2),
                "per worker",
                number(r["idle.queries_per_s_per_worker"], 2),
            )
        )
        rows.append(
            Row(
                "idle",
                "transactions/s in their database (+ autovacuum)",
                number(r["idle.transactions_per_s"], 2),
            )
        )
    if "idle.wake_latency_ms" in r:
        rows.append(
            Row(
                "idle",
                "wake-up: launch to claim (median)",
                f"{r['idle.wake_latency_ms']:.1f} ms",
                f"max {r['idle.wake_latency_max_ms']:.1f} ms",
                "",
                "< poll interval (5 s)",
            )
        )
    return rows


def isolation_rows(r: dict[str, Any]) -> list[Row]:
    """The honest tenant's tasks/s next to the flood over its tasks/s alone; its latency."""
    if "isolation.honest_share" not in r:
        return []
    share = r["isolation.honest_share"]
    rows = [
        Row(
            "isolation",
            f"honest tenant next to a flood of {int(r['isolation.flood_tasks']):,} tasks",
            number(r["isolation.honest_per_s_with"], 1) + " tasks/s",
            f"alone {number(r['isolation.honest_per_s_alone'], 1)}/s",
            number(share, 3),
            ">= 0.8 " + ("ok" if share >= 0.8 else "MISSED"),
        ),
        Row(
            "isolation",
            "  its latency p50 / p99, with the flood",
            f"{number(r['isolation.honest_latency_p50_ms_with'])} /"
            f" {number(r['isolation.honest_latency_p99_ms_with'])} ms",
            f"alone {number(r['isolation.honest_latency_p50_ms_alone'])} /"
            f" {number(r['isolation.honest_latency_p99_ms_alone'])} ms",
        ),
        Row(
            "isolation",
            "  flood tasks completed meanwhile",
            number(r["isolation.hostile_per_s_with"], 1) + " tasks/s",
            f"worker {number(r['isolation.capacity_per_s'])}/s, honest offered"
            f" {number(r['isolation.offered_per_s'])}/s",
        ),
    ]
    return rows


def monitors_rows(r: dict[str, Any]) -> list[Row]:
    """The scheduler's tick over a minute in which the due monitors fall due at once, and
    how late their runs were claimed."""
    if "monitors.tick_p50_ms" not in r:
        return []
    monitors, due, ticks = (int(r[f"monitors.{k}"]) for k in ("monitors", "due", "ticks"))
    p50, p99 = r["monitors.tick_p50_ms"], r["monitors.tick_p99_ms"]
    rows = [
        Row(
            "monitors",
            f"tick() p50 / p99 over {ticks} ticks, one a second, {monitors:,} monitors",
            f"{number(p50, 1)} / {number(p99, 1)} ms",
            f"ticks that started nothing: p99 {number(r['monitors.tick_idle_p99_ms'], 1)} ms",
        )
    ]
    if (key := f"monitors.tick_due_{due}_ms") in r:
        rows.append(
            Row("monitors", f"  the tick that started {due:,} due runs", f"{r[key]:,.0f} ms")
        )
    lag50, lag99 = r["monitors.start_lag_p50_s"], r["monitors.start_lag_p99_s"]
    rows.append(
        Row(
            "monitors",
            "start lag: next_run_at to the run's claim, p50 / p99",
            f"{number(lag50, 2)} / {number(lag99, 2)} s",
            f"max {number(r['monitors.start_lag_max_s'], 2)} s",
        )
    )
    return rows


def console_rows(r: dict[str, Any]) -> list[Row]:
    """The console's API as a user with the history of console.user_tasks, under RLS."""
    if "console.batch_list_p99_ms" not in r:
        return []
    tasks = common.size_label(int(r["console.user_tasks"]))
    big = common.size_label(int(r["console.big_batch_tasks"]))
    rows: list[Row] = []
    for name, label, target in CONSOLE:
        p50, p99 = r.get(f"console.{name}_p50_ms"), r.get(f"console.{name}_p99_ms")
        if p50 is None or p99 is None:
            continue
        if name == "batch_page":
            label += f" ({big} tasks)"
        wanted = f"< {target:g} ms " + ("ok" if p99 < target else "MISSED") if target else ""
        rows.append(
            Row(
                "console",
                f"{label} p50 / p99",
                f"{number(p50, 1)} / {number(p99, 1)} ms",
                f"user with {tasks} tasks, RLS",
                "",
                wanted,
            )
        )
    return rows


def time_rows(r: dict[str, Any]) -> list[Row]:
    return [
        Row("run", f"{part} took", f"{r[f'run.{part}_s']:.0f} s")
        for part in PARTS
        if f"run.{part}_s" in r
    ]


def table(results: dict[str, Any]) -> str:
    """Every figure in `results` as one aligned text table."""
    rows = [Row("part", "figure", "value", "compared with", "ratio", "target")]
    for build in (
        queue_rows,
        physical_rows,
        fan_out_rows,
        llm_rows,
        scale_rows,
        idle_rows,
        isolation_rows,
        monitors_rows,
        console_rows,
        time_rows,
    ):
        rows += build(results)
    fields = ("part", "figure", "value", "versus", "ratio", "target")
    widths = {f: max(len(getattr(row, f)) for row in rows) for f in fields}
    lines = []
    for i, row in enumerate(rows):
        cells = [
            getattr(row, f).rjust(widths[f])
            if f in ("value", "ratio")
            else getattr(row, f).ljust(widths[f])
            for f in fields
        ]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("  ".join("-" * widths[f] for f in fields))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default=str(common.LATEST))
    args = parser.parse_args()
    print(table(json.loads(Path(args.results).read_text())))


if __name__ == "__main__":
    main()
