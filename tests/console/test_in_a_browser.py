"""The console in a real browser (Debian's headless Chromium through Playwright), served by
uvicorn on 127.0.0.1: as a development user, a batch is seen finishing live on the batch
list, then its page, a task's page (its output as its stage's view_config shows it: a field
hidden, a text split at a delimiter into its parts) and its pipeline's stage graph open; a
task is approved with an edited output; a batch is paused, resumed and cancelled, each
after a confirmation; the inbox answers a selection and an input in place; a read-only
console shows no action. Signed in with an access token, a user sees only their batches;
signed in with an access key, the key's owner sees theirs, and signing out forgets it.

Set ORCHABLE_CONSOLE_SCREENSHOTS to a folder to keep a screenshot of each screen there
(make screenshots)."""

from __future__ import annotations

import asyncio
import json
import re
import threading

import pytest
from orchable.worker.loop import Worker
from orchable.worker.providers.offline import OfflineProvider
from playwright.sync_api import expect
from support.console import (
    JWT_SECRET,
    RunningConsole,
    ask,
    chromium_page,
    interaction_row,
    shot,
    task_row,
    token,
)
from support.pipelines import course, single_stage
from support.tasks import launch
from support.workers import run_worker, settings

pytestmark = pytest.mark.timeout(120)


def test_a_batch_is_seen_finishing_live_and_its_task_opened(admin, console_url, worker_url, owner):
    orchestrator_id = course(admin, owner, output_schemas=True)
    views = {
        # delimiters that are not an object are ignored, not an error
        "outline": {"hiddenFields": ["questions.text"], "delimiters": ["not", "an", "object"]},
        # "Answer on Question 1 on owls." as the list of its parts
        "question": {"delimiters": {"answer": " on "}},
    }
    for stage_key, view in views.items():
        admin.execute(
            "update public.prompt_templates set view_config = %s::jsonb"
            " where orchestrator_id = %s and stage_key = %s",
            (json.dumps(view), orchestrator_id, stage_key),
        )
    batch_id = launch(admin, owner, orchestrator_id, [{"topic": "owls"}, {"topic": "bats"}])["id"]
    row = f'tr[data-batch="{batch_id}"]'

    with RunningConsole(console_url, dev_user=owner) as console, chromium_page() as page:
        page.goto(f"{console.url}/#/batches")
        expect(page.locator(f"{row} [data-status]")).to_have_attribute("data-status", "pending")

        worker = Worker(settings(worker_url), {"offline": OfflineProvider()})
        running = threading.Thread(target=lambda: asyncio.run(run_worker(worker)), daemon=True)
        running.start()
        # The list refreshes itself while the batch runs: no reload.
        expect(page.locator(f"{row} [data-status]")).to_have_attribute("data-status", "completed")
        expect(page.locator(f"{row} .counts")).to_have_text("2/2")
        running.join()
        shot(page, "batches")

        page.locator(f"{row} a").first.click()
        expect(page.get_by_test_id("inputs-done")).to_contain_text("2 / 2")
        expect(page.locator("#tree .task-link")).to_have_count(10)
        expect(page.locator("#timeline li").last).to_contain_text("completed")
        shot(page, "batch")

        page.locator("#tree > ul > li > a.task-link").first.click()
        expect(page.locator("h1")).to_contain_text("outline")
        expect(page.locator("h1 [data-status]")).to_have_attribute("data-status", "completed")
        output = page.locator("#output")
        expect(output.locator("dt").first).to_have_text("questions")
        expect(output.locator("dt", has_text="text")).to_have_count(0)  # view_config hides it
        expect(page.locator("table.calls tbody tr")).to_have_count(1)
        expect(page.locator("table.calls")).to_contain_text("offline/")

        page.get_by_role("link", name="question #1").click()
        expect(page.locator("h1")).to_contain_text("question #1")
        parts = output.locator("dt:text-is('answer') + dd ol.parts > li")  # split by the view
        expect(parts).to_have_text(["Answer", "Question 1", re.compile(r"^(owls|bats)\.$")])
        sent = re.compile(r"^Answer Question 1 on (owls|bats)\.$")  # "Answer {{item.text}}"
        expect(page.get_by_test_id("prompt-sent")).to_have_text(sent)
        shot(page, "task")

        page.get_by_role("link", name="Pipelines").click()
        stages = page.locator(f'[data-pipeline="{orchestrator_id}"] .graph-stage strong')
        expect(stages).to_have_text(["outline", "question", "quiz"])
        edges = page.locator(f'[data-pipeline="{orchestrator_id}"] .react-flow__edge')
        expect(edges).to_have_count(2)  # outline -> question -> quiz
        shot(page, "pipelines")


