"""Monitors: what the scheduler's tick costs with 100,000 monitors, and how late the runs of
a minute in which 1,000 of them fall due are claimed.

Its own database (orchable_bench_monitors, recreated every run and dropped at the end
unless --keep). Setup, as the superuser and set-based: 1,000 users straight into
auth.users, each with its "monitors (orchable)" pipeline already made (as after its first
run: orchable._monitor_pipeline), then 100,000 rows straight into
public.monitors, each of a random owner (fixed seed), with a daily schedule ('MI HH * * *')
in one of four zones whose next time is its next_run_at: minute boundaries spread over the
next day, from 5 minutes on (about 70 a minute). Then vacuum analyze and a checkpoint.

Then one minute, on the wall clock:
- 1,000 of the monitors, of random owners, are moved to fall due at one instant T0,
  5.5 s into the minute (their schedules moved with them): cron times fire at :00, so the
  runs of a minute fall due at once. Nothing else falls due in the minute;
- a ticker calls `select * from public.tick()` every CADENCE (1) second, as pg_cron would
  at its finest schedule ('1 seconds'), on the worker login, each call timed from send to
  its row received. A tick that overruns its second delays the next to the next second (a
  pg_cron job does not overlap itself). T0 falls halfway between two ticks, the mean phase
  of a ticker that is not aligned to minutes, so the runs wait half a cadence for theirs;
- alongside, a claim loop does what a worker with free slots does: LISTEN orchable_tasks,
  `claim_tasks(worker, 32, 600)` (the largest claim the worker makes by default:
  min(concurrency, 32)) again and again while it gets tasks, else wait for a NOTIFY or
  the worker's poll (5 s). The claimed tasks are not run: a monitor run's stage is a
  grounded search, and the claim is its start, which is what is measured here.

Real time, not p_now stepping through a simulated minute: a run's task is claimable from
the real commit of the tick that started it, and claim_tasks reads the real now() (it has
no p_now), so the lag from next_run_at to the claim only means something on the wall
clock; the ticks also meet the claims they compete with in production. The minute of
waiting is half the part's time.

Figures: tick p50/p99 over every tick of the minute (about 58: one starts the due runs,
the others nothing, the common case; with so few samples p99 interpolates between the two
slowest, so it mostly says how slow the due tick was); the same over the ticks that started
nothing; the tick that started the due runs (runs_per_tick, 1,000, lets one tick start them
all). Start lag: for each run, its task's started_at (the claim's transaction start, server
clock) minus its execution's scheduled_for (T0, the monitor's next_run_at): the wait for the
next tick, that tick's transaction (the tasks appear at its commit), and the claims before
the run's own. Every due run must have been started and claimed within the minute.

Keys: monitors.tick_p50_ms, monitors.tick_p99_ms, monitors.tick_idle_p99_ms,
monitors.tick_due_<due>_ms (tick_due_1000_ms in the full run), monitors.start_lag_p50_s,
monitors.start_lag_p99_s, monitors.start_lag_max_s, monitors.ticks, monitors.monitors,
monitors.due, monitors.setup_s (users, pipelines, monitors, vacuum analyze).

--quick: 2,000 monitors of 20 owners, 100 due, a 10 s window (T0 2.5 s in).

Usage: python bench/monitors.py [--quick] [--keep] [--out FILE]
"""

from __future__ import annotations

import argparse
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import common
import psycopg

DATABASE = "orchable_bench_monitors"
WORKER_ID = "monitors-bench"
CADENCE = 1.0  # seconds between ticks
CLAIM_BATCH = 32  # the worker's largest default claim: min(concurrency, 32)
POLL = 5.0  # the worker's poll when no NOTIFY comes (--poll-seconds)
LEASE = 600
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo")
SEED = 0.42

TICK = "select monitor_runs, trigger_launches from public.tick()"
CLAIM = "select task_id from public.claim_tasks(%s, %s, %s)"

USERS = """
insert into auth.users (id, email, role, aud)
select
    gen_random_uuid(),
    format('monitors-bench-%%s@example.test', i),
    'authenticated',
    'authenticated'
from generate_series(1, %(owners)s) as i
"""
PIPELINES = "select count(orchable._monitor_pipeline(u.id)) from auth.users as u"
# Each monitor's schedule is the daily time of its next_run_at in its zone, so the tick
# moves it to the same time a day later, as it would a monitor made through create_monitor.
MONITORS = """
insert into public.monitors (
    owner_id, name, schedule, timezone, search_query, condition_description, next_run_at
)
select
    o.ids[g.owner],
    'monitor ' || g.i,
    to_char(g.at at time zone g.zone, 'FMMI FMHH24') || ' * * *',
    g.zone,
    'When will version ' || g.i || ' of the product be released?',
    'A release date has been announced',
    g.at
from (
    select
        i,
        (%(zones)s::text [])[1 + i %% cardinality(%(zones)s::text [])] as zone,
        1 + floor(random() * %(owners)s)::integer as owner,
        date_trunc('minute', now())
            + make_interval(mins => 5 + floor(random() * 1435)::integer) as at
    from generate_series(1, %(monitors)s) as i
) as g
cross join (select array_agg(u.id order by u.email) as ids from auth.users as u) as o
"""
# The due monitors, plan.due of them at random (fixed seed), moved to T0 with their schedules.
MAKE_DUE = """
with due as (
    select m.id from public.monitors as m order by random() limit %(due)s
)
update public.monitors as m
set
    next_run_at = %(at)s,
    schedule = to_char(%(at)s at time zone m.timezone, 'FMMI FMHH24') || ' * * *'
from due
where m.id = due.id
"""
LAGS = """
select extract(epoch from t.started_at - e.scheduled_for)::float8
from public.monitor_executions as e
join public.ai_tasks as t on t.id = e.task_id
where e.scheduled_for = %s and t.started_at is not null
"""


