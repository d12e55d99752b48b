"""A server that refuses the message (4xx or 5xx): a failed try, reported with the SMTP
code and the server's text; the database decides whether it is tried again."""

import asyncio

import pytest
from fakes.smtp_server import SmtpServer
from orchable.worker.notify import EmailSender

from .conftest import BOUND_SECONDS, claimed, smtp_settings

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize(
    ("answer", "code"),
    [("451 4.3.0 Try again later", 451), ("554 5.7.1 Message rejected", 554)],
)
async def test_an_smtp_refusal_fails_the_try_with_its_code_and_text(
    smtp: SmtpServer, answer: str, code: int
) -> None:
    smtp.script(answer)
    delivery = claimed(endpoint_kind="email", email_address="ops@example.test", secret=None)
    async with asyncio.timeout(BOUND_SECONDS):
        sent = await EmailSender(smtp_settings(smtp)).send(delivery)

    assert (sent.outcome, sent.status_code) == ("failed", code)
    assert sent.error == f"SMTP {answer}"
    assert smtp.messages == []