def test_a_task_is_approved_with_an_edited_output(admin, console_url, owner):
    asked = ask(admin, owner, {"type": "approval", "channels": ["in_app"]}, {"text": "a draft"})
    edited = {"text": "an edited draft"}

    with RunningConsole(console_url, dev_user=owner) as console, chromium_page() as page:
        page.goto(f"{console.url}/#/tasks/{asked['task_id']}")
        expect(page.locator("h1 [data-status]")).to_have_attribute("data-status", "generated")
        page.get_by_role("button", name="Approve…").click()
        textarea = page.locator("textarea[name=output]")
        expect(textarea).to_have_value(json.dumps({"text": "a draft"}, indent=2))
        textarea.fill(json.dumps(edited))
        shot(page, "approve")
        page.get_by_role("button", name="Approve", exact=True).click()
        expect(page.locator("h1 [data-status]")).to_have_attribute("data-status", "completed")
        expect(page.get_by_role("status")).to_have_text(
            "Approved with your edit: the task is completed."
        )
        expect(page.locator("#output")).to_contain_text("an edited draft")

    task = task_row(admin, asked["task_id"])
    assert task["status"] == "completed" and task["output_data"] == edited
    assert interaction_row(admin, asked["interaction_id"])["status"] == "responded"


def test_the_inbox_answers_a_selection_and_an_input_in_place(admin, console_url, owner):
    selection = ask(
        admin,
        owner,
        {
            "type": "selection",
            "channels": ["in_app"],
            "message": "Which tone?",
            "options": [
                {"value": "formal", "label": "Formal"},
                {"value": "casual", "label": "Casual"},
            ],
        },
    )
    question = ask(
        admin,
        owner,
        {
            "type": "input",
            "channels": ["in_app"],
            "message": "Who reads it?",
            "input_schema": {
                "type": "object",
                "properties": {"audience": {"type": "string"}},
                "required": ["audience"],
            },
        },
    )

    with RunningConsole(console_url, dev_user=owner) as console, chromium_page() as page:
        page.goto(f"{console.url}/#/inbox")
        chosen = page.locator(f'[data-interaction="{selection["interaction_id"]}"]')
        filled = page.locator(f'[data-interaction="{question["interaction_id"]}"]')
        expect(chosen).to_contain_text("Which tone?")
        expect(filled).to_contain_text("Who reads it?")
        shot(page, "inbox")

        chosen.get_by_role("button", name="Casual").click()
        expect(chosen.locator(".ok")).to_contain_text("settled")

        filled.locator("input[name=audience]").fill("first-year students")
        filled.get_by_role("button", name="Send").click()
        expect(filled.locator(".ok")).to_contain_text("settled")

        page.reload()
        expect(page.get_by_text("Nothing waits for you.")).to_be_visible()

    chosen_row = interaction_row(admin, selection["interaction_id"])
    assert chosen_row["status"] == "responded"
    assert chosen_row["response_data"]["answer"] == "casual"
    filled_row = interaction_row(admin, question["interaction_id"])
    assert filled_row["status"] == "responded"
    assert filled_row["response_data"]["answer"] == {"audience": "first-year students"}