@dataclass(frozen=True)
class Plan:
    """Sizes of one run."""

    monitors: int = 100_000
    due: int = 1_000
    owners: int = 1_000
    window: float = 60.0  # seconds of ticks
    lead: int = 5  # ticks before T0 (which falls half a cadence after the last of them)


FULL = Plan()
QUICK = Plan(monitors=2_000, due=100, owners=20, window=10.0, lead=2)


@dataclass(frozen=True)
class Tick:
    """One tick: when it was sent (client wall clock), its milliseconds, runs it started."""

    at: float
    ms: float
    runs: int


def setup(plan: Plan) -> float:
    """Deploys the database and fills it; returns the seconds the filling took."""
    common.deploy(DATABASE)
    with psycopg.connect(common.admin_url(DATABASE), autocommit=True) as conn:
        with common.Stopwatch() as clock:
            conn.execute(USERS, {"owners": plan.owners})
            conn.execute(PIPELINES)
            conn.execute("select setseed(%s)", (SEED,))
            params = {"zones": list(ZONES), "owners": plan.owners, "monitors": plan.monitors}
            conn.execute(MONITORS, params)
            conn.execute(
                "vacuum (analyze) auth.users, public.monitors, public.orchestrators,"
                " public.prompt_templates"
            )
        conn.execute("checkpoint")
    print(
        f"monitors: {plan.monitors:,} monitors of {plan.owners:,} owners (pipelines made),"
        f" set up in {clock.seconds:.1f} s",
        flush=True,
    )
    return clock.seconds


def make_due(plan: Plan, at: datetime) -> None:
    """Moves plan.due monitors to fall due at `at`; checks nothing else falls due in the
    window."""
    with psycopg.connect(common.admin_url(DATABASE), autocommit=True) as conn:
        conn.execute("select setseed(%s)", (SEED,))
        conn.execute(MAKE_DUE, {"due": plan.due, "at": at})
        window_end = datetime.fromtimestamp(at.timestamp() + plan.window, UTC)
        due = conn.execute(
            "select count(*) from public.monitors where state = 'active' and next_run_at < %s",
            (window_end,),
        ).fetchone()[0]
    if due != plan.due:
        raise RuntimeError(f"{due} monitors fall due in the window, expected {plan.due}")


def worker_connection() -> psycopg.Connection[Any]:
    """The worker login, autocommit, no server-side prepared statements (as the worker)."""
    return psycopg.connect(common.worker_url(DATABASE), autocommit=True, prepare_threshold=None)


def tick_loop(start: float, window: float) -> list[Tick]:
    """Ticks every CADENCE seconds from `start` (wall clock) for `window` seconds; a tick
    that overruns its slot delays the next to the next slot."""
    ticks: list[Tick] = []
    with worker_connection() as conn:
        slot = 0
        while (at := start + slot * CADENCE) < start + window:
            time.sleep(max(0.0, at - time.time()))
            sent = time.time()
            began = time.perf_counter()
            runs, _ = conn.execute(TICK).fetchone()
            ticks.append(Tick(sent, (time.perf_counter() - began) * 1000, runs))
            slot = max(slot + 1, int((time.time() - start) / CADENCE) + 1)
    return ticks


class Claimer(threading.Thread):
    """A worker's claims with free slots for every task: LISTEN, claim CLAIM_BATCH at a
    time while claims return tasks, else wait for a NOTIFY or POLL seconds."""

    def __init__(self) -> None:
        super().__init__(name="monitors-claimer", daemon=True)
        self.done = threading.Event()
        self.claimed = 0
        self.claims = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with worker_connection() as conn:
                conn.execute("listen orchable_tasks")
                while not self.done.is_set():
                    while rows := conn.execute(CLAIM, (WORKER_ID, CLAIM_BATCH, LEASE)).fetchall():
                        self.claimed += len(rows)
                        self.claims += 1
                    self.wait(conn)
        except BaseException as error:  # reported by the main thread
            self.error = error

    def wait(self, conn: psycopg.Connection[Any]) -> None:
        """Until a NOTIFY, POLL seconds, or done (checked every 0.1 s)."""
        deadline = time.monotonic() + POLL
        while not self.done.is_set() and (left := deadline - time.monotonic()) > 0:
            if any(True for _ in conn.notifies(timeout=min(0.1, left), stop_after=1)):
                return


