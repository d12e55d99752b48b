"""Every read of the console's API answers what the page's TypeScript types say it does:
the types (console/src/api.ts, `Answers`) are written as JSON Schema by
ts-json-schema-generator, and each answer of a console over real data (a course batch a
worker ran, a question waiting, a monitor's runs, a key, a component) is validated
against its endpoint's type. A field renamed, dropped or changed in type on either side
fails here, not in a user's browser."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from orchable.worker.loop import Worker
from orchable.worker.providers.offline import OfflineProvider
from support.console import add_component, console_client, render_with
from support.monitors import create_monitor, settle_run, start_run
from support.pipelines import course
from support.tasks import launch
from support.workers import run_worker, settings

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(180)]

CONSOLE = Path(__file__).resolve().parents[2] / "console"


def page_types() -> dict[str, Any]:
    """The JSON Schema of the page's `Answers` (npm run schema)."""
    written = subprocess.run(
        ["npm", "run", "--silent", "schema"],
        cwd=CONSOLE,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return json.loads(written.stdout)


def check(schema: dict[str, Any], endpoint: str, answer: Any) -> None:
    jsonschema.validate(
        answer,
        {**schema, "$ref": f"#/definitions/Answers/properties/{endpoint}"},
        cls=jsonschema.Draft7Validator,
    )


async def test_every_answer_of_the_api_fits_the_pages_types(
    admin, console_url, worker_url, owner, asked
):
    schema = page_types()
    orchestrator_id = course(admin, owner, output_schemas=True)
    batch_id = launch(admin, owner, orchestrator_id, [{"topic": "owls"}, {"topic": "bats"}])["id"]
    await run_worker(Worker(settings(worker_url), {"offline": OfflineProvider()}))
    task_id = admin.execute(
        "select id from public.ai_tasks where batch_id = %s and parent_task_id is null limit 1",
        (batch_id,),
    ).fetchone()["id"]
    render_with(admin, task_id, add_component(admin, owner, "export default () => null"))
    monitor_id = create_monitor(admin, owner)
    settle_run(admin, start_run(admin, monitor_id), True, {"release_date": "2027-09-19"})
    start_run(admin, monitor_id)
    admin.execute(
        "select public.add_api_key(p_provider => 'gemini', p_api_key => %s, p_key_name => 'main',"
        " p_owner_id => %s)",
        ("AIzaSy-contract-key-0000000000000001", owner),
    )

    reads = {
        "session": "/api/session",
        "batches": "/api/batches?limit=1",
        "batch": f"/api/batches/{batch_id}",
        "batch_tasks": f"/api/batches/{batch_id}/tasks?limit=1",
        "task": f"/api/tasks/{task_id}",
        "inbox": "/api/inbox",
        "pipelines": "/api/pipelines",
        "components": "/api/components",
        "monitors": "/api/monitors",
        "monitor": f"/api/monitors/{monitor_id}",
        "costs": "/api/costs",
        "keys": "/api/keys",
    }
    async with console_client(console_url, dev_user=owner) as client:
        answers = {}
        for endpoint, path in reads.items():
            answer = await client.get(path)
            assert answer.status_code == 200, (path, answer.text)
            answers[endpoint] = answer.json()

    # Pages with a next one, so the cursors are checked too.
    assert answers["batches"]["next_cursor"] and answers["batch_tasks"]["next_cursor"]
    assert answers["task"]["component"] is not None and answers["task"]["calls"]
    assert answers["inbox"]["interactions"] and answers["keys"]["keys"]
    assert answers["monitor"]["runs"][1]["search_suggestions_url"] is not None
    assert set(answers) == set(schema["definitions"]["Answers"]["properties"])
    for endpoint, answer in answers.items():
        check(schema, endpoint, answer)
