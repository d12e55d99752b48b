"""A state-changing request must come from the console's own page: without the header
X-Orchable-Console (a cross-site form cannot send it), with an Origin of another site, or
marked cross-site by the browser, it is refused (403) and changes nothing; the same
request from the page is taken."""

from __future__ import annotations

import pytest
from support.console import CHANGE, bearer, console_client, task_row

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


async def test_a_change_without_the_consoles_header_or_from_another_site_is_refused(
    admin, console_url, owner, asked
):
    path = f"/api/tasks/{asked['task_id']}/approve"
    me = bearer(owner)
    async with console_client(console_url) as client:
        for headers in (
            me,
            {**me, "X-Orchable-Console": "0"},
            {**me, **CHANGE, "Origin": "http://evil.example"},
            {**me, **CHANGE, "Origin": "http://127.0.0.1:9"},
            {**me, **CHANGE, "Sec-Fetch-Site": "cross-site"},
        ):
            refused = await client.post(path, json={}, headers=headers)
            assert refused.status_code == 403, (headers, refused.text)
            assert refused.json()["code"] == "cross_site"
        assert task_row(admin, asked["task_id"])["status"] == "generated"

        taken = await client.post(
            path,
            json={},
            headers={**me, **CHANGE, "Origin": "http://127.0.0.1", "Sec-Fetch-Site": "same-origin"},
        )
        assert taken.status_code == 200, taken.text
    assert task_row(admin, asked["task_id"])["status"] == "completed"
