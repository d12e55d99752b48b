"""The live channel everywhere: a listener on orchable_batch_events is told of every event
a batch logs, by ids only ('<batch id>:<first id>:<last id>', far under NOTIFY's 8000
bytes), whatever the statement (a launch of 500 inputs, a bulk completion, a pause), and
is told at commit: a rolled-back statement tells nothing."""

from __future__ import annotations

import json
import re
import uuid

import psycopg
import pytest
from support.databases import acting_as, connect
from support.pipelines import single_stage
from support.tasks import claim, launch

PAYLOAD = re.compile(r"^([0-9a-f-]{36}):(\d+):(\d+)$")


def told(listener: psycopg.Connection) -> list[tuple[uuid.UUID, int, int, int]]:
    """The notifications received so far: batch, first id, last id, payload bytes."""
    received = []
    for notify in listener.notifies(timeout=0.5):
        match = PAYLOAD.match(notify.payload)
        assert notify.channel == "orchable_batch_events"
        assert match, f"not ids only: {notify.payload!r}"
        received.append(
            (
                uuid.UUID(match[1]),
                int(match[2]),
                int(match[3]),
                len(notify.payload.encode()),
            )
        )
    return received


@pytest.mark.timeout(60)
def test_notify_names_every_event_of_a_batch_by_id_in_small_payloads(database, admin, owner):
    pipeline = single_stage(admin, owner, "notified", max_retries=0)
    with connect(database.admin_url) as listener:
        listener.execute("listen orchable_batch_events")

        batch_id = launch(admin, owner, pipeline, [{"question": f"q{i}"} for i in range(500)])["id"]
        with pytest.raises(psycopg.errors.RaiseException), admin.transaction():
            with acting_as(admin, "authenticated", owner):
                admin.execute("select public.pause_batch(%s)", (batch_id,))
            admin.execute("do $$ begin raise exception 'undone'; end $$")
        claimed = claim(admin, 500)
        with acting_as(admin, "orchable_worker"):
            admin.execute(
                "select public.complete_tasks(%s::jsonb)",
                (
                    json.dumps(
                        [
                            {
                                "task_id": str(t["task_id"]),
                                "claim_token": str(t["claim_token"]),
                                "output": {"answer": "a"},
                            }
                            for t in claimed
                        ]
                    ),
                ),
            )

        received = told(listener)

    events = [
        r["id"]
        for r in admin.execute(
            "select id from public.task_events where batch_id = %s order by id", (batch_id,)
        ).fetchall()
    ]
    assert len(events) == 1 + 500 * 3 + 2, (
        "launched, queued, claimed, completed; started, completed"
    )
    assert {batch for batch, *_ in received} == {batch_id}
    assert max(size for *_, size in received) < 100
    named = {e for _, first, last, _ in received for e in events if first <= e <= last}
    assert named == set(events), "an event no notification named"
    for _, first, last, _ in received:
        assert any(first <= e <= last for e in events), f"told of {first}..{last}, rolled back"
    # One notification per statement, not per event: the launch and the bulk completion
    # each log hundreds of events.
    assert len(received) < 20, received
    assert not admin.execute(
        "select 1 from public.batch_pauses where batch_id = %s", (batch_id,)
    ).fetchall()
