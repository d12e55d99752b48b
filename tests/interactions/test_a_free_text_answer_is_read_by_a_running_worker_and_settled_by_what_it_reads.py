"""A free-text reply stored for an open interaction is read by a running worker (the
owner's "answers (orchable)" pipeline, on the worker's default provider, here offline):
its input carries the question and the reply, and the reply is settled by what the
reading says, its score against answer_relevance_percent deciding whether it counts."""

from __future__ import annotations

import asyncio

import pytest
from support.interactions import launch_asking, pending_interaction, running_worker, wait_until


@pytest.mark.timeout(60)
def test_a_free_text_answer_is_read_by_a_running_worker_and_settled_by_what_it_reads(
    admin, owner, worker_url
):
    endpoint_id = admin.execute("select tests.add_webhook(%s) as id", (owner,)).fetchone()["id"]
    batch_id = launch_asking(admin, owner, {
        "type": "approval", "message": "Publish the draft?", "channels": ["webhook"],
    })  # fmt: skip

    def stored_reply():
        asked = pending_interaction(admin, batch_id)
        if asked is None:
            return None
        return admin.execute(
            "insert into public.hil_responses (owner_id, source_channel, endpoint_id, raw_payload,"
            " responder_key, free_text, reason) values (%s, 'webhook', %s, '{}', %s,"
            " 'Yes, publish it today.', 'awaiting classification') returning id, reading_batch_id",
            (owner, endpoint_id, f"webhook:{endpoint_id}"),
        ).fetchone()

    def settled(response_id):
        row = admin.execute(
            "select * from public.hil_responses where id = %s and status <> 'unprocessed'",
            (response_id,),
        ).fetchone()
        return row

    async def scenario():
        async with running_worker(worker_url):
            reply = await wait_until(stored_reply)
            return reply, await wait_until(lambda: settled(reply["id"]))

    reply, read = asyncio.run(scenario())
    reading = admin.execute(
        "select t.status, t.input_data, t.output_data from public.ai_tasks as t"
        " where t.batch_id = %s",
        (reply["reading_batch_id"],),
    ).fetchone()
    assert reading["status"] == "completed"
    assert reading["input_data"]["question"] == "Publish the draft?"
    assert reading["input_data"]["reply"] == "Yes, publish it today."
    relevance = reading["output_data"]["relevance"]
    assert read["ai_relevance_score"] == round(relevance, 2)
    assert read["ai_reasoning"] == reading["output_data"]["reasoning"]
    interaction = admin.execute(
        "select status, outcome from public.human_interactions where task_id ="
        " (select task_id from public.human_interactions where batch_id = %s limit 1)",
        (batch_id,),
    ).fetchone()
    if relevance < 0.7 or reading["output_data"]["decision"] not in ("approve", "reject"):
        assert read["status"] == "filtered_out", read
        assert interaction["status"] == "pending"
    else:
        assert (read["status"], read["answer_outcome"]) == ("matched", "settled"), read
        decision = reading["output_data"]["decision"]
        assert interaction == {"status": "responded", "outcome": f"{decision}d"}
