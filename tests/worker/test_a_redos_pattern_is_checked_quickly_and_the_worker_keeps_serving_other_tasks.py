"""A pattern that backtracks catastrophically in Python's re (`(a+)+$` against the offline
output, which embeds the input's 40 a's and ends in another character: about 2^40 ways to
try) is checked on RE2, in time linear in the string, off the event loop: the task fails
as its output does not match, a task claimed with it completes, and a heartbeat on the
worker's event loop kept ticking throughout. The test's timeout, a SIGALRM (which
interrupts Python's re), makes a blocked loop fail the test instead of hanging it for hours;
the lease outlasts it, so that no task a blocked loop let expire is claimed and blocks the
loop again."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from orchable.worker.loop import Worker
from orchable.worker.providers.offline import OfflineProvider, synthesise
from support.pipelines import single_stage
from support.tasks import launch, tasks
from support.workers import run_worker, settings

REDOS = {
    "type": "object",
    "required": ["answer"],
    "properties": {"answer": {"type": "string", "pattern": "(a+)+$"}},
}
ADVERSARIAL = {"question": "a" * 40}
WATCHDOG_SECONDS = 60
LEASE_SECONDS = 600
LONGEST_BEAT_GAP_SECONDS = 5.0  # generous: the backtracking alone would take hours


@pytest.mark.timeout(WATCHDOG_SECONDS, method="signal")
def test_a_redos_pattern_is_checked_quickly_and_the_worker_keeps_serving_other_tasks(
    admin, owner, worker_url
):
    answer = synthesise(REDOS, ADVERSARIAL)["answer"]
    assert "a" * 40 in answer and not answer.endswith("a")  # adversarial for backtracking
    redos = single_stage(
        admin,
        owner,
        f"redos-{uuid.uuid4()}",
        ai_settings={"provider": "offline"},
        output_schema=REDOS,
        max_retries=0,
    )
    plain = single_stage(
        admin,
        owner,
        f"plain-{uuid.uuid4()}",
        ai_settings={"provider": "offline"},
        output_schema="answer",
    )
    redos_batch = launch(admin, owner, redos, [ADVERSARIAL])["id"]
    plain_batch = launch(admin, owner, plain, [{"question": "b"}])["id"]
    worker = Worker(
        settings(worker_url, lease_seconds=LEASE_SECONDS), {"offline": OfflineProvider()}
    )
    gaps: list[float] = []

    async def heartbeat() -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(0.01)
            now = loop.time()
            gaps.append(now - last)
            last = now

    async def run() -> None:
        beat = asyncio.create_task(heartbeat())
        try:
            await run_worker(worker)
        finally:
            beat.cancel()

    asyncio.run(run())

    [checked] = tasks(admin, redos_batch)
    assert (checked["status"], checked["output_data"]) == ("failed", None)
    assert "does not match '(a+)+$'" in checked["error_message"], checked["error_message"]
    [served] = tasks(admin, plain_batch)
    assert served["status"] == "completed"
    assert (worker.claimed, worker.completed, worker.failed) == (2, 1, 1)
    assert gaps and max(gaps) < LONGEST_BEAT_GAP_SECONDS, max(gaps)
