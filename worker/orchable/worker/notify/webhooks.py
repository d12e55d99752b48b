"""Webhook deliveries as Standard Webhooks (https://www.standardwebhooks.com): a POST of
`{"type", "timestamp", "data"}`, JSON-encoded once and signed over exactly the bytes sent
(`webhook-id` the delivery's id, the same on every try; `webhook-timestamp` new on every
try; `webhook-signature` `v1,<base64 HMAC-SHA256>`, made by the `standardwebhooks`
library).

An answer is judged as the specification says: a 2xx is delivered; a 410 is gone (the
database disables the endpoint); anything else, a redirect included (never followed), is
a failed try, with the answer's Retry-After; so are no answer within the timeout and a
connection that fails. Neither the secret nor the body is ever logged or reported.

An interaction's event also carries its `answer_url` (the endpoint's answer route on
`orchable serve`, where the receiver POSTs the answer, signed with the same secret) and its
`correlation_id`."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import httpx
from standardwebhooks import Webhook

from orchable.db import json_codec
from orchable.db.worker_rpc import ClaimedDelivery
from orchable.settings import DEFAULT_PUBLIC_URL
from orchable.worker.notify.interactions import webhook_data
from orchable.worker.notify.sent import Sent
from orchable.worker.providers.errors import retry_after_from_headers

_ANSWER_CHARS_REPORTED = 200  # of a failed answer's body, in its error


def webhook_body(delivery: ClaimedDelivery, public_url: str = DEFAULT_PUBLIC_URL) -> bytes:
    """The request body: the notification in Standard Webhooks' recommended shape."""
    created_at = delivery.created_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    data = webhook_data(delivery, public_url) if delivery.is_interaction else delivery.payload
    body = {"type": delivery.notification_kind, "timestamp": created_at, "data": data}
    return json_codec.dumps(body).encode()


def webhook_headers(
    delivery_id: str, secret: str, body: bytes, now: float | None = None
) -> dict[str, str]:
    """The headers of one try: its id, its timestamp (whole seconds: `now`, or the
    present) and the signature of id, timestamp and body. Raises if the secret is not a
    usable Standard Webhooks secret."""
    timestamp = dt.datetime.fromtimestamp(int(time.time() if now is None else now), dt.UTC)
    signature = Webhook(secret).sign(delivery_id, timestamp, body)
    return {
        "webhook-id": delivery_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": "orchable",
    }


class WebhookSender:
    """Makes one try of a webhook delivery; one HTTP client for every try."""

    def __init__(
        self,
        timeout_seconds: float = 15.0,
        max_connections: int = 100,
        public_url: str = DEFAULT_PUBLIC_URL,
    ) -> None:
        self.timeout_seconds = timeout_seconds
        self.public_url = public_url
        self._http = httpx.AsyncClient(
            follow_redirects=False,
            limits=httpx.Limits(max_connections=max_connections),
            timeout=timeout_seconds,
        )

    async def send(self, delivery: ClaimedDelivery) -> Sent:
        if not delivery.url or not delivery.secret:
            return Sent.failed("the webhook endpoint has no URL or no signing secret")
        if delivery.unreadable:
            return Sent.failed(delivery.unreadable)
        body = webhook_body(delivery, self.public_url)
        try:
            headers = webhook_headers(str(delivery.delivery_id), delivery.secret, body)
        except Exception:  # what the library raises: its text may quote the secret
            return Sent.failed("the endpoint's signing secret is not a Standard Webhooks secret")
        try:
            async with asyncio.timeout(self.timeout_seconds):
                return await self._post(delivery.url, headers, body)
        except (TimeoutError, httpx.TimeoutException):
            return Sent.failed(f"no answer within {self.timeout_seconds:g} s")
        except httpx.InvalidURL as exc:
            return Sent.failed(f"the endpoint's URL cannot be used: {exc}")
        except httpx.HTTPError as exc:  # TransportError and the rest: nothing was answered
            return Sent.failed(f"connection failed: {type(exc).__name__}: {exc}".rstrip(": "))

    async def _post(self, url: str, headers: dict[str, str], body: bytes) -> Sent:
        async with self._http.stream("POST", url, content=body, headers=headers) as response:
            status = response.status_code
            if 200 <= status < 300:
                return Sent.delivered(status)
            answer = await _start_of(response)
        error = f"HTTP {status} {response.reason_phrase}".rstrip()
        if 300 <= status < 400:
            error += " (redirects are not followed)"
        if answer:
            error += f": {answer}"
        if status == 410:
            return Sent.gone(error)
        return Sent.failed(error, status, retry_after_from_headers(response.headers))

    async def aclose(self) -> None:
        await self._http.aclose()


async def _start_of(response: httpx.Response) -> str:
    """The first characters of an answer's body, on one line, without reading the rest."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= 4 * _ANSWER_CHARS_REPORTED:
            break
    text = b"".join(chunks).decode("utf-8", errors="replace")
    return " ".join(text.split())[:_ANSWER_CHARS_REPORTED]
