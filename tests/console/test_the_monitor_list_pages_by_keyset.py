"""The monitor list comes newest first, a page at a time by keyset (created_at, then id for
monitors made at one moment), so no page repeats or skips a monitor, even where a tie falls
across two pages; the last page gives no cursor; another user's monitors are never listed;
a cursor the console did not give or a limit out of range is refused (400)."""

from __future__ import annotations

import pytest
from support.console import bearer, console_client
from support.monitors import create_monitor

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


async def test_the_monitor_list_pages_by_keyset(admin, console_url, owner, stranger):
    made = [create_monitor(admin, owner) for _ in range(5)]
    admin.execute(  # the third and fourth made at one moment: their ids order them
        "update public.monitors set created_at = (select created_at from public.monitors"
        " where id = %s) where id = %s",
        (made[2], made[3]),
    )
    tied = sorted([made[2], made[3]], reverse=True)
    newest_first = [made[4], *tied, made[1], made[0]]
    create_monitor(admin, stranger)
    headers = bearer(owner)

    async with console_client(console_url) as client:
        seen: list[str] = []
        cursors: list[str | None] = []
        cursor = None
        while True:
            params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
            page = await client.get("/api/monitors", params=params, headers=headers)
            assert page.status_code == 200, page.text
            seen += [m["id"] for m in page.json()["monitors"]]
            cursor = page.json()["next_cursor"]
            cursors.append(cursor)
            if cursor is None:
                break
        assert len(cursors) == 3  # 2 + 2 + 1, the tie split between the first two pages
        assert seen == [str(m) for m in newest_first]

        whole = (await client.get("/api/monitors", headers=headers)).json()
        assert [m["id"] for m in whole["monitors"]] == seen
        assert whole["next_cursor"] is None

        for params in ({"cursor": "bm90IGEgY3Vyc29y"}, {"limit": "0"}, {"limit": "501"}):
            refused = await client.get("/api/monitors", params=params, headers=headers)
            assert refused.status_code == 400, (params, refused.text)
