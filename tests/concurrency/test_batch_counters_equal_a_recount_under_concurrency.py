"""Invariant 4: a batch's counters always equal a recount from its tasks, under concurrency.

Eight workers (own connection each, as orchable_worker) work four batches at once, two of
a one-stage pipeline and two of a split/merge pipeline, all with max_retries = 1. Each
task is completed, failed retryably or failed for good at random, so that inputs finish
at the same moment in different transactions, some completed and some failed. Retry
backoff is skipped by making retried tasks due at once. At the end every batch's
completed_tasks, failed_tasks, total_tasks and status equal tests.recount(batch)."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from support.databases import connections
from support.pipelines import course, single_stage
from support.tasks import assert_counters_match, launch, open_task_count, output_for, work
from support.threads import at_once

WORKERS = 8
ROOTS = 60
ROUNDS = 3


def test_batch_counters_equal_a_recount_under_concurrency(database, admin, owner):
    single = single_stage(admin, owner, "counters-single", max_retries=1)
    split = course(admin, owner, "counters-course", max_retries=1)
    with connections(database.admin_url, WORKERS) as conns, ThreadPoolExecutor(WORKERS) as pool:
        for round_no in range(ROUNDS):
            rng = random.Random(round_no)
            batch_ids = [
                launch(admin, owner, single, [{"question": f"q{i}"} for i in range(ROOTS)])["id"],
                launch(admin, owner, single, [{"question": f"q{i}"} for i in range(ROOTS)])["id"],
                launch(
                    admin,
                    owner,
                    split,
                    [{"topic": f"t{i}", "k": rng.randint(0, 4)} for i in range(ROOTS)],
                )["id"],
                launch(
                    admin,
                    owner,
                    split,
                    [{"topic": f"t{i}", "k": rng.randint(0, 4)} for i in range(ROOTS)],
                )["id"],
            ]
            deadline = time.monotonic() + 30
            lock = threading.Lock()

            def decide(task, rng=rng, lock=lock):
                with lock:
                    roll = rng.random()
                if roll < 0.7:
                    return "complete", output_for(task)
                if roll < 0.9:
                    return "retry", "rate limited"
                return "fail", "refused"

            results = at_once(
                pool,
                [
                    partial(work, conns[n], batch_ids, decide, worker=f"w{n}", deadline=deadline)
                    for n in range(WORKERS)
                ],
            )
            for _, error in results:
                assert error is None, error
            assert open_task_count(admin, batch_ids) == 0, (
                f"round {round_no}: batches unfinished by the deadline"
            )
            actions = {action for done, _ in results for _, action, _ in done}
            assert actions == {"complete", "retry", "fail"}, actions
            for batch_id in batch_ids:
                state = assert_counters_match(admin, batch_id)
                assert state["total_tasks"] == ROOTS
                assert state["completed_tasks"] + state["failed_tasks"] == ROOTS, state
