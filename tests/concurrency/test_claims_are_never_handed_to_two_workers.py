"""Invariant: a runnable task is claimed by one worker at a time (FOR UPDATE SKIP LOCKED).

Eight workers, each on its own connection as orchable_worker, claim from a batch of 500
tasks in small random bites until nothing is left; every task must be handed out exactly
once, and the union must be the whole batch. Repeated over several batches."""

from __future__ import annotations

import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from support.databases import connections
from support.pipelines import single_stage
from support.tasks import claim, launch
from support.threads import at_once

WORKERS = 8
TASKS = 500
ROUNDS = 4


def test_claims_are_never_handed_to_two_workers(database, admin, owner):
    orchestrator_id = single_stage(admin, owner, "claims")
    with connections(database.admin_url, WORKERS) as conns, ThreadPoolExecutor(WORKERS) as pool:
        for round_no in range(ROUNDS):
            batch = launch(
                admin, owner, orchestrator_id, [{"question": f"q{i}"} for i in range(TASKS)]
            )
            deadline = time.monotonic() + 20

            def drain(n: int, round_no: int = round_no, deadline: float = deadline) -> list:
                rng = random.Random(round_no * 100 + n)
                claimed = []
                while time.monotonic() < deadline:
                    got = claim(conns[n], rng.randint(1, 8), worker=f"w{n}")
                    if not got:
                        break
                    claimed.extend((row["task_id"], row["claim_token"], f"w{n}") for row in got)
                return claimed

            results = at_once(pool, [lambda n=n: drain(n) for n in range(WORKERS)])
            for _, error in results:
                assert error is None, error
            claims = [c for claimed, _ in results for c in claimed]

            counts = Counter(task_id for task_id, _, _ in claims)
            twice = {task_id: n for task_id, n in counts.items() if n > 1}
            assert not twice, f"round {round_no}: tasks handed to more than one worker: {twice}"
            rows = admin.execute(
                "select id, status, claim_token, locked_by, claim_count from public.ai_tasks"
                " where batch_id = %s",
                (batch["id"],),
            ).fetchall()
            assert set(counts) == {r["id"] for r in rows}, (
                f"round {round_no}: not every task claimed"
            )
            by_id = {r["id"]: r for r in rows}
            for task_id, token, worker in claims:
                row = by_id[task_id]
                assert (
                    row["status"],
                    row["claim_token"],
                    row["locked_by"],
                    row["claim_count"],
                ) == (
                    "processing",
                    token,
                    worker,
                    1,
                ), row
            # More than one worker took part, or the test proved nothing about contention.
            assert len({worker for _, _, worker in claims}) > 1
