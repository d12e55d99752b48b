"""Console: how fast does the web console's JSON API answer a user with a million finished
tasks, under row-level security?

One database, orchable_bench_console, recreated every run and dropped at the end (unless
--keep; --reuse takes a kept one of the same size as is), with synthetic finished history
(bench/history.py's rows: course-pipeline trees of 5 tasks per input, their events, calls,
task trees and merge groups, triggers off, vacuum analyze, then a checkpoint):
- the user (owner 0) owns FULL.batches * 9/10 batches of FULL.inputs_per_batch inputs
  (1,980 batches of 500 tasks) and, newest, one big batch of FULL.big_inputs inputs
  (100,000 tasks): 1,090,000 finished tasks;
- a second user (owner 1) owns every tenth batch, interleaved in time with the user's
  (220 batches, 110,000 tasks), which RLS must filter out of the user's list.

The console (orchable.console.api.create_console_app) is served in-process through httpx's
ASGITransport over an AsyncConnectionPool of the postgres login (which may SET ROLE
authenticated), signed in as the user (ConsoleSettings(dev_user=...)): every request is
its own transaction as `authenticated` with the user's claims, as in production. Each
endpoint gets WARMUP requests, then SAMPLES requests one at a time, each timed from send
to the whole JSON body received (parsed and checked):
  batch_list       GET /api/batches (the first page: the newest 50 batches);
  batch_list_deep  GET /api/batches?cursor=... (a keyset page half way down the list);
  batch_page       GET /api/batches/{id} of the big batch: its counters, task counts by
                   stage and status, calls, tokens and cost, pace, the timeline (200
                   events), the first tree page (50 inputs, 250 tasks);
  task_page        GET /api/tasks/{id}, a different input (root task) of the big batch
                   each time: the task, its stage, calls, events, interactions, children.

Keys: console.<name>_p50_ms and console.<name>_p99_ms for every name above;
console.batch_list_target_ms (200: the seed's target for the list); console.user_tasks,
console.tasks (all owners), console.big_batch_tasks, console.user_batches;
console.build_s (the synthetic history, vacuum included).

Usage: python bench/console.py [--quick] [--keep] [--reuse] [--explain] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import common
import history
import httpx
import psycopg
from orchable.console.api import create_console_app
from orchable.console.settings import ConsoleSettings
from psycopg_pool import AsyncConnectionPool

DATABASE = "orchable_bench_console"
LIST_TARGET_MS = 200.0
OTHER_EVERY = 10  # every tenth batch is the second user's
NAMES = ("batch_list", "batch_list_deep", "batch_page", "task_page")

# The batch numbers of one growth, each an owner's: 0 (the user), or 1 for every tenth.
BATCH_NUMBERS = f"""
insert into bench.batches (n, id, launch_id, owner_idx)
select n, md5('b' || n)::uuid, md5('l' || n)::uuid,
    case when n %% {OTHER_EVERY} = {OTHER_EVERY - 1} then 1 else 0 end
from generate_series(%(b0)s::bigint, %(b1)s::bigint - 1) as n
"""
SIZE_TABLE = "create unlogged table bench.console_size (inputs bigint, batches bigint)"


@dataclass(frozen=True)
class Plan:
    """The history's shape and the sample counts of one run."""

    batches: int = 2_200
    inputs_per_batch: int = 100
    big_inputs: int = 20_000
    samples: int = 200
    warmup: int = 20

    @property
    def tasks(self) -> int:
        inputs = self.batches * self.inputs_per_batch + self.big_inputs
        return inputs * history.TASKS_PER_INPUT


FULL = Plan()
QUICK = Plan(batches=70, inputs_per_batch=40, big_inputs=1_000, samples=20, warmup=3)


@dataclass
class Built:
    """The database's user, the big batch and its inputs, and the sizes."""

    user: uuid.UUID
    big_batch: uuid.UUID
    roots: list[uuid.UUID]
    counts: dict[str, int]


# --- the history ----------------------------------------------------------------------------


def grow(admin: str, grown: history.History, inputs: int, batches: int) -> None:
    """history.grow's steps with this part's owners: `batches` batches of `inputs` inputs
    each (5 finished tasks per input), in chunks written by two connections at once."""
    params: dict[str, object] = {
        "b0": grown.batches,
        "b1": grown.batches + batches,
        "k_base": grown.inputs,
        "per_batch": inputs,
        "t0": grown.t0,
        "step": grown.step,
    }
    with psycopg.connect(admin, autocommit=True) as conn, conn.transaction():
        conn.execute("set local session_replication_role = replica")
        for statement in (BATCH_NUMBERS, history.BATCHES, history.BATCH_EVENTS):
            conn.execute(statement, params)
    k_end = grown.inputs + inputs * batches
    chunks = [
        {**params, "k0": k0, "k1": min(k0 + history.CHUNK_INPUTS, k_end)}
        for k0 in range(grown.inputs, k_end, history.CHUNK_INPUTS)
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(history.write_chunk, admin, chunk) for chunk in chunks]:
            future.result()
    grown.inputs = k_end
    grown.batches += batches


