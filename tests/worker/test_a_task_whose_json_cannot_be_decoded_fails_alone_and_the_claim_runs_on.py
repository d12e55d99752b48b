"""A claimed task whose JSON the worker cannot decode (an integer of 5,000 digits, arrays
nested 3,000 deep: jsonb holds both, Python's json does not) fails alone and for good with
OR018, while another owner's task claimed in the same claim completes, and the worker runs
on to drain instead of exiting. The database refuses such input at launch, so it is put in
place here as the superuser, on planned tasks."""

from __future__ import annotations

import asyncio
import uuid

from orchable.db import worker_rpc
from orchable.worker.loop import Worker
from orchable.worker.providers.offline import OfflineProvider
from support.pipelines import single_stage
from support.tasks import launch, tasks
from support.users import create_user
from support.workers import run_worker, settings

HUGE_INTEGER = '{"question": "q", "n": ' + "9" * 5000 + "}"
DEEP = '{"question": "q", "n": ' + "[" * 3000 + "]" * 3000 + "}"


def test_a_task_whose_json_cannot_be_decoded_fails_alone_and_the_claim_runs_on(
    admin, owner, worker_url, monkeypatch
):
    other = create_user(admin)
    theirs = single_stage(
        admin,
        other,
        f"innocent-{uuid.uuid4()}",
        ai_settings={"provider": "offline"},
        output_schema="answer",
    )
    mine = single_stage(
        admin,
        owner,
        f"unreadable-{uuid.uuid4()}",
        ai_settings={"provider": "offline"},
        output_schema="answer",
    )
    bad_batch = launch(admin, owner, mine, [{"question": "a"}, {"question": "b"}])["id"]
    innocent_batch = launch(admin, other, theirs, [{"question": "fine"}])["id"]
    for row, bad in zip(tasks(admin, bad_batch), (HUGE_INTEGER, DEEP), strict=True):
        admin.execute(
            "update public.ai_tasks set input_data = %s::jsonb where id = %s", (bad, row["id"])
        )

    claims: list[int] = []
    claim_tasks = worker_rpc.claim_tasks

    async def counted_claim(*args, **kwargs):
        claimed = await claim_tasks(*args, **kwargs)
        claims.append(len(claimed))
        return claimed

    monkeypatch.setattr(worker_rpc, "claim_tasks", counted_claim)
    worker = Worker(settings(worker_url), {"offline": OfflineProvider()})
    asyncio.run(run_worker(worker))  # drains: it neither raises nor stops early

    assert claims[0] == 3, claims  # the three tasks came in one claim
    bad = tasks(admin, bad_batch)
    assert [(r["status"], r["error_code"], r["retry_count"]) for r in bad] == [
        ("failed", "OR018", 0),
        ("failed", "OR018", 0),
    ]
    assert all("input_data cannot be decoded" in r["error_message"] for r in bad), bad
    [innocent] = tasks(admin, innocent_batch)
    assert (innocent["status"], innocent["successful_calls"]) == ("completed", 1)
    assert (worker.claimed, worker.completed, worker.failed) == (3, 1, 2)
