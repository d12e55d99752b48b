"""Signed in, a user sees their monitors (state, schedule and zone, next run, latest
result) and a monitor's runs: the answer, its sources and searches, whether the condition
was met, why it notified or not, what changed and what it cost. Another user's monitor is
not found (OR034), to read or to act on, and stays as it was."""

from __future__ import annotations

import pytest
from support.console import CHANGE, bearer, console_client
from support.monitors import create_monitor, settle_run, start_run

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


async def test_a_user_sees_only_their_monitors_each_run_with_its_answer_sources_and_why(
    admin, console_url, owner, stranger
):
    mine = create_monitor(admin, owner, "track_state")
    first = start_run(admin, mine)
    settle_run(admin, first, False, {"release_date": "unknown"})
    second = start_run(admin, mine)
    settled = settle_run(admin, second, True, {"release_date": "2027-09-19"})
    assert settled["notified"] and settled["notify_reason"] == "state_changed", settled
    dry = start_run(admin, mine, notify=False)  # still pending: no worker
    theirs = create_monitor(admin, stranger)
    start_run(admin, theirs)

    async with console_client(console_url) as client:
        me = bearer(owner)
        listed = (await client.get("/api/monitors", headers=me)).json()["monitors"]
        assert [m["id"] for m in listed] == [str(mine)]
        [monitor] = listed
        assert (monitor["state"], monitor["schedule"], monitor["timezone"]) == (
            "active",
            "0 9 * * mon-fri",
            "Europe/Berlin",
        )
        assert monitor["next_run_at"] is not None
        assert monitor["last_run"]["id"] == str(dry)
        assert (monitor["last_run"]["status"], monitor["last_run"]["dry_run"]) == ("pending", True)

        page = await client.get(f"/api/monitors/{mine}", headers=me)
        assert page.status_code == 200, page.text
        body = page.json()
        assert body["monitor"]["last_known_state"] == {"release_date": "2027-09-19"}
        assert [r["id"] for r in body["runs"]] == [str(dry), str(second), str(first)]
        assert body["next_cursor"] is None
        run = body["runs"][1]
        assert run["status"] == "success" and run["condition_met"] is True
        assert run["result"]["answer"] == "what the sources say"
        assert run["grounded"] is True
        assert run["grounding_sources"] == [
            {"uri": "https://example.test/news", "title": "example.test"}
        ]
        assert run["search_queries"] == ["next iphone release date"]
        assert (run["notified"], run["notify_reason"]) == (True, "state_changed")
        assert run["change_summary"], "what changed since the run before"
        assert "cost_usd" in run
        assert body["runs"][2]["notify_reason"] == "first_state"

        # A page of one run at a time reaches every run, newest first.
        seen, cursor = [], None
        while True:
            params = {"limit": "1", **({"cursor": cursor} if cursor else {})}
            one = (await client.get(f"/api/monitors/{mine}", headers=me, params=params)).json()
            seen += [r["id"] for r in one["runs"]]
            cursor = one["next_cursor"]
            if cursor is None:
                break
        assert seen == [str(dry), str(second), str(first)]

        hidden = await client.get(f"/api/monitors/{theirs}", headers=me)
        assert hidden.status_code == 404, hidden.text
        assert hidden.json()["code"] == "OR034"
        for action in ("run", "pause"):
            refused = await client.post(
                f"/api/monitors/{theirs}/{action}", json={}, headers={**me, **CHANGE}
            )
            assert refused.status_code == 404, (action, refused.text)
            assert refused.json()["code"] == "OR034"

    row = admin.execute(
        "select m.state, (select count(*) from public.monitor_executions as e"
        " where e.monitor_id = m.id) as runs from public.monitors as m where m.id = %s",
        (theirs,),
    ).fetchone()
    assert row == {"state": "active", "runs": 1}
