"""JSON that orjson refuses still crosses the worker unchanged: a claimed input holding an
integer beyond 64 bits reaches the worker as that integer, and an output holding one, or
a dict with integer keys, is stored as the standard library writes it."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from orchable.db import worker_rpc as rpc
from support.pipelines import single_stage
from support.tasks import launch

HUGE = 2**70 + 1  # beyond 64 bits: orjson refuses to read or write it


async def claim_and_complete(worker_url: str, output: Any) -> list[Any]:
    pool = rpc.create_pool(worker_url, max_size=1)
    await pool.open(wait=True)
    try:
        async with pool.connection() as conn:
            claimed = await rpc.claim_tasks(conn, "json-codec-test", 10, 60)
            statuses = await rpc.complete_tasks(
                conn, [rpc.Completion(t.task_id, t.claim_token, output) for t in claimed]
            )
    finally:
        await pool.close()
    assert statuses == ["completed"] * len(claimed)
    return [t.input_data for t in claimed]


def test_json_the_fast_codec_refuses_crosses_the_worker_unchanged(admin, owner, worker_url):
    orchestrator_id = single_stage(
        admin, owner, f"json-codec-{uuid.uuid4()}", ai_settings={"provider": "offline"}
    )
    batch_id = launch(admin, owner, orchestrator_id, [{"question": "ünïcode", "n": HUGE}])["id"]

    inputs = asyncio.run(claim_and_complete(worker_url, {"n": HUGE, "by_id": {7: "seven"}}))

    assert inputs == [{"question": "ünïcode", "n": HUGE}]
    stored = admin.execute(
        "select output_data::text as output from public.ai_tasks where batch_id = %s", (batch_id,)
    ).fetchone()
    assert stored == {"output": f'{{"n": {HUGE}, "by_id": {{"7": "seven"}}}}'}