def build(plan: Plan) -> None:
    """Deploys the database and writes the history: the many batches of both users, then
    the user's big batch, the newest."""
    common.deploy(DATABASE)
    admin = common.admin_url(DATABASE)
    with psycopg.connect(admin, autocommit=True) as conn:
        history.create_owners(conn)
        grown = history.start(conn, plan.tasks)
    grow(admin, grown, plan.inputs_per_batch, plan.batches)
    grow(admin, grown, plan.big_inputs, 1)  # number plan.batches: the user's (owner 0)
    with psycopg.connect(admin, autocommit=True) as conn:
        history.vacuum_analyze(conn)
        history.check_consistent(conn)
        conn.execute(SIZE_TABLE)
        conn.execute(
            "insert into bench.console_size values (%s, %s)", (grown.inputs, grown.batches)
        )
        conn.execute("checkpoint")


def sized(plan: Plan) -> bool:
    """Whether a kept database holds this plan's history."""
    try:
        with psycopg.connect(common.admin_url(DATABASE), autocommit=True) as conn:
            row = conn.execute("select inputs, batches from bench.console_size").fetchone()
    except psycopg.Error:
        return False
    return row == (plan.tasks // history.TASKS_PER_INPUT, plan.batches + 1)


def describe(plan: Plan) -> Built:
    """The user, the big batch (the user's newest), its inputs and the sizes."""
    with psycopg.connect(common.admin_url(DATABASE), autocommit=True) as conn:
        user = conn.execute("select owner_id from bench.owners where idx = 0").fetchone()[0]
        big = conn.execute(
            "select id from public.task_batches where owner_id = %s"
            " order by total_tasks desc, created_at desc limit 1",
            (user,),
        ).fetchone()[0]
        roots = [
            r[0]
            for r in conn.execute(
                "select id from public.ai_tasks where batch_id = %s and parent_task_id is null"
                " order by md5(id::text) limit %s",
                (big, plan.samples + plan.warmup),
            )
        ]
        counts = conn.execute(
            "select (select count(*) from public.ai_tasks),"
            " (select count(*) from public.ai_tasks where owner_id = %s),"
            " (select count(*) from public.ai_tasks where batch_id = %s),"
            " (select count(*) from public.task_batches where owner_id = %s)",
            (user, big, user),
        ).fetchone()
    keys = ("tasks", "user_tasks", "big_batch_tasks", "user_batches")
    return Built(user, big, roots, dict(zip(keys, counts, strict=True)))


# --- measuring ------------------------------------------------------------------------------


async def get(client: httpx.AsyncClient, path: str) -> tuple[float, Any]:
    """Milliseconds of one GET, from send to its JSON body parsed; the body."""
    started = time.perf_counter()
    response = await client.get(path)
    body = response.json()
    ms = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: {response.status_code} {body}")
    return ms, body


async def measure(built: Built, plan: Plan) -> dict[str, list[float]]:
    """WARMUP then SAMPLES requests of each endpoint, one at a time; ms by name."""
    settings = ConsoleSettings(dev_user=built.user)
    async with AsyncConnectionPool(common.url(DATABASE), min_size=2, max_size=4) as pool:
        app = create_console_app(pool, settings)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            # The keyset of a page half way down the user's list, by walking to it once.
            path, pages = "/api/batches", built.counts["user_batches"] // 50 // 2
            for _ in range(max(1, pages)):
                _, body = await get(client, path)
                if body["next_cursor"] is None:
                    break
                path = f"/api/batches?cursor={body['next_cursor']}"
            paths = {
                "batch_list": ["/api/batches"],
                "batch_list_deep": [path],
                "batch_page": [f"/api/batches/{built.big_batch}"],
                "task_page": [f"/api/tasks/{root}" for root in built.roots],
            }
            samples: dict[str, list[float]] = {}
            for name in NAMES:
                options = paths[name]
                times = []
                for i in range(plan.warmup + plan.samples):
                    ms, body = await get(client, options[i % len(options)])
                    check(name, body)
                    times.append(ms)
                samples[name] = times[plan.warmup :]
    return samples


def check(name: str, body: Any) -> None:
    """The answer is a full page: what the timings stand for was read."""
    if name == "batch_list":
        if len(body["batches"]) != 50:
            raise RuntimeError(f"{name}: {len(body['batches'])} batches, expected 50")
    elif name == "batch_list_deep":
        if not body["batches"]:
            raise RuntimeError(f"{name}: an empty page")
    elif name == "batch_page":
        if len(body["tree"]["root_ids"]) != 50 or not body["timeline"]:
            raise RuntimeError(f"{name}: no tree page or timeline")
    elif not body["events"] or not body["children"]:
        raise RuntimeError(f"{name}: a task without events or children")


def explain(built: Built) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the list's first page and of the big batch's page's
    queries (api.Console.batch's, abridged), as the user (role authenticated and claims set
    local, as the console runs them)."""
    sql = {
        "batch list": "select b.id from public.task_batches as b join public.orchestrators"
        " as o on o.id = b.orchestrator_id order by b.created_at desc, b.id desc limit 51",
        "batch stages": "select t.stage_key, t.status, min(t.step_number), count(*)"
        " from public.ai_tasks as t where t.batch_id = %s group by t.stage_key, t.status",
        "batch calls": "select count(*), sum(l.input_tokens), sum(l.output_tokens),"
        " sum(l.cost_usd) from public.llm_calls as l where l.batch_id = %s",
        "batch timeline": "select * from public.v_batch_timeline where batch_id = %s"
        " order by event_id desc limit 200",
        "batch tree page": "select t.id, t.created_at from public.ai_tasks as t"
        " where t.batch_id = %s and t.parent_task_id is null order by t.created_at, t.id"
        " limit 51",
    }
    parts = []
    claims = json.dumps({"sub": str(built.user), "role": "authenticated"})
    with psycopg.connect(common.url(DATABASE)) as conn:
        for label, query in sql.items():
            with conn.transaction():
                conn.execute(
                    "select set_config('role', 'authenticated', true),"
                    " set_config('request.jwt.claims', %s, true),"
                    " set_config('jit', 'off', true)",
                    (claims,),
                )
                params = (built.big_batch,) if "%s" in query else ()
                rows = conn.execute(f"explain (analyze, buffers) {query}", params).fetchall()
            parts.append(label + "\n" + "\n".join(r[0] for r in rows))
    return "\n\n".join(parts)


# --- run ------------------------------------------------------------------------------------


def run(
    quick: bool = False, keep: bool = False, reuse: bool = False, show_plans: bool = False
) -> common.Results:
    """Builds (or reuses) the database, measures the console; returns the console.* keys."""
    plan = QUICK if quick else FULL
    if plan.batches % OTHER_EVERY:
        raise ValueError(f"batches must be a multiple of {OTHER_EVERY}: the big one is the user's")
    results: common.Results = {"console.batch_list_target_ms": LIST_TARGET_MS}
    try:
        with common.Stopwatch() as clock:
            if not (reuse and sized(plan)):
                build(plan)
        print(f"console: history ready in {clock.seconds:.0f} s", flush=True)
        results["console.build_s"] = round(clock.seconds, 1)
        built = describe(plan)
        for key, count in built.counts.items():
            results[f"console.{key}"] = count
        samples = asyncio.run(measure(built, plan))
        for name in NAMES:
            p50, p99 = common.percentile(samples[name], 50), common.percentile(samples[name], 99)
            results[f"console.{name}_p50_ms"] = round(p50, 2)
            results[f"console.{name}_p99_ms"] = round(p99, 2)
            print(
                f"  {name:<16} p50 {p50:8.2f} ms  p99 {p99:8.2f} ms"
                f"  max {max(samples[name]):8.2f} ms  ({len(samples[name])} samples)",
                flush=True,
            )
        if show_plans:
            print(explain(built), flush=True)
    finally:
        if not keep:
            drop()
    return results


def drop() -> None:
    with psycopg.connect(common.admin_url("postgres"), autocommit=True) as conn:
        conn.execute(f"drop database if exists {DATABASE} with (force)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="~18k tasks, few samples")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept database")
    parser.add_argument("--explain", action="store_true", help="print the plans at the end")
    parser.add_argument("--out", default=str(common.LATEST))
    args = parser.parse_args()
    results = run(args.quick, args.keep, args.reuse, args.explain)
    common.merge_results(Path(args.out), results)
    common.print_results(results)


if __name__ == "__main__":
    main()