def test_a_read_only_console_shows_no_action(admin, console_url, owner, asked):
    with (
        RunningConsole(console_url, dev_user=owner, read_only=True) as console,
        chromium_page() as page,
    ):
        page.goto(f"{console.url}/#/tasks/{asked['task_id']}")
        expect(page.locator("h1 [data-status]")).to_have_attribute("data-status", "generated")
        expect(page.locator("header.top")).to_contain_text("read-only")
        expect(page.get_by_role("button", name="Approve…")).to_have_count(0)
        page.goto(f"{console.url}/#/batches/{asked['batch_id']}")
        expect(page.get_by_test_id("inputs-done")).to_be_visible()
        expect(page.locator(".actions button")).to_have_count(0)
        page.goto(f"{console.url}/#/inbox")
        expect(page.locator(f'[data-interaction="{asked["interaction_id"]}"]')).to_be_visible()
        expect(page.locator(".answer")).to_have_count(0)
    assert task_row(admin, asked["task_id"])["status"] == "generated"


def test_signing_in_with_an_access_token_shows_only_the_users_batches(
    admin, console_url, owner, asked, stranger_asked
):
    with RunningConsole(console_url, jwt_secret=JWT_SECRET) as console, chromium_page() as page:
        page.goto(f"{console.url}/#/batches")
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        shot(page, "sign-in")
        page.locator("textarea[name=token]").fill("not-a-token")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_contain_text("bad_token")

        page.locator("textarea[name=token]").fill(token(owner))
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator(f'tr[data-batch="{asked["batch_id"]}"]')).to_be_visible()
        expect(page.locator("tr[data-batch]")).to_have_count(1)
        expect(page.locator("header.top")).to_contain_text(f"{owner}@example.test")


def test_signing_in_with_an_access_key_and_out_again(admin, console_url, owner, asked):
    row = admin.execute(
        "select key from public.create_access_key('wall screen', '{console}', %s)", (owner,)
    ).fetchone()
    assert row is not None
    with RunningConsole(console_url) as console, chromium_page() as page:
        page.goto(f"{console.url}/#/batches")
        page.locator("textarea[name=token]").fill(row["key"])
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator(f'tr[data-batch="{asked["batch_id"]}"]')).to_be_visible()
        email = admin.execute("select email from auth.users where id = %s", (owner,)).fetchone()
        assert email is not None
        expect(page.locator("header.top")).to_contain_text(email["email"])

        page.get_by_role("button", name="sign out").click()
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        # Signed out, the page keeps no key: a reload asks again.
        page.reload()
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_a_batch_is_paused_resumed_and_cancelled_after_a_confirmation(admin, console_url, owner):
    orchestrator_id = single_stage(admin, owner, "one")
    batch_id = launch(admin, owner, orchestrator_id, [{"question": "a"}, {"question": "b"}])["id"]

    def status() -> str:
        row = admin.execute("select status from public.task_batches where id = %s", (batch_id,))
        found = row.fetchone()
        assert found is not None
        return str(found["status"])

    with RunningConsole(console_url, dev_user=owner) as console, chromium_page() as page:
        page.goto(f"{console.url}/#/batches/{batch_id}")
        badge = page.locator("h1 [data-status]")
        expect(badge).to_have_attribute("data-status", "pending")

        page.get_by_role("button", name="Pause").click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("No new task starts")
        assert status() == "pending"  # nothing happens before the confirmation
        dialog.get_by_role("button", name="Yes, pause").click()
        expect(badge).to_have_attribute("data-status", "paused")
        expect(page.get_by_role("status")).to_have_text(
            "Paused: no new task starts until you resume it."
        )
        assert status() == "paused"

        page.get_by_role("button", name="Resume").click()
        page.get_by_role("dialog").get_by_role("button", name="Yes, resume").click()
        expect(badge).not_to_have_attribute("data-status", "paused")

        page.get_by_role("button", name="Cancel").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_role("button", name="No").click()
        expect(page.get_by_role("dialog")).to_have_count(0)
        assert status() != "cancelled"
        page.get_by_role("button", name="Cancel").click()
        page.get_by_role("dialog").get_by_role("button", name="Yes, cancel").click()
        expect(badge).to_have_attribute("data-status", "cancelled")
        expect(page.get_by_role("status")).to_have_text("Cancelled: its open tasks are cancelled.")
        expect(page.locator(".actions button")).to_have_count(0)
    assert status() == "cancelled"
