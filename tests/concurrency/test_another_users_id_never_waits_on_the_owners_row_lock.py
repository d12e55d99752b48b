"""approve_task, reject_task and retry_task check that the caller owns the task before they
lock it: another user's call on a locked task answers OR004 at once, as for an id that does
not exist, instead of waiting on the lock (which would tell them the task exists, and
hold up the owner's row while they wait)."""

from __future__ import annotations

import psycopg
import pytest
from support.databases import acting_as, connections, sqlstate
from support.pipelines import single_stage
from support.tasks import launch
from support.users import create_user

CALLS = {
    "approve_task": "select public.approve_task(%s::uuid)",
    "reject_task": "select public.reject_task(%s::uuid, 'no')",
    "retry_task": "select public.retry_task(%s::uuid)",
}


@pytest.mark.parametrize("rpc", sorted(CALLS))
def test_another_users_id_never_waits_on_the_owners_row_lock(database, admin, owner, rpc):
    intruder = create_user(admin)
    orchestrator_id = single_stage(admin, owner, f"locked-{rpc}")
    batch = launch(admin, owner, orchestrator_id, [{"question": "why?"}])
    task_id = admin.execute(
        "select id from public.ai_tasks where batch_id = %s", (batch["id"],)
    ).fetchone()["id"]

    def call(conn: psycopg.Connection, user) -> str | None:
        try:
            with acting_as(conn, "authenticated", user):
                conn.execute("set local lock_timeout = '1s'")
                conn.execute(CALLS[rpc], (task_id,))
        except psycopg.Error as error:
            return sqlstate(error)
        return None

    with connections(database.admin_url, 3) as (holder, other, own), holder.transaction():
        # A worker holding the task's row, as a claim does.
        holder.execute("select 1 from public.ai_tasks where id = %s for update", (task_id,))
        assert call(own, owner) == "55P03", "the owner's own call waits on the lock"
        assert call(other, intruder) == "OR004", "another user's call answers at once"
