"""The run: set up, inject chaos while the batch runs, stop everything, check, report."""

from __future__ import annotations

import random
import signal
import tempfile
import time
import traceback
import uuid
from collections import Counter
from dataclasses import dataclass, field
from math import inf
from pathlib import Path
from types import FrameType

from chaos import accounting, checks
from chaos import database as db
from chaos.approver import Approver
from chaos.checks import Check, Conn
from chaos.hostile import Hostile
from chaos.processes import (
    SHUTDOWN_GRACE,
    FakeServer,
    WorkerProcess,
    kill_all,
    start_fake,
    start_worker,
)
from chaos.settings import Settings, parse

TICK = 0.25
LOOK_EVERY = 1.0  # the batch's progress, from the database
PROGRESS_EVERY = 5.0
# A worker alive this long after a cut, with work left, must have called the model again
# (the first dead connection its pool finds makes it check all the others, so a cut costs
# a claim one retry, after the poll interval). Work is left while more inputs have a task
# planned or processing (not only waiting for a person) than the workers have slots: then
# the others cannot hold it all. In the tail of the batch a few due tasks go to whichever
# worker polls first, and a live worker may get none.
CUT_WEDGED = 20.0
# Seconds before the deadline: stop injecting; stop waiting for the batch; stop waiting
# for key cooldowns (then SIGTERM, bounded by the deadline, and the checks: a few seconds).
INJECT_RESERVE, FINISH_RESERVE, COOLDOWN_RESERVE, CHECK_RESERVE = 75.0, 25.0, 15.0, 5.0


class Interrupted(Exception):
    """SIGTERM or SIGINT to the run itself: stop, clean up, report a failure."""


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise Interrupted(signal.Signals(signum).name)


def say(line: str) -> None:
    print(line, flush=True)


@dataclass
class Chaos:
    settings: Settings
    urls: db.Urls
    seeded: db.Seeded
    fake: FakeServer
    logdir: Path
    started: float  # time.monotonic() of the run's start
    rng: random.Random
    workers: list[WorkerProcess] = field(default_factory=list)
    kills: int = 0
    cuts: int = 0
    backends_cut: int = 0
    unexpected: list[WorkerProcess] = field(default_factory=list)
    finished_at: float | None = None  # time.time() the batch finished
    progress: db.Progress | None = None
    # (time.time(), inputs with a task planned or processing), at each look
    open_inputs: list[tuple[float, int]] = field(default_factory=list)
    stopped: int = 0  # workers stopped with SIGTERM at the end
    # Times each task was held, on a lease still running, by a worker at its SIGKILL or at
    # a cut of its connections.
    stranded: Counter[uuid.UUID] = field(default_factory=Counter)
    approver: Approver | None = None  # shapes with stages that wait for a person
    hostile: Hostile | None = None  # the second tenant, unless --no-hostile
    hostile_open: int = 0  # its tasks not ended, at the last look

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def event(self, what: str) -> None:
        """A line in chaos-events.log: what was done to which worker, and when."""
        stamp = time.strftime("%H:%M:%S", time.localtime()) + f".{time.time() % 1:.3f}"[2:]
        with (self.logdir / "chaos-events.log").open("a") as log:
            log.write(f"{stamp} +{self.elapsed():.1f}s {what}\n")

    def live(self) -> list[WorkerProcess]:
        return [w for w in self.workers if w.alive]

    def spawn(self) -> None:
        index = len(self.workers) + 1
        self.workers.append(
            start_worker(index, self.settings, self.urls.worker, self.fake.url, self.logdir)
        )
        self.event(f"started chaos-w{index} (pid {self.workers[-1].proc.pid})")

    def replace_the_dead(self) -> None:
        for worker in self.live():
            if worker.exited_on_its_own():
                self.unexpected.append(worker)
                say(f"chaos: {worker.name} exited on its own ({worker.proc.returncode}:"
                    f" {worker.last_words()}); log {worker.log}")  # fmt: skip
                self.event(f"{worker.name} exited on its own ({worker.proc.returncode})")
                self.spawn()

    def kill_one(self, conn: Conn) -> None:
        """SIGSTOP, note the tasks it holds (frozen: no claim or completion can slip in),
        SIGKILL, and start a replacement."""
        victim = self.rng.choice(self.live())
        victim.freeze()
        held = db.tasks_held_by(conn, victim.name)
        lapsed = db.lapsed_leases(conn, victim.name)
        self.stranded.update(held)
        victim.kill()
        self.kills += 1
        self.event(
            f"SIGKILLed {victim.name} holding {len(held)} tasks"
            + (f" (and {lapsed} whose lease had run out)" if lapsed else "")
        )
        self.spawn()

    def cut_one(self, conn: Conn) -> bool:
        ready = [w for w in self.live() if time.time() - w.started_at > 1.0]
        if not ready:
            return False
        worker = self.rng.choice(ready)
        held = db.tasks_held_by(conn, worker.name)
        lapsed = db.lapsed_leases(conn, worker.name)
        cut = db.terminate_backends(conn, worker.name)
        if cut:
            self.stranded.update(held)
            self.event(
                f"cut {cut} backends of {worker.name} holding {len(held)} tasks"
                + (f" (and {lapsed} whose lease had run out)" if lapsed else "")
            )
            worker.cuts.append(time.time())
            self.cuts += 1
            self.backends_cut += cut
        return cut > 0

    def report(self) -> None:
        p = self.progress
        if p is None:
            return
        say(
            f"chaos: {self.elapsed():4.0f} s  inputs {p.completed + p.failed}/{p.total} done"
            f" ({p.failed} failed)  tasks {p.tasks_done}/{p.tasks} done, {p.processing}"
            f" processing  workers {len(self.live())}  kills {self.kills}  cuts {self.cuts}"
            + (f"  hostile open {self.hostile_open}" if self.hostile else "")
        )

    def finished(self, conn: Conn) -> bool:
        """The honest batch is finished and, with a hostile tenant, its attacks were made
        and every task of it ended."""
        assert self.progress is not None
        if self.hostile is not None:
            self.hostile_open = self.hostile.open_tasks(conn)
            if not self.hostile.attacked or self.hostile_open:
                return False
        return self.progress.finished


