"""How one try of a delivery went, as report_notification_delivery takes it."""

from __future__ import annotations

import math
from dataclasses import dataclass

# The longest error text reported: enough for a status line and the start of an answer.
MAX_ERROR_CHARS = 500
# A Retry-After beyond this is taken as this (the database's integer holds it; the
# database decides how much of it to honour).
MAX_RETRY_AFTER_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Sent:
    """outcome: delivered (a 2xx, or the SMTP server took the message), failed (tried
    again later, or dead after the last try) or gone (a 410: the endpoint is disabled)."""

    outcome: str
    status_code: int | None = None
    error: str | None = None
    retry_after_seconds: int | None = None
    # What the receiver calls what it got (a Slack message's <channel>:<ts>).
    external_id: str | None = None

    @classmethod
    def delivered(cls, status_code: int | None, external_id: str | None = None) -> Sent:
        return cls("delivered", status_code, external_id=external_id)

    @classmethod
    def failed(
        cls, error: str, status_code: int | None = None, retry_after: float | None = None
    ) -> Sent:
        wait = None
        if retry_after is not None:
            wait = min(math.ceil(retry_after), MAX_RETRY_AFTER_SECONDS)
        return cls("failed", status_code, error[:MAX_ERROR_CHARS], wait)

    @classmethod
    def gone(cls, error: str) -> Sent:
        return cls("gone", 410, error[:MAX_ERROR_CHARS])
