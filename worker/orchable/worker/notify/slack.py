"""Slack deliveries through Slack's official SDK (slack_sdk's AsyncWebClient): one
chat.postMessage per try, to the endpoint's channel with its bot token, at the Web API
base URL of the worker's settings (tests point it at a local fake).

An interaction's message carries Block Kit buttons (Approve / Reject, or one per option;
an input is answered in the message's thread); Slack calls `orchable serve` back when one
is pressed. Any other notification is its subject and payload as text. Slack answering
`ok: false` (a channel not found, a revoked token...), a 429 (its Retry-After honoured), a
5xx, no answer in time or a failed connection is a failed try, reported as a webhook's
would be and tried again on the database's schedule. The SDK retries nothing by itself
here: one try is one request. The bot token is never logged or reported."""

from __future__ import annotations

import asyncio
import json

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from orchable.db.worker_rpc import ClaimedDelivery
from orchable.settings import DeliverySettings
from orchable.worker.notify.interactions import message_of, slack_blocks
from orchable.worker.notify.sent import Sent

_TEXT_CHARS = 3000


def slack_text(delivery: ClaimedDelivery) -> str:
    """The message's text: the notification for people (and for notifications that are
    not interactions, its payload as JSON)."""
    if delivery.is_interaction:
        return message_of(delivery)[:_TEXT_CHARS]
    body = json.dumps(delivery.payload, indent=2, ensure_ascii=False)
    return f"{delivery.subject}\n```{body}```"[:_TEXT_CHARS]


class SlackSender:
    """Makes one try of a Slack delivery; one aiohttp session for every try."""

    def __init__(self, settings: DeliverySettings) -> None:
        self.settings = settings
        self._session: aiohttp.ClientSession | None = None

    def _client(self, token: str) -> AsyncWebClient:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.settings.slack_timeout_seconds)
            )
        base_url = self.settings.slack_api_url
        return AsyncWebClient(
            token=token,
            base_url=base_url if base_url.endswith("/") else base_url + "/",
            timeout=int(self.settings.slack_timeout_seconds),
            session=self._session,
            retry_handlers=[],
        )

    async def send(self, delivery: ClaimedDelivery) -> Sent:
        if not delivery.secret or not delivery.slack_channel:
            return Sent.failed("the slack endpoint has no bot token or no channel")
        if delivery.unreadable:
            return Sent.failed(delivery.unreadable)
        client = self._client(delivery.secret)
        blocks = slack_blocks(delivery) if delivery.is_interaction else None
        try:
            async with asyncio.timeout(self.settings.slack_timeout_seconds):
                response = await client.chat_postMessage(
                    channel=delivery.slack_channel,
                    text=slack_text(delivery),
                    blocks=blocks,
                    unfurl_links=False,
                    unfurl_media=False,
                )
        except SlackApiError as exc:
            status = exc.response.status_code
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            retry_after = exc.response.headers.get("Retry-After") or exc.response.headers.get(
                "retry-after"
            )
            text = f"Slack answered {status}: {error or 'not ok'}"
            return Sent.failed(text, status, _seconds(retry_after))
        except TimeoutError:
            waited = self.settings.slack_timeout_seconds
            return Sent.failed(f"no answer from Slack within {waited:g} s")
        except (SlackClientError, aiohttp.ClientError, OSError) as exc:
            return Sent.failed(f"Slack failed: {type(exc).__name__}: {exc}".rstrip(": "))
        # Replies in the message's thread name it by its channel and ts.
        posted = f"{response.get('channel')}:{response.get('ts')}" if response.get("ts") else None
        return Sent.delivered(response.status_code, posted)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