def _next(rng: random.Random, span: tuple[float, float]) -> float:
    return time.monotonic() + rng.uniform(*span)


def run_batch(chaos: Chaos, conn: Conn) -> None:
    """Kills and cuts until the batch is finished or INJECT_RESERVE before the deadline;
    then waits, calm, for the batch until FINISH_RESERVE before it."""
    s = chaos.settings
    for _ in range(s.workers):
        chaos.spawn()
    if chaos.hostile is not None:
        chaos.hostile.schedule()
    next_kill, next_cut = _next(chaos.rng, s.kill_every), _next(chaos.rng, s.cut_every)
    next_report = next_look = 0.0
    calm_said = False
    while chaos.elapsed() < s.deadline - FINISH_RESERVE:
        chaos.replace_the_dead()
        if chaos.approver is not None:  # the person in the loop, chaos or calm
            chaos.approver.maybe_look()
        if chaos.hostile is not None:
            chaos.hostile.maybe_attack()
        now = time.monotonic()
        if now >= next_look:
            chaos.progress = p = db.progress(conn, chaos.seeded.batch_id)
            chaos.open_inputs.append((time.time(), p.with_work))
            next_look = now + LOOK_EVERY
            if chaos.finished(conn):
                chaos.finished_at = time.time()
                break
        if chaos.elapsed() < s.deadline - INJECT_RESERVE:
            if now >= next_kill:
                chaos.kill_one(conn)
                next_kill = _next(chaos.rng, s.kill_every)
            if now >= next_cut:
                next_cut = _next(chaos.rng, s.cut_every) if chaos.cut_one(conn) else now + 0.5
        elif not calm_said:
            say("chaos: injection window over; waiting for the batch without chaos")
            calm_said = True
        if now >= next_report:
            chaos.report()
            next_report = now + PROGRESS_EVERY
        time.sleep(TICK)
    chaos.report()


def wait_for_cooldowns(chaos: Chaos, conn: Conn) -> None:
    """Waits for the last key cooldown to end, when it ends before the deadline allows; a
    longer one is not waited for in part: the key check asks acquire_api_key about its end."""
    wait = db.latest_key_block(conn, chaos.seeded.owner)
    budget = chaos.settings.deadline - COOLDOWN_RESERVE - chaos.elapsed()
    if wait + 0.5 <= budget:
        say(f"chaos: the last key cooldown ends in {wait:.1f} s; waiting for it")
        time.sleep(wait + 0.5)
    else:
        say(f"chaos: the last key cooldown ends in {wait:.0f} s, past the deadline: not waiting")


