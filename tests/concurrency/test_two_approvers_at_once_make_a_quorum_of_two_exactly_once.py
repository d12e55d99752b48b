"""Invariant: a quorum is counted on committed answers. Two approvers answer forty
interactions that each need two approvals, released together from two connections: every
interaction settles exactly once, with both approvals counted and the second one settling
it, whichever came second."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from psycopg.types.json import Jsonb
from support.databases import acting_as, connections
from support.threads import at_once
from support.users import create_user

INTERACTIONS = 40


def test_two_approvers_at_once_make_a_quorum_of_two_exactly_once(database, admin, owner):
    second = create_user(admin)
    asked = admin.execute(
        "select a.* from generate_series(1, %s) as g (i)"
        " cross join lateral"
        " tests.ask(%s, %s || jsonb_build_object('message', 'Question ' || g.i)) as a",
        (
            INTERACTIONS,
            owner,
            Jsonb(
                {
                    "type": "approval",
                    "required_approvals": 2,
                    "responders": [str(owner), str(second)],
                }
            ),
        ),
    ).fetchall()
    interaction_ids = [row["interaction_id"] for row in asked]

    with connections(database.admin_url, 2) as conns, ThreadPoolExecutor(2) as pool:

        def approve_all(n: int, user) -> list[str]:
            outcomes = []
            for interaction_id in interaction_ids:
                with acting_as(conns[n], "authenticated", user):
                    outcomes.append(
                        conns[n]
                        .execute(
                            "select outcome from public.respond_to_interaction(%s, %s)",
                            (interaction_id, Jsonb({"decision": "approve"})),
                        )
                        .fetchone()["outcome"]
                    )
            return outcomes

        results = at_once(pool, [lambda: approve_all(0, owner), lambda: approve_all(1, second)])
    for _, error in results:
        assert error is None, error
    first, other = (outcomes for outcomes, _ in results)
    for a, b in zip(first, other, strict=True):
        assert sorted([a, b]) == ["counted", "settled"], (a, b)

    rows = admin.execute(
        "select i.status, i.approvals, t.status as task_status from public.human_interactions as i"
        " join public.ai_tasks as t on t.id = i.task_id where i.id = any(%s)",
        (interaction_ids,),
    ).fetchall()
    assert {(r["status"], r["approvals"], r["task_status"]) for r in rows} == {
        ("responded", 2, "completed")
    }
