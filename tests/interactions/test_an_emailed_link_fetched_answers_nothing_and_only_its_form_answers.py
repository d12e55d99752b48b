"""An interaction asked by email, end to end through a running worker and `orchable serve`:
the worker mails the question with a link to its answer page; fetching the link (GET, or
HEAD, as mail scanners and link previews do) answers nothing; submitting its form (POST)
answers, the task goes on and the batch completes; submitting it again is too late."""

from __future__ import annotations

import re

import httpx
from fakes.smtp_server import SmtpServer
from support.interactions import asking_pipeline
from support.serve import (
    RunningServe,
    add_endpoint,
    interaction_of,
    responses,
    run_worker_until,
    serve_url,
    working_worker,
)
from support.tasks import launch

INTERACTION = {
    "type": "approval",
    "message": "Publish this draft?",
    "channels": ["email"],
    "timeout": "1 hour",
}


def test_an_emailed_link_fetched_answers_nothing_and_only_its_form_answers(
    database, admin, owner, worker_url
):
    add_endpoint(admin, owner, "email", "mail", p_email_address="ann@example.test")
    orchestrator_id = asking_pipeline(admin, owner, INTERACTION)
    batch_id = launch(admin, owner, orchestrator_id, [{"topic": "cats"}])["id"]

    with SmtpServer() as smtp, RunningServe(serve_url(database)) as serve:
        smtp_settings = {
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "smtp_from": "orchable <hil@orchable.test>",
            "smtp_starttls": False,
            "public_url": serve.url,
        }
        run_worker_until(working_worker(worker_url, **smtp_settings), lambda: smtp.messages)
        [mail] = smtp.messages
        assert mail.recipients == ["ann@example.test"]
        text = mail.message.get_body(("plain",)).get_content()
        html = mail.message.get_body(("html",)).get_content()
        found = re.search(re.escape(serve.url) + r"/answer/[A-Za-z0-9_-]{43}", text)
        assert found, text
        link = found.group(0)
        assert link in html, "the HTML part links to the same page"
        interaction = interaction_of(admin, batch_id)
        assert interaction is not None

        with httpx.Client(timeout=10) as http:
            page = http.get(link)
            head = http.head(link)
            assert page.status_code == 200 and head.status_code == 200
            assert "Publish this draft?" in page.text
            assert '<form method="post">' in page.text
            assert "script-src" not in page.headers["content-security-policy"]
            assert "default-src 'none'" in page.headers["content-security-policy"]

            still = interaction_of(admin, batch_id)
            assert still is not None and still["status"] == "pending", "fetching answered"
            assert responses(admin) == [], "fetching stored an answer"

            answered = http.post(link, data={"decision": "approve"})
            assert answered.status_code == 200, answered.text
            assert "your answer was recorded" in answered.text

            again = http.post(link, data={"decision": "reject", "reason": "changed my mind"})
            assert again.status_code == 409 and "Too late" in again.text

    settled = interaction_of(admin, batch_id)
    assert settled is not None
    assert (settled["status"], settled["outcome"]) == ("responded", "approved")
    answers = admin.execute(
        "select responder_key, channel, outcome from public.interaction_answers"
        " where interaction_id = %s order by id",
        (interaction["id"],),
    ).fetchall()
    assert [tuple(a.values()) for a in answers] == [
        ("email:ann@example.test", "email", "settled"),
        ("email:ann@example.test", "email", "late"),
    ]
    assert [r["status"] for r in responses(admin)] == ["matched", "late"]

    # The task went on: the next stage runs and the batch completes.
    def batch_done() -> bool:
        row = admin.execute("select status from public.task_batches where id = %s", (batch_id,))
        return row.fetchone()["status"] == "completed"

    run_worker_until(working_worker(worker_url), batch_done)
