"""Through the console a user runs their monitor now (or as a dry run), pauses and resumes
it, each through its RPC (run_monitor_now, pause_monitor, resume_monitor); a state that
does not allow the action is a conflict (OR007). A read-only console, or a change without
the console's header, is refused and changes nothing."""

from __future__ import annotations

import pytest
from support.console import CHANGE, bearer, console_client
from support.monitors import create_monitor

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


def monitor_state(admin, monitor_id) -> dict:
    row = admin.execute(
        "select m.state, m.next_run_at is not null as scheduled,"
        " (select count(*) from public.monitor_executions as e where e.monitor_id = m.id)"
        " as runs from public.monitors as m where m.id = %s",
        (monitor_id,),
    ).fetchone()
    assert row is not None
    return dict(row)


async def test_a_monitor_is_run_now_paused_and_resumed_but_not_read_only_or_cross_site(
    admin, console_url, owner
):
    monitor_id = create_monitor(admin, owner)
    me = bearer(owner)
    path = f"/api/monitors/{monitor_id}"

    async with console_client(console_url, read_only=True) as client:
        for action in ("run", "pause", "resume"):
            refused = await client.post(f"{path}/{action}", json={}, headers={**me, **CHANGE})
            assert refused.status_code == 403, (action, refused.text)
            assert refused.json()["code"] == "read_only"
    assert monitor_state(admin, monitor_id) == {"state": "active", "scheduled": True, "runs": 0}

    async with console_client(console_url) as client:
        for action in ("run", "pause"):
            refused = await client.post(f"{path}/{action}", json={}, headers=me)
            assert refused.status_code == 403, (action, refused.text)
            assert refused.json()["code"] == "cross_site"
        assert monitor_state(admin, monitor_id) == {"state": "active", "scheduled": True, "runs": 0}

        ran = await client.post(f"{path}/run", json={}, headers={**me, **CHANGE})
        assert ran.status_code == 200, ran.text
        assert (ran.json()["run"]["status"], ran.json()["run"]["dry_run"]) == ("pending", False)
        dry = await client.post(f"{path}/run", json={"notify": False}, headers={**me, **CHANGE})
        assert dry.status_code == 200, dry.text
        assert dry.json()["run"]["dry_run"] is True
        bad = await client.post(f"{path}/run", json={"notify": "no"}, headers={**me, **CHANGE})
        assert bad.status_code == 422, bad.text
        execution = admin.execute(
            "select batch_id, task_id, dry_run from public.monitor_executions where id = %s",
            (ran.json()["run"]["id"],),
        ).fetchone()
        assert execution is not None and execution["task_id"] is not None

        paused = await client.post(f"{path}/pause", json={}, headers={**me, **CHANGE})
        assert paused.status_code == 200, paused.text
        assert paused.json()["monitor"] == {
            "id": str(monitor_id),
            "state": "paused",
            "next_run_at": None,
        }
        again = await client.post(f"{path}/pause", json={}, headers={**me, **CHANGE})
        assert again.status_code == 409, again.text
        assert again.json()["code"] == "OR007"
        listed = (await client.get("/api/monitors", headers=me)).json()["monitors"]
        assert (listed[0]["state"], listed[0]["next_run_at"]) == ("paused", None)

        resumed = await client.post(f"{path}/resume", json={}, headers={**me, **CHANGE})
        assert resumed.status_code == 200, resumed.text
        assert resumed.json()["monitor"]["state"] == "active"
        assert resumed.json()["monitor"]["next_run_at"] is not None

        unknown = await client.post(f"{path}/delete", json={}, headers={**me, **CHANGE})
        assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_action"

    assert monitor_state(admin, monitor_id) == {"state": "active", "scheduled": True, "runs": 2}
