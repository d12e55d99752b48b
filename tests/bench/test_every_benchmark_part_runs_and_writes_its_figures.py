"""`make bench` keeps working: a quick run of bench/run_all.py (small sizes, orchable only)
runs every part and writes the figures the full run reports. The targets are the full
run's business, not this test's: it checks that each figure is there and sane."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEYS = (
    "queue.orchable_per_s",
    "pgbench_tps",
    "fan_out.create_1000_branches_s",
    "fan_out.merge_after_last_branch_ms",
    "llm_bound.efficiency_16",
    "llm_bound.sdk_alone_efficiency_16",
    "llm_bound.aiohttp_alone_efficiency_16",
    "scale.claim_p99_ratio",
    "scale.complete_p99_ratio",
    "idle.queries_per_s",
    "isolation.honest_share",
    "monitors.tick_p99_ms",
    "monitors.tick_due_100_ms",
    "monitors.start_lag_p99_s",
    "console.batch_list_p99_ms",
    "console.batch_page_p99_ms",
    "console.task_page_p99_ms",
)


@pytest.mark.timeout(600)
def test_every_benchmark_part_runs_and_writes_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "quick.json"
    env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}
    done = subprocess.run(
        [sys.executable, "bench/run_all.py", "--quick", "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    figures = json.loads(out.read_text())
    missing = [key for key in KEYS if key not in figures]
    assert not missing, f"missing {missing}; got {sorted(figures)}"
    assert all(figures[key] > 0 for key in KEYS if key != "idle.queries_per_s"), figures
