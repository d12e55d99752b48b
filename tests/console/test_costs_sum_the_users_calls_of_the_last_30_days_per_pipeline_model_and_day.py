"""The costs screen's API sums the signed-in user's LLM calls of the last 30 days (days as
they fall in the browser's time zone) per pipeline, per model and per day, every day of the
period listed; an older call, and another user's, count for nothing. A period or a zone
that does not fit is refused (400)."""

from __future__ import annotations

import datetime as dt

import pytest
from support.console import bearer, console_client
from support.monitors import record_call
from support.pipelines import single_stage
from support.tasks import launch

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


async def test_costs_sum_the_users_calls_of_the_last_30_days_per_pipeline_model_and_day(
    admin, console_url, owner, stranger
):
    drafts = single_stage(admin, owner, "drafts")
    reviews = single_stage(admin, owner, "reviews")
    draft_batch = launch(admin, owner, drafts, [{"question": "a"}])["id"]
    review_batch = launch(admin, owner, reviews, [{"question": "b"}])["id"]
    their_batch = launch(admin, stranger, single_stage(admin, stranger, "theirs"), [{"q": 1}])["id"]
    now = admin.execute("select now() as now").fetchone()["now"]
    recent = now - dt.timedelta(minutes=5)
    earlier = now - dt.timedelta(days=3)
    record_call(admin, draft_batch, model="gemini-3-flash", cost_usd=0.5, at=recent)
    record_call(admin, draft_batch, model="gemini-3-pro", cost_usd=0.25, at=recent)
    record_call(
        admin, review_batch, model="gemini-3-flash", cost_usd=1.0, at=earlier, outcome="timeout"
    )
    record_call(
        admin, draft_batch, model="gemini-3-flash", cost_usd=100, at=now - dt.timedelta(days=40)
    )
    record_call(admin, their_batch, model="gemini-3-flash", cost_usd=7, at=recent)

    async with console_client(console_url) as client:
        me = bearer(owner)
        answer = await client.get("/api/costs", headers=me, params={"tz": "UTC"})
        assert answer.status_code == 200, answer.text
        costs = answer.json()
        assert (costs["days"], costs["timezone"]) == (30, "UTC")
        assert costs["total"] == {
            "calls": 3,
            "cost_usd": 1.75,
            "input_tokens": 300,
            "output_tokens": 120,
            "failed_calls": 1,
        }
        assert [(p["pipeline_name"], p["cost_usd"], p["calls"]) for p in costs["by_pipeline"]] == [
            ("reviews", 1.0, 1),
            ("drafts", 0.75, 2),
        ]
        assert [(m["model"], m["cost_usd"], m["failed_calls"]) for m in costs["by_model"]] == [
            ("gemini-3-flash", 1.5, 1),
            ("gemini-3-pro", 0.25, 0),
        ]
        days = costs["by_day"]
        assert len(days) == 30
        assert days[-1]["day"] == costs["last_day"] == now.astimezone(dt.UTC).date().isoformat()
        spent = {d["day"]: d["cost_usd"] for d in days if d["calls"]}
        assert spent == {
            recent.astimezone(dt.UTC).date().isoformat(): 0.75,
            earlier.astimezone(dt.UTC).date().isoformat(): 1.0,
        }

        week = (await client.get("/api/costs", headers=me, params={"days": "2"})).json()
        assert len(week["by_day"]) == 2 and week["total"]["calls"] in (2, 3)

        berlin = await client.get("/api/costs", headers=me, params={"tz": "Europe/Berlin"})
        assert berlin.status_code == 200 and berlin.json()["total"]["cost_usd"] == 1.75

        theirs = (await client.get("/api/costs", headers=bearer(stranger))).json()
        assert theirs["total"]["cost_usd"] == 7 and len(theirs["by_pipeline"]) == 1

        for params in (
            {"days": "0"},
            {"days": "91"},
            {"days": "x"},
            {"tz": "Mars/Base"},
            {"tz": "a b"},
        ):
            refused = await client.get("/api/costs", headers=me, params=params)
            assert refused.status_code == 400, (params, refused.text)
