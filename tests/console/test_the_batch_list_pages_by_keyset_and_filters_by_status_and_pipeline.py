"""The batch list comes newest first from the batches' own counters, a page at a time by
keyset (no page repeats or skips a batch), filtered by status and pipeline as the query
string says; an unknown status or a cursor the console did not give is refused (400)."""

from __future__ import annotations

import pytest
from support.console import bearer, console_client
from support.pipelines import single_stage
from support.tasks import launch

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


async def test_the_batch_list_pages_by_keyset_and_filters_by_status_and_pipeline(
    admin, console_url, owner
):
    first = single_stage(admin, owner, "first")
    second = single_stage(admin, owner, "second")
    made = [launch(admin, owner, first, [{"question": f"q{i}"}])["id"] for i in range(5)]
    made += [launch(admin, owner, second, [{"question": "q"}, {"question": "r"}])["id"]]
    admin.execute("select public.cancel_batch(%s)", (made[1],))
    headers = bearer(owner)

    async with console_client(console_url) as client:
        seen: list[str] = []
        cursor = None
        pages = 0
        while True:
            params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/api/batches", params=params, headers=headers)).json()
            seen += [b["id"] for b in page["batches"]]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert pages == 3
        assert seen == [str(b) for b in reversed(made)]

        [newest] = (
            await client.get("/api/batches", params={"pipeline": str(second)}, headers=headers)
        ).json()["batches"]
        assert newest["id"] == str(made[-1]) and newest["pipeline_name"] == "second"
        assert (newest["total_tasks"], newest["completed_tasks"]) == (2, 0)

        cancelled = (
            await client.get("/api/batches", params={"status": "cancelled"}, headers=headers)
        ).json()["batches"]
        assert [b["id"] for b in cancelled] == [str(made[1])]
        several = (
            await client.get(
                "/api/batches", params={"status": "cancelled,pending"}, headers=headers
            )
        ).json()["batches"]
        assert len(several) == 6

        for params in ({"status": "running"}, {"cursor": "bm90IGEgY3Vyc29y"}, {"limit": "0"}):
            refused = await client.get("/api/batches", params=params, headers=headers)
            assert refused.status_code == 400, (params, refused.text)