def stop_workers(chaos: Chaos) -> list[WorkerProcess]:
    """SIGTERM to every live worker at once; the ones that did not exit 0 in time."""
    live = chaos.live()
    chaos.stopped = len(live)
    for worker in live:
        worker.wait_started(10.0)
    for worker in live:
        worker.send_term()
    budget = chaos.settings.deadline - CHECK_RESERVE - chaos.elapsed()
    deadline = time.monotonic() + min(SHUTDOWN_GRACE + 20.0, max(SHUTDOWN_GRACE + 1.0, budget))
    for worker in live:
        worker.wait_term(max(0.1, deadline - time.monotonic()))
    return [w for w in live if w.end != "sigterm" or w.proc.returncode != 0]


def _first_call_after(
    requests: list[accounting.Request],
    claims: dict[str, list[float]],
    worker: str,
    moment: float,
) -> float:
    """Seconds from `moment` to the worker's next request to the model, or its next claim
    of a task of the hostile tenant (offline: no request), whichever is first (inf: none)."""
    times = [r.t for r in requests if r.worker == worker] + claims.get(worker, [])
    return min((t - moment for t in times if t > moment), default=inf)


def _cut_recovery(
    chaos: Chaos, requests: list[accounting.Request], claims: dict[str, list[float]]
) -> tuple[list[float], list[str]]:
    """For each cut: how long until the worker called the model again (or claimed a task
    of the hostile tenant); and the workers that lived CUT_WEDGED s on after a cut, with
    work left, without doing either."""
    end_of_work = chaos.finished_at or time.time()
    slots = chaos.settings.workers * chaos.settings.concurrency
    gaps: list[float] = []
    wedged: list[str] = []
    for worker in chaos.workers:
        for cut in worker.cuts:
            gap = _first_call_after(requests, claims, worker.name, cut)
            lived = min(worker.ended_at or time.time(), end_of_work) - cut
            if gap < lived:
                gaps.append(gap)
            elif lived >= CUT_WEDGED and (left := _open_inputs_at(chaos, cut + CUT_WEDGED)) > slots:
                wedged.append(
                    f"{worker.name}: no call in the {lived:.0f} s after a cut, with {left} inputs"
                    f" with work {CUT_WEDGED:.0f} s after it"
                )
    return sorted(gaps), wedged


def _open_inputs_at(chaos: Chaos, moment: float) -> int:
    """Inputs with work for the workers at the first look at or after `moment` (0: none
    after)."""
    return next((count for t, count in chaos.open_inputs if t >= moment), 0)