def start_lags(scheduled_for: datetime) -> list[float]:
    with psycopg.connect(common.admin_url(DATABASE), autocommit=True) as conn:
        return [lag for (lag,) in conn.execute(LAGS, (scheduled_for,)).fetchall()]


def measure(plan: Plan) -> tuple[list[Tick], list[float], float]:
    """The minute: the due monitors moved to T0, ticks and claims; returns the ticks, the
    runs' start lags in seconds, and T0 (wall clock)."""
    start = time.time() + 1.0  # time to move the due monitors and connect
    due_at = start + (plan.lead + 0.5) * CADENCE
    scheduled_for = datetime.fromtimestamp(due_at, UTC)
    make_due(plan, scheduled_for)
    claimer = Claimer()
    claimer.start()
    try:
        ticks = tick_loop(start, plan.window)
    finally:
        claimer.done.set()
        claimer.join()
    if claimer.error is not None:
        raise RuntimeError("the claim loop failed") from claimer.error
    started = sum(tick.runs for tick in ticks)
    lags = start_lags(scheduled_for)
    if started != plan.due or len(lags) != plan.due or claimer.claimed != plan.due:
        raise RuntimeError(
            f"of {plan.due} due runs, the ticks started {started}, {claimer.claimed} tasks"
            f" were claimed and {len(lags)} runs have a claimed task"
        )
    print(
        f"monitors: the claim loop made {claimer.claims} claims of up to {CLAIM_BATCH}"
        f" ({claimer.claimed:,} tasks)",
        flush=True,
    )
    return ticks, lags, due_at


def summarize(plan: Plan, ticks: list[Tick], lags: list[float], due_at: float) -> common.Results:
    """The monitors.* keys, printed."""
    every = [tick.ms for tick in ticks]
    idle = [tick.ms for tick in ticks if tick.runs == 0]
    starting = [tick for tick in ticks if tick.runs > 0]
    if len(starting) != 1 or not idle:
        counts = [tick.runs for tick in starting]
        raise RuntimeError(f"expected one tick to start the due runs, got runs {counts}")
    due_tick = starting[0]
    results: common.Results = {
        "monitors.monitors": plan.monitors,
        "monitors.due": plan.due,
        "monitors.ticks": len(ticks),
        "monitors.tick_p50_ms": round(common.percentile(every, 50), 2),
        "monitors.tick_p99_ms": round(common.percentile(every, 99), 2),
        "monitors.tick_idle_p99_ms": round(common.percentile(idle, 99), 2),
        f"monitors.tick_due_{plan.due}_ms": round(due_tick.ms, 1),
        "monitors.start_lag_p50_s": round(common.percentile(lags, 50), 3),
        "monitors.start_lag_p99_s": round(common.percentile(lags, 99), 3),
        "monitors.start_lag_max_s": round(max(lags), 3),
    }
    lines = (
        f"{len(ticks)} ticks in {plan.window:.0f} s, one every {CADENCE:g} s: p50"
        f" {common.percentile(every, 50):.1f} ms, p99 {common.percentile(every, 99):.1f} ms,"
        f" max {max(every):.1f} ms",
        f"  {len(idle)} that started nothing: p50 {common.percentile(idle, 50):.1f} ms, p99"
        f" {common.percentile(idle, 99):.1f} ms",
        f"  the one that started the {plan.due:,} runs: {due_tick.ms:.1f} ms, sent"
        f" {due_tick.at - due_at:.2f} s after they fell due",
        f"start lag (next_run_at to the claim) of the {len(lags):,} runs: p50"
        f" {common.percentile(lags, 50):.2f} s, p99 {common.percentile(lags, 99):.2f} s,"
        f" min {min(lags):.2f} s, max {max(lags):.2f} s",
    )
    print("\n".join(f"monitors: {line}" for line in lines), flush=True)
    return results


def run(quick: bool = False, keep: bool = False) -> common.Results:
    """Sets up the monitors, runs the minute; returns the monitors.* keys."""
    plan = QUICK if quick else FULL
    try:
        setup_s = setup(plan)
        results = summarize(plan, *measure(plan))
        results["monitors.setup_s"] = round(setup_s, 1)
    finally:
        if not keep:
            drop()
    return results


def drop() -> None:
    with psycopg.connect(common.admin_url("postgres"), autocommit=True) as conn:
        conn.execute(f"drop database if exists {DATABASE} with (force)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 monitors, 100 due, 10 s")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--out", default=str(common.LATEST))
    args = parser.parse_args()
    results = run(args.quick, args.keep)
    common.merge_results(Path(args.out), results)
    common.print_results(results)


if __name__ == "__main__":
    main()
