"""A call that outlasts the lease keeps it: the worker extends the lease of every task in
flight before it ends, so a second worker polling the queue all along never claims the
task again, and the task completes once, claimed once, its lease never expired."""

from __future__ import annotations

import asyncio

import pytest
from orchable.worker.loop import Worker
from orchable.worker.providers.offline import OfflineProvider
from support.pipelines import single_stage
from support.tasks import launch, tasks
from support.workers import run_worker
from support.workers import settings as worker_settings

LEASE_SECONDS = 1
CALL_SECONDS = 3.0


@pytest.mark.timeout(30)
def test_a_call_longer_than_the_lease_keeps_its_lease(admin, owner, worker_url):
    orchestrator_id = single_stage(
        admin, owner, "long-call", ai_settings={"provider": "offline"}, output_schema="answer"
    )
    batch_id = launch(admin, owner, orchestrator_id, [{"question": f"q{i}"} for i in range(3)])[
        "id"
    ]
    slow = Worker(
        worker_settings(worker_url, lease_seconds=LEASE_SECONDS, listen_url=""),
        {"offline": OfflineProvider(latency_seconds=CALL_SECONDS)},
    )
    idle = Worker(
        worker_settings(worker_url, lease_seconds=LEASE_SECONDS, listen_url="", drain=False),
        {"offline": OfflineProvider()},
    )

    async def both() -> None:
        slow_run = asyncio.create_task(run_worker(slow))
        await asyncio.sleep(0.5)  # the slow worker has claimed every task
        await run_worker(idle, until=slow_run.done)
        await slow_run

    asyncio.run(both())

    rows = tasks(admin, batch_id)
    assert [r["status"] for r in rows] == ["completed"] * 3
    assert all(r["completions"] == 1 for r in rows)
    assert idle.claimed == 0, "the polling worker claimed a task whose lease was kept"
    claims = admin.execute(
        "select claim_count, lease_expired_count from public.ai_tasks where batch_id = %s",
        (batch_id,),
    ).fetchall()
    assert claims == [{"claim_count": 1, "lease_expired_count": 0}] * 3
