"""Custom components through the API: the sandbox page is served with a CSP of its own
(sandboxed, no request, no form, framed only by the console; eval only there, never on the
console's page); a task's page carries its stage's component when the user may read it (their
own or a public one) and none otherwise; and the API answers no sandboxed document
(`Origin: null`) nor another site, not even a read on a development console."""

from __future__ import annotations

import pytest
from support.console import add_component, bearer, console_client, render_with

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


def directives(csp: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in csp.split(";"):
        name, _, value = part.strip().partition(" ")
        assert name not in found, f"{name} twice"
        found[name] = value.strip()
    return found


async def test_the_sandbox_page_has_a_strict_csp_of_its_own(console_url):
    async with console_client(console_url) as client:
        sandbox = await client.get("/sandbox.html")
        page = await client.get("/")

    assert sandbox.status_code == 200
    csp = directives(sandbox.headers["content-security-policy"])
    assert csp["sandbox"] == "allow-scripts"  # opaque origin even when opened alone
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self' 'unsafe-eval'"
    assert csp["connect-src"] == "'none'"
    assert csp["img-src"] == "data:"
    assert csp["form-action"] == "'none'"
    assert csp["frame-ancestors"] == "'self'"
    assert csp["base-uri"] == "'none'"
    for none in ("object-src", "frame-src", "worker-src", "font-src", "media-src"):
        assert csp[none] == "'none'", none
    assert "allow-same-origin" not in sandbox.headers["content-security-policy"]
    assert sandbox.headers["x-content-type-options"] == "nosniff"
    assert sandbox.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in sandbox.headers
    assert '<script src="assets/sandbox.js' in sandbox.text

    page_csp = directives(page.headers["content-security-policy"])
    assert "'unsafe-eval'" not in page_csp["script-src"]
    assert page_csp["frame-src"] == "'self'"


async def test_a_tasks_page_carries_the_component_its_user_may_read(
    admin, console_url, owner, stranger, asked, stranger_asked
):
    mine = add_component(admin, owner, "export default () => <p>mine</p>;", name="mine")
    shared = add_component(
        admin, stranger, "export default () => <p>shared</p>;", name="shared", is_public=True
    )
    private = add_component(admin, stranger, "export default () => <p>theirs</p>;")
    me = bearer(owner)
    task = f"/api/tasks/{asked['task_id']}"

    async with console_client(console_url) as client:
        plain = (await client.get(task, headers=me)).json()
        assert plain["stage"]["custom_component_id"] is None and plain["component"] is None

        render_with(admin, asked["task_id"], mine)
        page = (await client.get(task, headers=me)).json()
        assert page["stage"]["custom_component_id"] == str(mine)
        assert page["component"]["id"] == str(mine)
        assert page["component"]["name"] == "mine"
        assert page["component"]["code"] == "export default () => <p>mine</p>;"

        render_with(admin, asked["task_id"], shared)
        assert (await client.get(task, headers=me)).json()["component"]["name"] == "shared"

        # Another user's private component, linked by hand (the policies would not let the
        # owner link it): its code is not theirs to read, so the JSON view shows the output.
        render_with(admin, asked["task_id"], private)
        page = (await client.get(task, headers=me)).json()
        assert page["stage"]["custom_component_id"] == str(private)
        assert page["component"] is None

        # Nor does another user's task show its component's code.
        render_with(admin, stranger_asked["task_id"], private)
        theirs = await client.get(f"/api/tasks/{stranger_asked['task_id']}", headers=me)
        assert theirs.status_code == 404


@pytest.mark.parametrize("signed_in", ["dev_user", "token"])
async def test_the_api_answers_no_sandboxed_document_nor_another_site(
    console_url, owner, asked, signed_in
):
    settings = {"dev_user": owner} if signed_in == "dev_user" else {}
    me = bearer(owner) if signed_in == "token" else {}
    async with console_client(console_url, **settings) as client:
        task = f"/api/tasks/{asked['task_id']}"
        for path in ("/api/batches", "/api/session", task):
            for headers in (
                {"Origin": "null"},
                {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
                {"Sec-Fetch-Site": "cross-site"},
                {"Sec-Fetch-Site": "same-site"},
            ):
                refused = await client.get(path, headers={**me, **headers})
                assert refused.status_code == 403, (path, headers)
                assert refused.json()["code"] in ("sandboxed", "cross_site")
                assert "batches" not in refused.json()
        assert (await client.get("/api/batches", headers={**me, "Origin": "null"})).json()[
            "code"
        ] == "sandboxed"
        # The console's own page, and a request typed in the address bar, are answered.
        for headers in ({"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}, {}):
            answered = await client.get("/api/batches", headers={**me, **headers})
            assert answered.status_code == 200, answered.text
            assert [b["id"] for b in answered.json()["batches"]] == [str(asked["batch_id"])]


async def test_the_components_list_is_the_users_own_then_the_public_ones(
    admin, console_url, owner, stranger
):
    mine = add_component(admin, owner, "export default () => <p>mine</p>;", name="b mine")
    add_component(admin, stranger, "export default () => <p>theirs</p>;", name="a theirs")
    shared = add_component(
        admin, stranger, "export default () => <p>shared</p>;", name="a shared", is_public=True
    )
    async with console_client(console_url) as client:
        listed = await client.get("/api/components", headers=bearer(owner))
        assert listed.status_code == 200, listed.text
        components = listed.json()["components"]
        assert [(c["id"], c["mine"]) for c in components] == [
            (str(mine), True),
            (str(shared), False),
        ]
        assert components[0]["code"] == "export default () => <p>mine</p>;"
        assert components[0]["mock_data"] == {}

        theirs = (await client.get("/api/components", headers=bearer(stranger))).json()
        assert [c["name"] for c in theirs["components"]] == ["a shared", "a theirs"]
