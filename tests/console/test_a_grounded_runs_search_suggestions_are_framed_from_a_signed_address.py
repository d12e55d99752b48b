"""Google's search suggestions of a grounded monitor run are served apart from the page,
from an address the API signs for the user (the frame cannot send the page's token), with
a policy of their own: no script, their own styles, links out of the frame. A tampered,
expired or re-addressed signature gets 403; a signature for another user reads the run as
that user, so row-level security hides it (404)."""

from __future__ import annotations

import time

import pytest
from orchable.console.suggestions import signed_path
from support.console import console_client
from support.monitors import create_monitor, settle_run, start_run

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]

KEY = b"k" * 32


async def test_a_grounded_runs_search_suggestions_are_framed_from_a_signed_address(
    admin, console_url, owner, stranger
):
    monitor_id = create_monitor(admin, owner)
    grounded = start_run(admin, monitor_id)
    settle_run(admin, grounded, True, {"release_date": "2027-09-19"})
    pending = start_run(admin, monitor_id)

    async with console_client(console_url, dev_user=owner, link_key=KEY) as client:
        body = (await client.get(f"/api/monitors/{monitor_id}")).json()
        urls = {r["id"]: r["search_suggestions_url"] for r in body["runs"]}
        assert urls[str(pending)] is None
        url = urls[str(grounded)]
        assert url == signed_path(KEY, grounded, owner)
        assert "has_search_suggestions" not in body["runs"][0]

        framed = await client.get(f"/{url}")
        assert framed.status_code == 200, framed.text
        assert framed.headers["content-type"].startswith("text/html")
        assert '<div class="container">suggestions</div>' in framed.text
        policy = framed.headers["content-security-policy"]
        assert policy.startswith("sandbox allow-popups allow-popups-to-escape-sandbox;")
        assert "default-src 'none'" in policy and "script-src" not in policy

        tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
        other_user = url.replace(f"user={owner}", f"user={stranger}")
        expired = signed_path(KEY, grounded, owner, now=time.time() - 3 * 3600)
        for refused in (tampered, other_user, expired, f"suggestions/{grounded}"):
            answer = await client.get(f"/{refused}")
            assert answer.status_code == 403, (refused, answer.text)

        theirs = await client.get(f"/{signed_path(KEY, grounded, stranger)}")
        assert theirs.status_code == 404, theirs.text
