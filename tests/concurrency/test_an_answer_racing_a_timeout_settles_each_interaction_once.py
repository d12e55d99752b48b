"""Invariant: an answer and a timeout racing for one interaction settle it once, and the task
does what the winner says. Sixty interactions are past their timeout; one connection
answers each, newest first (as its owner, the way PostgREST calls respond_to_interaction),
while another ticks, each tick timing out the oldest one left, released together: the two
meet somewhere in the middle. Each ends responded (task completed, the answer `settled`) or
timed out (task failed with OR040, the answer recorded `late`), never both, never neither."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from psycopg.types.json import Jsonb
from support.databases import acting_as, connections
from support.threads import at_once

INTERACTIONS = 60


def test_an_answer_racing_a_timeout_settles_each_interaction_once(database, admin, owner):
    asked = admin.execute(
        "select a.* from generate_series(1, %s) as g (i)"
        " cross join lateral"
        " tests.ask(%s, %s || jsonb_build_object('message', 'Question ' || g.i)) as a",
        (INTERACTIONS, owner, Jsonb({"type": "approval", "timeout": "1 hour"})),
    ).fetchall()
    interaction_ids = [row["interaction_id"] for row in asked]
    admin.execute("update orchable.limits set value = 1 where name = 'runs_per_tick'")

    with connections(database.admin_url, 2) as (answering, ticking), ThreadPoolExecutor(2) as pool:

        def answer_all() -> list[str]:
            outcomes = []
            for interaction_id in reversed(interaction_ids):
                with acting_as(answering, "authenticated", owner):
                    row = answering.execute(
                        "select outcome from public.respond_to_interaction(%s, %s)",
                        (interaction_id, Jsonb({"decision": "approve"})),
                    ).fetchone()
                outcomes.append(row["outcome"])
            return outcomes

        def tick_until_none_is_due() -> int:
            steps = 0
            while True:
                taken = ticking.execute(
                    "select interaction_steps from public.tick(now() + interval '2 hours')"
                ).fetchone()["interaction_steps"]
                steps += taken
                if taken == 0:
                    return steps

        (outcomes, answer_error), (steps, tick_error) = at_once(
            pool, [answer_all, tick_until_none_is_due]
        )
    assert answer_error is None and tick_error is None, (answer_error, tick_error)

    rows = admin.execute(
        "select i.status, i.outcome, t.status as task_status, t.error_code,"
        " (select count(*) from public.interaction_answers as a"
        "   where a.interaction_id = i.id and a.outcome = 'settled') as settled_answers"
        " from public.human_interactions as i join public.ai_tasks as t on t.id = i.task_id"
        " where i.id = any(%s)",
        (interaction_ids,),
    ).fetchall()
    assert len(rows) == INTERACTIONS
    for row in rows:
        if row["status"] == "responded":
            assert (row["outcome"], row["task_status"], row["settled_answers"]) == (
                "approved",
                "completed",
                1,
            ), row
        else:
            assert (row["status"], row["outcome"], row["task_status"], row["error_code"]) == (
                "timeout",
                "timeout_rejected",
                "failed",
                "OR040",
            ), row
            assert row["settled_answers"] == 0, row
    answered = sum(1 for row in rows if row["status"] == "responded")
    assert outcomes.count("settled") == answered
    assert outcomes.count("late") == INTERACTIONS - answered
    assert steps == INTERACTIONS - answered
    print(f"answered first: {answered}, timed out first: {INTERACTIONS - answered}")
