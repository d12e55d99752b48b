"""Every benchmark in one run: `make bench` calls this.

In order, each part timed: the bench database orchable_bench is (re)created and deployed
as the Makefile's bench target did, then
  queue      bench/queue_overhead.py: 20,000 no-op tasks, orchable with 1, 2 and 4 worker
             processes, PgQueuer, Procrastinate and graphile-worker with 2 (subprocess),
             5 interleaved rounds, each figure the median of its rounds;
  physical   bench/physical_limit.py: pgbench simple-update, 2 and 4 clients, 15 s each;
  fan_out    bench/fan_out.py: one input split into 10,000 branches and merged back;
  llm_bound  bench/llm_bound.py: one worker against a fake provider answering in 0.5 s,
             concurrency 16, 64 and 256, 16 calls per slot (subprocess; it writes
             llm_bound.efficiency_<C> = tasks/s / (C / 0.5) itself), next to one
             process with google-genai alone and with aiohttp alone (no database)
             at the same concurrency;
  scale      bench/scale.py: claim, complete and a user's reads and approval at 10k and
             at 1M finished tasks;
  idle       bench/idle.py: queries/s of 2 idle workers and their wake-up latency;
  isolation  bench/isolation.py: an honest tenant's tasks/s (a quarter of one worker's
             slots, offline calls of 0.05 s) next to a hostile tenant's flood of 10
             times its inputs queued ahead, as a share of its tasks/s alone
             (isolation.honest_share, goal >= 0.8), 15 s of load each;
  monitors   bench/monitors.py: 100,000 monitors of which 1,000 fall due at once, one
             minute of ticks every second (tick p50/p99, the tick that starts the 1,000)
             and the lag from next_run_at to each run's claim;
  console    bench/console.py: the web console's JSON API (in-process, as a signed-in
             user under RLS) with ~1.1M finished tasks: p50/p99 of the batch list (first
             page and a page half way down), a 100,000-task batch's page and a task's
             page (console.batch_list_p99_ms, target < 200 ms);
  chart      bench/chart.py: the PNG.
Every key lands flat (dotted) in one JSON file, with run.<part>_s the seconds each part
took, then ONE table prints every figure side by side, with orchable/peer ratios and the
targets. A part that fails is reported and the others still run; the exit status is then 1.

--quick is a smoke run of every part at small sizes (1,000 queue tasks, orchable only with
1 and 2 processes, one round; pgbench 3 s; 1,000 branches; concurrency 16 with 4 calls per
slot; 2k/20k tasks; a 5 s idle window; 3 s of isolation load; 2,000 monitors, 100 due,
a 10 s minute; 19,000 console tasks) that writes bench/results/quick.json and quick.png
instead, in about a minute.
--only PART... runs some parts and merges their keys into the existing file.

Usage: python bench/run_all.py [--quick] [--only PART ...] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import common
import fan_out
import idle
import isolation
import monitors
import physical_limit
import report
import scale

import console

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
    "chart",
)
NEEDS_BENCH_DB = {"queue", "fan_out", "llm_bound"}
PEER_PROCESSES = 2


@dataclass(frozen=True)
class Sizes:
    """What each part runs, full or quick."""

    queue_tasks: int
    queue_processes: tuple[int, ...]
    queue_peers: bool
    queue_rounds: int
    pgbench_seconds: int
    branches: int
    concurrency: tuple[int, ...]
    calls_per_slot: int
    idle_window: float
    wakes: int
    isolation_seconds: float
    quick: bool


FULL = Sizes(20_000, (1, 2, 4), True, 5, 15, 10_000, (16, 64, 256), 16, 30.0, 5, 15.0, False)
QUICK = Sizes(1_000, (1, 2), False, 1, 3, 1_000, (16,), 4, 5.0, 2, 3.0, True)


def bench_env() -> dict[str, str]:
    """The environment of the subprocess benchmarks: the bench database's URLs."""
    return {
        **os.environ,
        "DATABASE_URL": common.url(common.BENCH_DB),
        "ORCHABLE_WORKER_DATABASE_URL": common.worker_url(common.BENCH_DB),
    }


def script(name: str, args: list[str], timeout: float) -> common.Results:
    """Runs bench/<name> with `--out` a fresh file (its output streams through); returns
    the keys it wrote. Its process group is killed on timeout or interruption."""
    out = common.RESULTS / f".{name}.part.json"
    out.unlink(missing_ok=True)
    command = [common.PYTHON, str(common.ROOT / "bench" / name), *args, "--out", str(out)]
    with common.processes() as procs:
        proc = subprocess.Popen(command, cwd=common.ROOT, env=bench_env(), start_new_session=True)
        procs.append(proc)
        if proc.wait(timeout) != 0:
            raise RuntimeError(f"bench/{name} exited {proc.returncode}")
    try:
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


