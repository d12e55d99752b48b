"""Physical limit: what this cluster commits per second with pgbench's simple-update script.

`pgbench -i` fills its own database (orchable_bench_pgbench, recreated every run, scale 1),
then `pgbench -N` (simple-update: per transaction an UPDATE of pgbench_accounts, a SELECT
and an INSERT into pgbench_history, committed with fsync on) runs with 2 and then 4
clients, `-j 2` threads, for --seconds each, connected as the cluster's superuser. The
figure is pgbench's own "tps" (without initial connection time). It is a ceiling for any
queue on this cluster: each orchable task costs at least a claim and a completion, in
transactions that write more rows than simple-update's.

Keys: `pgbench_tps` (the best run), `pgbench_tps_2clients`, `pgbench_tps_4clients`, and,
when the queue figure `queue.orchable_per_s` is known, `queue.orchable_share_of_pgbench`
(orchable's best no-op tasks/s over pgbench_tps).

Usage: python bench/physical_limit.py [--seconds 15] [--clients 2 4] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import re

import common

DATABASE = "orchable_bench_pgbench"
PGBENCH = str(common.PGBIN / "pgbench")


def initialise(dsn: str) -> None:
    """Recreates the pgbench database and fills it (`pgbench -i -s 1 -q`)."""
    common.db_script("create", DATABASE, "current")
    common.run_logged([PGBENCH, "-i", "-s", "1", "-q", dsn], timeout=300)


def simple_update_tps(dsn: str, clients: int, seconds: int) -> float:
    """tps of `pgbench -N -c clients -j 2 -T seconds`, read from its report."""
    out = common.run_logged(
        [PGBENCH, "-N", "-c", str(clients), "-j", str(min(2, clients)), "-T", str(seconds), dsn],
        timeout=seconds + 120,
    )
    match = re.search(r"^tps = ([0-9.]+)", out, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"pgbench printed no tps:\n{out}")
    return float(match.group(1))


def run(
    seconds: int = 15, clients: tuple[int, ...] = (2, 4), orchable_per_s: float | None = None
) -> common.Results:
    """Runs pgbench once per client count; returns the pgbench_* keys (and orchable's
    share of the best when `orchable_per_s` is given)."""
    common.db_script("start")
    dsn = common.admin_url(DATABASE)
    initialise(dsn)
    results: common.Results = {}
    for count in clients:
        tps = simple_update_tps(dsn, count, seconds)
        results[f"pgbench_tps_{count}clients"] = round(tps, 1)
        print(f"pgbench simple-update, {count} clients, {seconds} s: {tps:.0f} tps", flush=True)
    results["pgbench_tps"] = max(results[f"pgbench_tps_{c}clients"] for c in clients)
    results.update(share_of_pgbench(results["pgbench_tps"], orchable_per_s))
    return results


def share_of_pgbench(pgbench_tps: float, orchable_per_s: float | None) -> common.Results:
    """`queue.orchable_share_of_pgbench` when both figures are known, else nothing."""
    if not orchable_per_s or not pgbench_tps:
        return {}
    return {"queue.orchable_share_of_pgbench": round(orchable_per_s / pgbench_tps, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--clients", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--out", default=str(common.LATEST))
    args = parser.parse_args()
    out = common.Path(args.out)
    known = json.loads(out.read_text()) if out.exists() else {}
    results = run(args.seconds, tuple(args.clients), known.get("queue.orchable_per_s"))
    common.merge_results(out, results)
    common.print_results(results)


if __name__ == "__main__":
    main()