def workers_check(
    chaos: Chaos,
    unclean: list[WorkerProcess],
    requests: list[accounting.Request],
    claims: dict[str, list[float]],
) -> Check:
    """No worker died on its own (only the chaos's SIGKILLs end one) or stayed wedged after
    a cut; every worker stopped cleanly on SIGTERM. The time from a cut to the worker's
    next call is reported. `claims`: when each worker claimed a hostile task."""
    gaps, wedged = _cut_recovery(chaos, requests, claims)
    failed = [
        f"{w.name} exited {w.proc.returncode} on its own ({w.last_words()})"
        for w in chaos.unexpected
    ]
    failed += [f"{w.name} {w.end}, exit {w.proc.returncode}, on SIGTERM" for w in unclean]
    failed += wedged
    median = gaps[len(gaps) // 2] if gaps else 0.0
    figures = (
        f"{len(chaos.workers)} worker processes, {chaos.kills} SIGKILLed, {chaos.cuts} cuts"
        f" ({chaos.backends_cut} backends terminated), none exited on its own; after a cut"
        f" the worker called the model again within median {median:.1f} s, max"
        f" {gaps[-1] if gaps else 0.0:.1f} s ({len(gaps)} cuts); the last"
        f" {chaos.stopped - len(unclean)} of {chaos.stopped} stopped with exit 0 on SIGTERM"
    )
    return Check(
        "workers survive connection cuts and stop cleanly",
        not failed,
        figures if not failed else "; ".join(failed),
    )


def _log_lines(chaos: Chaos, event: str) -> int:
    return sum(w.log.read_text(errors="replace").count(f" {event} ") for w in chaos.workers)


def check_all(chaos: Chaos, unclean: list[WorkerProcess]) -> list[Check]:
    s, batch = chaos.settings, chaos.seeded.batch_id
    requests = accounting.read_log(chaos.fake.request_log)
    with db.connect(chaos.urls.admin) as conn:
        rejected = chaos.approver.rejected if chaos.approver else set()
        failures, gave_up = checks.failures(conn, batch, s, chaos.stranded, rejected)
        found = [
            checks.outputs(conn, batch, s, gave_up),
            checks.unfinished(conn, batch),
            failures,
            checks.duplicates(
                conn, batch, s, set(chaos.approver.edited) if chaos.approver else set()
            ),
            checks.lineage(conn, batch, s),
            checks.counters(conn, batch),
            checks.keys(conn, chaos.seeded.owner, s),
        ]
        if chaos.approver is not None:
            found.append(checks.approvals(conn, batch, s, chaos.approver))
        rows = accounting.read_rows(conn, batch, chaos.seeded.secrets, s.shape)
        ok_ids = {r.response_id for r in requests if r.behaviour == "ok" and r.response_id}
        found.append(checks.outputs_were_answers(conn, batch, ok_ids))
        claims: dict[str, list[float]] = {}
        if chaos.hostile is not None:
            found += chaos.hostile.checks(conn, batch, chaos.stranded)
            claims = chaos.hostile.claims(conn)
    workers = {w.name: w for w in chaos.workers}
    result = accounting.account(requests, rows, workers, s.call_timeout, s.order_slack)
    lines = accounting.describe(result, chaos.kills, s.call_timeout, s.order_slack)
    if result.unrecorded:
        lines.append(f"worker logs: {_log_lines(chaos, 'call_record_failed')} call_record_failed")
    found.append(Check("llm_calls account for every call", result.passed, "; ".join(lines)))
    found.append(workers_check(chaos, unclean, requests, claims))
    return found


def execute(settings: Settings, logdir: Path, started: float) -> list[Check]:
    urls, origin = db.urls(settings)
    hostile = Hostile.start(settings, urls.database, logdir) if settings.hostile else None
    fake: FakeServer | None = None
    chaos: Chaos | None = None
    try:
        if hostile is not None:
            hostile.flood()  # queued ahead of the honest batch
        seeded = db.seed(urls.database, settings)
        say(
            f"chaos: {settings.inputs} inputs, shape {settings.shape.name}:"
            f" {settings.shape.summary}, {settings.keys} keys, {settings.workers} workers x"
            f" {settings.concurrency} calls, seed {settings.seed}, deadline"
            f" {settings.deadline:g} s; database: {origin}; batch {seeded.batch_id}; logs in"
            f" {logdir}"
        )
        if hostile is not None:
            say(
                f"chaos: hostile tenant {hostile.user}: {hostile.flooded} flood inputs queued"
                " ahead of the honest batch; its attacks come once the workers run"
            )
        fake = start_fake(settings, logdir)
        chaos = Chaos(settings, urls, seeded, fake, logdir, started, random.Random(settings.seed))
        chaos.hostile = hostile
        if settings.shape.approval_stages:
            chaos.approver = Approver.start(settings, urls.database, seeded.owner, seeded.batch_id)
        with db.connect(urls.admin) as conn:
            run_batch(chaos, conn)
            wait_for_cooldowns(chaos, conn)
        unclean = stop_workers(chaos)
        fake.stop()
        return check_all(chaos, unclean)
    finally:
        if chaos is not None and chaos.approver is not None:
            chaos.approver.close()
        kill_all(fake, chaos.workers if chaos else [], hostile.listener if hostile else None)
        if hostile is not None:
            hostile.close()


def main(argv: list[str] | None = None) -> int:
    settings = parse(argv)
    started = time.monotonic()
    logdir = Path(tempfile.mkdtemp(prefix="orchable-chaos-"))
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        found = execute(settings, logdir, started)
    except (Exception, Interrupted) as error:
        say("".join(traceback.format_exception(error)).rstrip())
        say(f"chaos: logs in {logdir}")
        first = (str(error).strip().splitlines() or [""])[0]
        say(f"chaos: FAIL (the run itself: {type(error).__name__}: {first})")
        return 1
    for check in found:
        say(check.line())
    failed = [c.name for c in found if not c.passed]
    say(f"chaos: took {time.monotonic() - started:.0f} s")
    if failed:
        say(f"chaos: logs in {logdir}")
        say(f"chaos: FAIL ({'; '.join(failed)})")
        return 1
    say("chaos: PASS")
    return 0