def queue(sizes: Sizes, known: dict[str, Any]) -> common.Results:
    args = ["--tasks", str(sizes.queue_tasks), "--processes", *map(str, sizes.queue_processes)]
    args += ["--peer-processes", str(PEER_PROCESSES), "--rounds", str(sizes.queue_rounds)]
    if not sizes.queue_peers:
        args += ["--only", "orchable"]
    results = script("queue_overhead.py", args, timeout=1800)
    if sizes.queue_peers:
        results["queue.peer_processes"] = PEER_PROCESSES
    return results


def physical(sizes: Sizes, known: dict[str, Any]) -> common.Results:
    return physical_limit.run(sizes.pgbench_seconds, (2, 4), known.get("queue.orchable_per_s"))


def fan_out_part(sizes: Sizes, known: dict[str, Any]) -> common.Results:
    return fan_out.run(sizes.branches)


def llm_bound(sizes: Sizes, known: dict[str, Any]) -> common.Results:
    args = ["--concurrency", *map(str, sizes.concurrency), "--per-slot", str(sizes.calls_per_slot)]
    return script("llm_bound.py", args, timeout=900)


def scale_part(sizes: Sizes, known: dict[str, Any]) -> common.Results:
    return scale.run(quick=sizes.quick)


def idle_part(sizes: Sizes, known: dict[str, Any]) -> common.Results:
    return idle.run(sizes.idle_window, sizes.wakes)


def isolation_part(sizes: Sizes, known: dict[str, Any]) -> common.Results:
    return isolation.run(sizes.isolation_seconds)


def monitors_part(sizes: Sizes, known: dict[str, Any]) -> common.Results:
    return monitors.run(quick=sizes.quick)


def console_part(sizes: Sizes, known: dict[str, Any]) -> common.Results:
    return console.run(quick=sizes.quick)


RUNNERS: dict[str, Callable[[Sizes, dict[str, Any]], common.Results]] = {
    "queue": queue,
    "physical": physical,
    "fan_out": fan_out_part,
    "llm_bound": llm_bound,
    "scale": scale_part,
    "idle": idle_part,
    "isolation": isolation_part,
    "monitors": monitors_part,
    "console": console_part,
}


def run_part(part: str, sizes: Sizes, known: dict[str, Any], failed: list[str]) -> None:
    """Runs one part, times it and merges its keys into `known`; a failure is recorded."""
    print(f"\n=== {part} ===", flush=True)
    with common.Stopwatch() as clock:
        try:
            known.update(RUNNERS[part](sizes, known))
        except Exception:
            traceback.print_exc()
            failed.append(part)
    known[f"run.{part}_s"] = round(clock.seconds, 1)
    print(f"=== {part}: {clock.seconds:.0f} s ===", flush=True)


def draw_chart(out: Path, quick: bool) -> bool:
    """Draws <out>.png; False when it could not. A quick run without matplotlib (a CI
    that did not install bench/requirements.txt) skips the chart with a message."""
    try:
        import chart  # matplotlib: a benchmark-only dependency
    except ModuleNotFoundError as error:
        print(f"chart: {error}; pip install -r bench/requirements.txt")
        return quick
    png = out.with_suffix(".png")
    chart.draw(json.loads(out.read_text()), png)
    print(f"chart:   {png}")
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--only", nargs="+", choices=PARTS, help="run these parts only")
    parser.add_argument("--out", help="results JSON (latest.json; quick.json with --quick)")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    out = Path(args.out or common.RESULTS / ("quick.json" if args.quick else "latest.json"))
    parts = [p for p in PARTS if args.only is None or p in args.only]
    # A full run starts from nothing, so no figure of an older run survives a failed part.
    known: dict[str, Any] = json.loads(out.read_text()) if args.only and out.exists() else {}
    failed: list[str] = []
    with common.Stopwatch() as total:
        if NEEDS_BENCH_DB & set(parts):
            common.deploy(common.BENCH_DB)
        for part in parts:
            if part != "chart":
                run_part(part, sizes, known, failed)
        if "queue.orchable_per_s" in known and "pgbench_tps" in known:
            known.update(
                physical_limit.share_of_pgbench(known["pgbench_tps"], known["queue.orchable_per_s"])
            )
    if args.only is None:
        known["run.total_s"] = round(total.seconds, 1)
    common.merge_results(out, known)
    print()
    print(report.table(known))
    print(f"\nresults: {out}")
    if "chart" in parts and not draw_chart(out, sizes.quick):
        failed.append("chart")
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
