"""A task whose stage has a kind this worker does not know (a newer database's, say)
fails for good as invalid_request (OR027), naming the kind, before any call."""

from __future__ import annotations

import asyncio

from orchable.settings import ExecutorSettings
from orchable.worker.loop import Worker
from orchable.worker.providers.offline import OfflineProvider
from support.grounded import QUESTION, grounded_stage
from support.tasks import calls, launch, tasks
from support.workers import run_worker, settings


def test_an_unknown_stage_kind_fails_the_task_as_invalid_request_naming_it(
    admin, owner, worker_url
):
    orchestrator_id = grounded_stage(admin, owner, {"provider": "offline"}, kind="generate")
    # The database takes only the kinds it knows: the stage is changed behind its back.
    admin.execute(
        "update public.prompt_templates"
        " set stage_config = coalesce(stage_config, '{}') || '{\"kind\": \"crawl\"}'"
        " where orchestrator_id = %s",
        (orchestrator_id,),
    )
    batch_id = launch(admin, owner, orchestrator_id, [{"question": QUESTION}])["id"]
    provider = OfflineProvider()
    worker = Worker(
        settings(worker_url, executor=ExecutorSettings(default_provider="offline")),
        {"offline": provider},
    )

    asyncio.run(run_worker(worker))

    [row] = tasks(admin, batch_id)
    assert (row["status"], row["retry_count"], row["output_data"]) == ("failed", 0, None)
    assert row["error_code"] == "OR027"  # invalid_request
    assert "unknown stage kind 'crawl'" in row["error_message"]
    assert calls(admin, batch_id) == []
    assert (worker.completed, worker.failed) == (0, 1)
