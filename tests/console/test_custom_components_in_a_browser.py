"""A stage's custom component (TSX) in a real browser (Debian's headless Chromium through
Playwright): the console renders a task's output with it inside
<iframe sandbox="allow-scripts"> on /sandbox.html; a component that fails shows its error
and the readable JSON view instead; and a hostile component can read no cookie, no storage,
nothing of the page that framed it, and reaches neither the console's API nor the network,
whether the console signs its user in by token or is a development console (whose every
request would be its user): no request of it arrives at the server. The Components screen
previews each component the user may read with its mock data.

Set ORCHABLE_CONSOLE_SCREENSHOTS to a folder to keep a screenshot of each screen there
(make screenshots)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from playwright.sync_api import expect
from support.console import (
    JWT_SECRET,
    RunningConsole,
    add_component,
    ask,
    chromium_page,
    render_with,
    shot,
    token,
)

pytestmark = pytest.mark.timeout(120)

FRAME = "iframe.component-frame"
COMPONENTS = Path(__file__).parent / "components"

RENDERS = (COMPONENTS / "draft_card.tsx").read_text()

HOSTILE = (COMPONENTS / "hostile.tsx").read_text()


def with_component(
    admin: psycopg.Connection, owner: uuid.UUID, code: str, *, name: str = "view"
) -> dict[str, Any]:
    """An approval the owner is asked about the draft {"text": "a draft"} of the input
    {"topic": "cats"}, whose stage is rendered by a component of the owner's with `code`."""
    asked = ask(admin, owner, {"type": "approval", "channels": ["in_app"]})
    render_with(admin, asked["task_id"], add_component(admin, owner, code, name=name))
    return asked


def test_a_stages_component_renders_the_tasks_output_in_the_sandbox(admin, console_url, owner):
    asked = with_component(admin, owner, RENDERS, name="draft card")
    with RunningConsole(console_url, dev_user=owner) as console, chromium_page() as page:
        page.goto(f"{console.url}/#/tasks/{asked['task_id']}")
        view = page.locator("#output .component-view")
        expect(view).to_have_attribute("data-component-state", "rendered")
        frame = page.frame_locator(FRAME)
        expect(frame.locator("#said")).to_have_text("The draft says: a draft")
        expect(frame.locator(".card-title")).to_have_text("About cats")
        frame.get_by_role("button", name="more").click()  # its own state, in the frame
        expect(frame.locator("#more")).to_have_text("7 characters")
        expect(page.locator("#output .json")).to_have_count(0)  # not the JSON view
        box = page.locator(FRAME).bounding_box()
        assert box is not None and box["height"] > 40  # sized by the frame's answer
        assert page.locator(FRAME).get_attribute("sandbox") == "allow-scripts"
        expect(page.locator("main")).to_contain_text("rendered by the component draft card")
        # The page listens to its frame only: a message from any other window is ignored.
        page.evaluate("window.postMessage({type: 'error', message: 'forged'}, '*')")
        page.wait_for_timeout(300)
        expect(view).to_have_attribute("data-component-state", "rendered")
        expect(page.get_by_test_id("component-error")).to_have_count(0)
        shot(page, "task-component")


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        (
            "export default function Broken() { throw new Error('no quiz in this draft'); }",
            "Error: no quiz in this draft",
        ),
        ("export default function Broken( { return <p>; }", "SyntaxError"),
        ("import fs from 'fs'; export default () => <p>{String(fs)}</p>;", "not fs"),
        ("export const nothing = 1;", "exports nothing to render"),
    ],
    ids=["throws", "does-not-compile", "imports-a-module", "exports-nothing"],
)
def test_a_component_that_fails_shows_its_error_and_the_json_view(
    admin, console_url, owner, code, shown
):
    asked = with_component(admin, owner, code, name="broken")
    with RunningConsole(console_url, dev_user=owner) as console, chromium_page() as page:
        page.goto(f"{console.url}/#/tasks/{asked['task_id']}")
        output = page.locator("#output")
        expect(output.get_by_test_id("component-error")).to_contain_text("broken failed")
        expect(output.get_by_test_id("component-error")).to_contain_text(shown)
        expect(output.locator(".json dt")).to_have_text(["text"])  # the readable fallback
        expect(output.locator(".json dd")).to_have_text(["a draft"])


