"""The monitors, costs and keys screens in a real browser (Debian's headless Chromium
through Playwright), served by uvicorn on 127.0.0.1 as a development user: the monitor list
shows a monitor's schedule and latest result; its page shows a run's answer, source and why
it notified; "Run now", once confirmed, starts a run that the page then shows; the costs
screen shows the spend per pipeline and model; the keys screen shows a key's prefix and
cooldown, never the key. The monitor list shows more monitors, a page at a time, on
request. A read-only console shows no monitor action.

Set ORCHABLE_CONSOLE_SCREENSHOTS to a folder to keep a screenshot of each screen there
(make screenshots)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from support.console import RunningConsole, chromium_page, shot
from support.monitors import create_monitor, record_call, settle_run, start_run

pytestmark = pytest.mark.timeout(120)

SECRET = "AIzaSy-browser-visible-never-0000000009"


def runs_of(admin, monitor_id) -> int:
    row = admin.execute(
        "select count(*) as n from public.monitor_executions where monitor_id = %s", (monitor_id,)
    ).fetchone()
    return int(row["n"])


def test_monitors_costs_and_keys_are_shown_and_a_monitor_is_run_now(admin, console_url, owner):
    monitor_id = create_monitor(admin, owner, "always")
    execution = start_run(admin, monitor_id)
    settled = settle_run(admin, execution, True, {"release_date": "2027-09-19"})
    key_id = admin.execute(  # support.keys.add_key would name the key after its secret
        "select (public.add_api_key('gemini', %s, 'main', p_owner_id => %s)).id", (SECRET, owner)
    ).fetchone()["id"]
    admin.execute(
        "select public.report_api_key_result(%s, 'rate_limited', 300, '429: quota')", (key_id,)
    )
    now = admin.execute("select now() as now").fetchone()["now"]
    record_call(admin, settled["batch_id"], model="gemini-3-flash", cost_usd=0.42, at=now)

    with RunningConsole(console_url, dev_user=owner) as console, chromium_page() as page:
        page.goto(f"{console.url}/#/batches")
        nav = page.locator("header.top nav")
        nav.get_by_role("link", name="Monitors", exact=True).click()
        row = page.locator(f'tr[data-monitor="{monitor_id}"]')
        expect(row).to_contain_text("0 9 * * mon-fri")
        expect(row).to_contain_text("Europe/Berlin")
        expect(row.locator("[data-status]").first).to_have_attribute("data-status", "active")
        expect(row).to_contain_text("notified: the condition is met")
        shot(page, "monitors")

        row.get_by_role("link", name="iphone").click()
        expect(page.locator("h1")).to_contain_text("iphone")
        run = page.locator(f'[data-run="{execution}"]')
        expect(run).to_contain_text("what the sources say")
        expect(run.get_by_role("link", name="example.test")).to_have_attribute(
            "href", "https://example.test/news"
        )
        expect(run.get_by_test_id("notify-reason")).to_have_attribute(
            "data-reason", "condition_met"
        )
        expect(run.get_by_test_id("condition-met")).to_have_text("yes")
        # Google's search suggestions, framed from their own signed address and policy.
        suggestions = run.frame_locator("iframe.search-suggestions")
        expect(suggestions.locator("div.container")).to_have_text("suggestions")
        expect(page.get_by_test_id("schedule")).to_contain_text("Europe/Berlin")

        page.get_by_role("button", name="Run now").click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("Run iphone now?")
        assert runs_of(admin, monitor_id) == 1  # nothing happens before the confirmation
        dialog.get_by_role("button", name="Yes, run now").click()
        expect(page.locator("article.run")).to_have_count(2)
        expect(page.get_by_role("status")).to_have_text(
            "A run has started: it is the newest run below."
        )
        expect(page.locator("article.run").first.locator("[data-status]").first).to_have_attribute(
            "data-status", "pending"
        )
        assert runs_of(admin, monitor_id) == 2
        shot(page, "monitor")

        page.get_by_role("button", name="Pause").click()
        page.get_by_role("dialog").get_by_role("button", name="Yes, pause").click()
        expect(page.locator("h1 [data-status]")).to_have_attribute("data-status", "paused")
        expect(page.get_by_role("button", name="Resume")).to_be_visible()

        nav.get_by_role("link", name="Costs", exact=True).click()
        expect(page.get_by_test_id("total-cost")).to_have_text("$0.42")
        expect(page.locator("#by-pipeline tbody tr")).to_have_count(1)
        expect(page.locator("#by-pipeline")).to_contain_text("monitors (orchable)")
        expect(page.locator("#by-model")).to_contain_text("gemini-3-flash")
        shot(page, "costs")

        nav.get_by_role("link", name="Keys", exact=True).click()
        key = page.locator(f'tr[data-key="{key_id}"]')
        expect(key.locator("[data-status]")).to_have_attribute("data-status", "blocked")
        expect(key).to_contain_text(SECRET[:4] + "…" + SECRET[-4:])
        expect(key).to_contain_text("rate_limited")
        shot(page, "keys")
        assert SECRET[4:-4] not in page.content()

    state = admin.execute("select state from public.monitors where id = %s", (monitor_id,))
    assert state.fetchone()["state"] == "paused"


def test_a_read_only_console_shows_no_monitor_action(admin, console_url, owner):
    monitor_id = create_monitor(admin, owner)
    with (
        RunningConsole(console_url, dev_user=owner, read_only=True) as console,
        chromium_page() as page,
    ):
        page.goto(f"{console.url}/#/monitors/{monitor_id}")
        expect(page.locator("h1 [data-status]")).to_have_attribute("data-status", "active")
        expect(page.get_by_text("No run yet.")).to_be_visible()
        expect(page.locator(".actions button")).to_have_count(0)
    assert runs_of(admin, monitor_id) == 0


def test_the_monitor_list_shows_more_monitors_on_request(admin, console_url, owner):
    made = [create_monitor(admin, owner) for _ in range(3)]
    with (
        RunningConsole(console_url, dev_user=owner, page_size=2) as console,
        chromium_page() as page,
    ):
        page.goto(f"{console.url}/#/monitors")
        rows = page.locator("tr[data-monitor]")
        expect(rows).to_have_count(2)
        page.get_by_role("button", name="More monitors").click()
        expect(rows).to_have_count(3)
        ids = [rows.nth(i).get_attribute("data-monitor") for i in range(3)]
        assert ids == [str(m) for m in reversed(made)]  # newest first, none twice
        expect(page.get_by_role("button", name="More monitors")).to_have_count(0)
