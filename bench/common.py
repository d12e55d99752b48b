"""What the benchmark modules share: the local cluster's URLs, deploying a bench database,
percentiles, merging results into bench/results/latest.json, and child processes that are
always killed (their whole process group), on error paths too.

Every bench module is a script run as `python bench/<module>.py`, so its directory is on
sys.path and `import common` finds this file.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench/results"
LATEST = RESULTS / "latest.json"
PYTHON = sys.executable
PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))
BENCH_DB = "orchable_bench"

Results = dict[str, float]


def db_script(*args: str) -> str:
    """Output of scripts/db.sh (url, admin-url, worker-url, ...), stripped."""
    return subprocess.check_output([str(ROOT / "scripts/db.sh"), *args], text=True).strip()


def url(database: str) -> str:
    """The postgres role (owner of the migration) on `database`."""
    return db_script("url", database)


def admin_url(database: str) -> str:
    """The cluster's superuser on `database`."""
    return db_script("admin-url", database)


def worker_url(database: str) -> str:
    """The local worker login (role orchable_worker) on `database`."""
    return db_script("worker-url", database)


def deploy(database: str) -> None:
    """Starts the cluster, (re)creates `database` with Supabase's stand-in and pushes the
    migration to it, as the Makefile's bench target did: a fresh database every run."""
    subprocess.run([str(ROOT / "scripts/db.sh"), "start"], check=True)
    subprocess.run([str(ROOT / "scripts/db.sh"), "create", database, "current"], check=True)
    subprocess.run(
        [str(ROOT / "scripts/deploy.sh"), database, "current"],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PGSSLMODE": "disable"},
    )


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between closest ranks
    (numpy's default), so p50 of an even count is the mean of the two middle values."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def size_label(count: int) -> str:
    """10_000 -> '10k', 1_000_000 -> '1m', 2_500 -> '2.5k': the suffix of size keys."""
    for unit, suffix in ((1_000_000, "m"), (1_000, "k")):
        if count >= unit:
            return f"{count / unit:g}{suffix}"
    return str(count)


def merge_results(path: Path, results: Results) -> dict[str, Any]:
    """Merges `results` into the flat JSON object at `path` (keys sorted); returns it."""
    merged: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    merged.update(results)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")
    return merged


def print_results(results: Results) -> None:
    for key in sorted(results):
        print(f"  {key} = {results[key]}", flush=True)


def stop_group(proc: subprocess.Popen[Any], grace: float = 10.0) -> None:
    """SIGTERM to the process group of `proc` (started with start_new_session), then
    SIGKILL if it has not exited within `grace` seconds."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        proc.wait()


@contextmanager
def processes() -> Iterator[list[subprocess.Popen[Any]]]:
    """A list to append started processes (each in its own session) to; on exit, normal or
    not, every one still running is stopped with its whole process group."""
    started: list[subprocess.Popen[Any]] = []
    try:
        yield started
    finally:
        for proc in started:
            stop_group(proc)


def run_logged(command: Sequence[str], timeout: float, **kwargs: Any) -> str:
    """Runs a command in its own session and returns its output (stdout and stderr);
    kills its process group if it outlives `timeout` seconds or this process is
    interrupted. A non-zero exit raises, with the output in the message."""
    with processes() as procs:
        proc = subprocess.Popen(
            list(command),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            **kwargs,
        )
        procs.append(proc)
        out, _ = proc.communicate(timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"{command[0]} exited {proc.returncode}:\n{out}")
        return out


class Stopwatch:
    """Wall-clock seconds of a block (time.perf_counter)."""

    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
