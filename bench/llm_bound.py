"""LLM-bound throughput: tasks/s of one worker process against a fake provider that
answers after 500 ms, at concurrency 1, 16, 64 and 256, next to the ideal
(concurrency / latency).

The fake Gemini server runs as its own process (`python -m tests.fakes.gemini_server`),
the owner has 4 Gemini keys in the pool (so acquire_api_key rotates them) and the
pipeline has one stage asking for gemini with a small output_schema. For each
concurrency C one batch of max(16*C, 40) inputs is launched (16 calls per slot: a
throughput, not a start-up; with 4 per slot, firing the first C calls, about 1.6 ms of
google-genai CPU each, weighed a fifth of the run) and ONE worker process
(`python -m orchable.cli worker --concurrency C --poll-seconds 0.2`) runs it; the bench
stops it with SIGTERM once the batch is done (not `--drain`, which exits while released
tasks still wait out their delay). Throughput is read
from the database: tasks / (max(completed_at) - min(started_at)) of the batch, so the
worker's start-up and shutdown do not count. Each run is killed after a deadline, and
checked: every task completed, with exactly one completion event and one successful call.

Next to each run, in the same run against the same fake server, what one Python process
gets with no database and no orchable (bench/one_process_ceiling.py): google-genai through
orchable's own provider code, and raw aiohttp, each making the same number of calls at the
same concurrency. orchable's tasks/s over google-genai alone is its bookkeeping's cost.

Usage: python bench/llm_bound.py [--concurrency 1 16 ...] [--per-slot 16] [--latency 0.5]
  DATABASE_URL: the postgres role; ORCHABLE_WORKER_DATABASE_URL: the worker login
  (default: scripts/db.sh worker-url <the database of DATABASE_URL>).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from orchable.settings import DEFAULT_MODELS

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
KEYS = 4
MODEL = DEFAULT_MODELS["gemini"]
OUTPUT_SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string"}, "score": {"type": "integer"}},
    "required": ["answer", "score"],
}


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return subprocess.check_output([str(ROOT / "scripts/db.sh"), "url"], text=True).strip()


def worker_url(url: str) -> str:
    explicit = os.environ.get("ORCHABLE_WORKER_DATABASE_URL")
    if explicit:
        return explicit
    database = urlsplit(url).path.lstrip("/") or "postgres"
    script = str(ROOT / "scripts/db.sh")
    return subprocess.check_output([script, "worker-url", database], text=True).strip()


def start_fake(latency: float) -> tuple[subprocess.Popen[str], str]:
    fake = subprocess.Popen(
        [PYTHON, "-m", "tests.fakes.gemini_server", "--port", "0", "--latency", str(latency)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert fake.stdout is not None
    line = fake.stdout.readline().strip()
    if not line.startswith("http://127.0.0.1:"):
        fake.kill()
        raise RuntimeError(f"the fake Gemini server did not start (printed {line!r})")
    return fake, line


def setup_owner(url: str, keys: int) -> uuid.UUID:
    """An owner with `keys` Gemini keys and a one-stage gemini pipeline; returns the pipeline."""
    owner = uuid.uuid4()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "insert into auth.users (id, email) values (%s, %s)",
            (owner, f"llm-bound-{owner}@example.test"),
        )
        for i in range(keys):
            conn.execute(
                "select add_api_key('gemini', %s, %s, p_owner_id => %s)",
                (f"bench-key-{i}-{uuid.uuid4().hex}", f"bench-{i}", owner),
            )
        definition = {
            "name": f"llm-bound-{owner}",
            "owner_id": str(owner),
            "entry": "answer",
            "stages": [
                {
                    "key": "answer",
                    "template": "Answer question {{n}} in one word.",
                    "ai_settings": {"provider": "gemini", "model": MODEL},
                    "output_schema": OUTPUT_SCHEMA,
                }
            ],
        }
        return conn.execute(
            "select (upsert_orchestrator(%s::jsonb)).id", (json.dumps(definition),)
        ).fetchone()[0]


def launch(url: str, pipeline: uuid.UUID, tasks: int) -> uuid.UUID:
    with psycopg.connect(url, autocommit=True) as conn:
        inputs = json.dumps([{"n": i} for i in range(tasks)])
        return conn.execute(
            "select (launch_batch(%s, %s::jsonb)).id", (pipeline, inputs)
        ).fetchone()[0]


def measure(url: str, batch: uuid.UUID, tasks: int) -> dict[str, float]:
    """Throughput of the batch from the database, after checking every task completed once."""
    with psycopg.connect(url, autocommit=True) as conn:
        status, count, first, last, reclaimed = conn.execute(
            """
            select
                string_agg(distinct status, ','), count(*),
                min(started_at), max(completed_at), count(*) filter (where claim_count > 1)
            from ai_tasks where batch_id = %s
            """,
            (batch,),
        ).fetchone()
        assert count == tasks and status == "completed", (
            f"batch {batch}: {count} of {tasks} tasks, statuses {status}"
        )
        twice = conn.execute(
            """
            select count(*) from (
                select task_id from task_events
                where batch_id = %s and event = 'task_status' and to_status = 'completed'
                group by task_id having count(*) <> 1
            ) as e
            """,
            (batch,),
        ).fetchone()[0]
        completions = conn.execute(
            """
            select count(distinct task_id) filter (where to_status = 'completed'),
                   count(*) filter (where to_status = 'completed')
            from task_events where batch_id = %s and event = 'task_status'
            """,
            (batch,),
        ).fetchone()
        calls = conn.execute(
            """
            select count(*) filter (where outcome = 'success'),
                   count(distinct task_id) filter (where outcome = 'success'),
                   count(*) filter (where outcome <> 'success'),
                   percentile_cont(0.5) within group (order by latency_ms)
            from llm_calls where batch_id = %s
            """,
            (batch,),
        ).fetchone()
    assert twice == 0 and completions == (tasks, tasks), (
        f"batch {batch}: completion events {completions}, {twice} tasks not completed once"
    )
    assert calls[0] == tasks and calls[1] == tasks, (
        f"batch {batch}: {calls[0]} successful calls for {calls[1]} tasks of {tasks}"
    )
    seconds = (last - first).total_seconds()
    return {
        "seconds": seconds,
        "tasks_per_s": tasks / seconds,
        "reclaimed": reclaimed,
        "failed_calls": calls[2],
        "median_call_ms": float(calls[3] or 0),
    }


def batch_done(url: str, batch: uuid.UUID) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        total, done = conn.execute(
            "select total_tasks, completed_tasks + failed_tasks from task_batches where id = %s",
            (batch,),
        ).fetchone()
    return done >= total


def run_worker(
    url: str,
    db_url: str,
    batch: uuid.UUID,
    fake_url: str,
    concurrency: int,
    deadline: float,
    log: Path,
) -> str:
    """Runs ONE worker process until the batch is done, then stops it with SIGTERM.

    Not `--drain`: a drained worker exits as soon as a claim finds nothing runnable, which
    strands tasks that release_task put back with a delay (run_after in the future)."""
    env = {
        **os.environ,
        "ORCHABLE_WORKER_DATABASE_URL": url,
        "ORCHABLE_GEMINI_BASE_URL": fake_url,
    }
    env.pop("DATABASE_URL", None)
    command = [
        PYTHON,
        "-m",
        "orchable.cli",
        "worker",
        "--concurrency",
        str(concurrency),
        "--default-provider",
        "gemini",
        "--poll-seconds",
        "0.2",
        "--shutdown-grace",
        "5",
    ]
    with log.open("w") as err:
        worker = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            start_new_session=True,
        )
        started = time.monotonic()
        try:
            while not batch_done(db_url, batch):
                if worker.poll() is not None:
                    raise RuntimeError(
                        f"concurrency {concurrency}: the worker exited {worker.returncode}"
                        f" before the batch was done (log in {log})"
                    )
                if time.monotonic() - started > deadline:
                    raise RuntimeError(
                        f"concurrency {concurrency}: the batch was not done after {deadline:.0f} s"
                        f" (worker killed; log in {log})"
                    )
                time.sleep(0.2)
            worker.send_signal(signal.SIGTERM)
            out, _ = worker.communicate(timeout=30)
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.communicate()
    return out.strip()


def ceiling(client: str, fake_url: str, concurrency: int, requests: int) -> float:
    """Calls/s of one process with `client` alone (no database), at `concurrency`."""
    out = subprocess.run(
        [
            PYTHON,
            str(ROOT / "bench/one_process_ceiling.py"),
            *("--url", fake_url, "--client", client),
            *("--concurrency", str(concurrency), "--requests", str(requests)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60 + 5 * requests * 0.5 / concurrency,
        check=True,
    ).stdout
    result = json.loads(out)
    assert result["failed"] == 0, f"{client} alone: {result['failed']} calls failed"
    return float(result["per_s"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64, 256])
    parser.add_argument("--latency", type=float, default=0.5, help="fake answer delay (0.5 s)")
    parser.add_argument("--per-slot", type=int, default=16, help="calls per slot (16)")
    parser.add_argument("--keys", type=int, default=KEYS, help=f"Gemini keys in the pool ({KEYS})")
    parser.add_argument("--out", default=str(ROOT / "bench/results/llm_bound.json"))
    args = parser.parse_args()
    url = database_url()
    wurl = worker_url(url)
    fake, fake_url = start_fake(args.latency)
    results: dict[str, float] = {}
    logs = Path(os.environ.get("TMPDIR", "/tmp"))
    try:
        pipeline = setup_owner(url, args.keys)
        ideal_head = f"ideal (C/{args.latency:g})"
        print(
            f"{'concurrency':>11} | {'tasks':>5} | {'tasks/s':>8} | {ideal_head:>14}"
            f" | {'share of ideal':>14} | {'google-genai alone':>18} | {'aiohttp alone':>13}",
            flush=True,
        )
        for concurrency in args.concurrency:
            tasks = max(args.per_slot * concurrency, 40)
            ideal = concurrency / args.latency
            batch = launch(url, pipeline, tasks)
            deadline = 60.0 + 5 * tasks / ideal
            log = logs / f"orchable-llm-bound-{concurrency}.log"
            summary = run_worker(wurl, url, batch, fake_url, concurrency, deadline, log)
            m = measure(url, batch, tasks)
            released = re.search(r"released\s+(\d+)", summary)
            share = m["tasks_per_s"] / ideal
            sdk = ceiling("sdk", fake_url, concurrency, tasks)
            raw = ceiling("aiohttp", fake_url, concurrency, tasks)
            results[f"llm_bound.tasks_per_s_{concurrency}"] = round(m["tasks_per_s"], 1)
            results[f"llm_bound.efficiency_{concurrency}"] = round(share, 3)
            results[f"llm_bound.sdk_alone_per_s_{concurrency}"] = round(sdk, 1)
            results[f"llm_bound.sdk_alone_efficiency_{concurrency}"] = round(sdk / ideal, 3)
            results[f"llm_bound.aiohttp_alone_per_s_{concurrency}"] = round(raw, 1)
            results[f"llm_bound.aiohttp_alone_efficiency_{concurrency}"] = round(raw / ideal, 3)
            print(
                f"{concurrency:>11} | {tasks:>5} | {m['tasks_per_s']:>8.1f} | {ideal:>14.0f}"
                f" | {share:>13.1%} | {sdk / ideal:>17.1%} | {raw / ideal:>12.1%}"
                f"   ({m['seconds']:.2f} s, median call {m['median_call_ms']:.0f}"
                f" ms, released {released.group(1) if released else '?'},"
                f" re-claimed {m['reclaimed']}, failed calls {m['failed_calls']})",
                flush=True,
            )
    finally:
        os.killpg(fake.pid, signal.SIGTERM)
        try:
            fake.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(fake.pid, signal.SIGKILL)
            fake.wait()
    out = Path(args.out)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
