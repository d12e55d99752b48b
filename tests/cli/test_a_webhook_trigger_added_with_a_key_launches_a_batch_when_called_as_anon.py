"""`orchable triggers add PIPELINE NAME --webhook-key KEY` binds a webhook trigger to an
access key (named by its name) and prints the curl line a caller uses; called through
trigger_webhook as anon with the key and a payload, it launches a batch whose one input
is the payload on top of the trigger's first input."""

from __future__ import annotations

import json

from support.cli import ok, printed, row_of, run
from support.databases import acting_as
from support.pipelines import single_stage


def test_a_webhook_trigger_added_with_a_key_launches_a_batch_when_called_as_anon(
    database, admin, owner
):
    pipeline = f"leads-{owner}"
    pipeline_id = single_stage(admin, owner, pipeline)
    key = printed(ok(run(database, "access-keys", "create", "crm", "--owner", str(owner))), "key")

    added = ok(run(
        database, "triggers", "add", pipeline, "on new lead", "--webhook-key", "crm",
        "--inputs", '{"source": "crm", "lead": "?"}',
    ))  # fmt: skip
    trigger = admin.execute(
        "select t.*, k.name as key_name from public.triggers as t"
        " join public.access_keys as k on k.id = t.access_key_id where t.orchestrator_id = %s",
        (pipeline_id,),
    ).fetchone()
    assert (trigger["name"], trigger["kind"], trigger["key_name"]) == (
        "on new lead", "webhook", "crm"
    )  # fmt: skip
    assert (trigger["schedule"], trigger["next_run_at"]) == (None, None)
    assert str(trigger["id"]) in added
    curl = next(line for line in added.splitlines() if line.startswith("curl "))
    assert '"$SUPABASE_URL/rest/v1/rpc/trigger_webhook"' in curl, curl
    body = json.loads(curl.split(" -d ", 1)[1].strip("'"))
    assert body == {"p_key": f"{key[:12]}...", "p_payload": {"source": "crm", "lead": "?"}}

    listed = ok(run(database, "triggers", "list", "--owner", str(owner)))
    assert row_of(listed, pipeline, "on new lead", "webhook", f"key crm ({key[:12]}...)"), listed

    with acting_as(admin, "anon"):
        batch_id = admin.execute(
            "select public.trigger_webhook(%s, %s::jsonb) as id",
            (key, json.dumps({"lead": "ada@example.com"})),
        ).fetchone()["id"]
    batch = admin.execute("select * from public.task_batches where id = %s", (batch_id,)).fetchone()
    inputs = admin.execute(
        "select input_data from public.ai_tasks where batch_id = %s", (batch_id,)
    ).fetchall()
    assert (batch["orchestrator_id"], batch["owner_id"]) == (pipeline_id, owner)
    assert [r["input_data"] for r in inputs] == [{"source": "crm", "lead": "ada@example.com"}]
    launched = admin.execute(
        "select last_batch_id from public.triggers where id = %s", (trigger["id"],)
    ).fetchone()
    assert launched["last_batch_id"] == batch_id