@pytest.mark.parametrize("signed_in", ["dev_user", "token"])
def test_a_hostile_component_reads_no_session_and_reaches_no_api_or_network(
    admin, console_url, owner, signed_in
):
    with RunningConsole(
        console_url,
        **({"dev_user": owner} if signed_in == "dev_user" else {"jwt_secret": JWT_SECRET}),
    ) as console:
        asked = with_component(admin, owner, HOSTILE.replace("__ORIGIN__", console.url))
        task_url = f"{console.url}/#/tasks/{asked['task_id']}"
        with chromium_page() as page:
            if signed_in == "token":
                page.goto(f"{console.url}/#/batches")
                page.locator("textarea[name=token]").fill(token(owner))
                page.get_by_role("button", name="Sign in").click()
                expect(page.locator("header.top")).to_contain_text(f"{owner}@example.test")
                assert page.evaluate("sessionStorage.getItem('orchable.token')")
            page.context.add_cookies([{"name": "session", "value": "secret", "url": console.url}])
            page.goto(task_url)
            probes = page.frame_locator(FRAME).locator("#probes")
            # what it could read: an opaque origin, no cookie, no storage, no page
            expect(probes).to_contain_text("origin: read null")
            for denied in (
                "cookie",
                "localStorage",
                "sessionStorage",
                "parent.document",
                "parent.sessionStorage",
                "top.location",
            ):
                expect(probes).to_contain_text(f"{denied}: SecurityError")
            expect(probes).to_contain_text("props: data,input,output,schema")
            # what it could send: nothing, neither to the API nor elsewhere
            for blocked in ("fetch relative", "fetch absolute", "fetch no-cors"):
                expect(probes).to_contain_text(f"{blocked}: TypeError")
            expect(probes).to_contain_text("img: blocked")
            expect(probes).to_contain_text("xhr: blocked")
            expect(probes).to_contain_text("websocket: blocked")
            expect(probes).to_contain_text("window.open: null")
            expect(probes).to_contain_text("top navigation: SecurityError")
            page.wait_for_timeout(500)  # for anything still on its way
            assert page.url == task_url  # the page was not navigated
            assert "secret" not in probes.inner_text()
            assert len(page.context.pages) == 1  # no window opened

    # Every request of the sandbox's (its opaque origin sends Origin: null, and its
    # requests are cross-site) but the one that loads its runtime, and every probe's.
    from_the_sandbox = [
        (method, path, query)
        for method, path, query, headers in console.requests
        if "from=" in query
        or (
            path != "/assets/sandbox.js"
            and (
                headers.get("origin") == "null"
                or headers.get("sec-fetch-site") not in (None, "same-origin", "none")
            )
        )
    ]
    assert from_the_sandbox == []
    # the page itself did call the API (the same server counted those)
    assert any(path == f"/api/tasks/{asked['task_id']}" for _, path, _, _ in console.requests)
    sandbox_page = [h for m, p, q, h in console.requests if p == "/sandbox.html"]
    assert sandbox_page and all("authorization" not in h for h in sandbox_page)


def test_the_components_screen_previews_each_component_with_its_mock_data(
    admin, console_url, owner, stranger
):
    mine = add_component(admin, owner, RENDERS, name="draft card")
    admin.execute(
        "update public.custom_components set mock_data = %s where id = %s",
        ('{"output": {"text": "a sample"}, "input": {"topic": "owls"}}', mine),
    )
    shared = add_component(
        admin,
        stranger,
        "export default function Shared({ data }: { data: { n: number } }) {"
        " return <p id='n'>n is {data.n}</p>; }",
        name="shared",
        is_public=True,
    )
    admin.execute(
        "update public.custom_components set mock_data = '{\"n\": 3}' where id = %s", (shared,)
    )
    add_component(admin, stranger, "export default () => <p>theirs</p>;", name="private")

    with RunningConsole(console_url, dev_user=owner) as console, chromium_page() as page:
        page.goto(f"{console.url}/#/batches")
        page.get_by_role("link", name="Components", exact=True).click()
        panels = page.locator("[data-component]")
        expect(panels).to_have_count(2)
        expect(panels.locator("h2")).to_have_text(
            [re.compile("^draft card"), re.compile("^shared")]
        )
        ours = page.locator(f'[data-component="{mine}"]')
        expect(ours.locator(".component-view")).to_have_attribute(
            "data-component-state", "rendered"
        )
        card = ours.frame_locator(FRAME)
        expect(card.locator("#said")).to_have_text("The draft says: a sample")
        expect(card.locator(".card-title")).to_have_text("About owls")
        theirs = page.locator(f'[data-component="{shared}"]').frame_locator(FRAME)
        expect(theirs.locator("#n")).to_have_text("n is 3")
        ours.get_by_role("button", name="show its code").click()
        expect(ours.locator("pre.component-code")).to_contain_text("export default function")
        shot(page, "components")
