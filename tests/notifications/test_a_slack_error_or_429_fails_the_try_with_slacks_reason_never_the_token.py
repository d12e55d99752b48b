"""A Slack delivery is one chat.postMessage through slack_sdk: Slack's `ok: false` (a channel
not found) is a failed try naming Slack's error; a 429 is a failed try with Slack's
Retry-After; a 500 is a failed try. None of them shows the bot token; `ok` is delivered."""

import asyncio
import uuid

import pytest
import pytest_asyncio
from fakes.slack_server import FakeSlack
from orchable.settings import DeliverySettings
from orchable.worker.notify import SlackSender

from .conftest import BOUND_SECONDS, claimed

pytestmark = pytest.mark.asyncio

TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"


@pytest_asyncio.fixture
async def slack():
    async with FakeSlack(retry_after="17") as started:
        yield started


def to_slack(**changes):
    return claimed(
        endpoint_kind="slack",
        secret=TOKEN,
        slack_channel="C0123ABCD",
        endpoint_id=uuid.uuid4(),
        **changes,
    )


@pytest.mark.parametrize(
    ("answer", "status", "error", "retry_after"),
    [
        ("channel_not_found", 200, "Slack answered 200: channel_not_found", None),
        ("rate_limited", 429, "Slack answered 429: ratelimited", 17),
        ("server_error", 500, "Slack answered 500: not ok", None),
    ],
)
async def test_a_slack_error_fails_the_try_with_slacks_reason(
    slack: FakeSlack, answer: str, status: int, error: str, retry_after: int | None
) -> None:
    sender = SlackSender(DeliverySettings(slack_api_url=slack.api_url, slack_timeout_seconds=5))
    slack.script(answer)
    try:
        async with asyncio.timeout(BOUND_SECONDS):
            sent = await sender.send(to_slack())
    finally:
        await sender.aclose()

    assert (sent.outcome, sent.status_code, sent.error, sent.retry_after_seconds) == (
        "failed",
        status,
        error,
        retry_after,
    )
    assert TOKEN not in repr(sent)
    assert len(slack.calls) == 1, "one try is one request: the SDK retries nothing here"


async def test_a_message_slack_takes_is_delivered_to_the_endpoints_channel(
    slack: FakeSlack,
) -> None:
    sender = SlackSender(DeliverySettings(slack_api_url=slack.api_url, slack_timeout_seconds=5))
    try:
        async with asyncio.timeout(BOUND_SECONDS):
            sent = await sender.send(to_slack())
    finally:
        await sender.aclose()

    assert (sent.outcome, sent.status_code) == ("delivered", 200)
    [message] = slack.messages()
    assert (message.token, message.channel) == (TOKEN, "C0123ABCD")
    assert message.text is not None and message.text.startswith(to_slack().subject)
