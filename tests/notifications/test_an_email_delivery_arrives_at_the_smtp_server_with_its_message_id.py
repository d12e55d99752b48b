"""End to end by email: a worker with an SMTP server in its settings sends the delivery to
the endpoint's address with `Message-ID: <delivery id@orchable>` and the notification's
subject, and the delivery is delivered."""

from __future__ import annotations

import pytest
from fakes.smtp_server import SmtpServer

from .conftest import add_email, deliveries, delivering_worker, notify, run_until


@pytest.mark.timeout(60)
def test_an_email_delivery_arrives_at_the_smtp_server_with_its_message_id(admin, owner, worker_url):
    add_email(admin, owner, "owner@example.test")
    notification = notify(admin, owner)
    with SmtpServer() as smtp:
        worker = delivering_worker(
            worker_url,
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_from="alerts@orchable.test",
            smtp_starttls=False,
        )
        run_until(worker, lambda: bool(smtp.messages))

    [delivery] = deliveries(admin, notification["id"])
    [taken] = smtp.messages
    assert taken.recipients == ["owner@example.test"]
    assert taken.message["Message-ID"] == f"<{delivery['id']}@orchable>"
    assert taken.message["Subject"] == notification["subject"]
    assert "what the sources say" in taken.message.get_content()
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == (
        "delivered",
        1,
        250,
    )
