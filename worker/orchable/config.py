"""The worker's settings and its structured logging (`event key=value ...`)."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

_SECRET_FIELDS = frozenset({"api_key", "password", "database_url", "listen_url"})


# Models used when a stage's ai_settings name none.
DEFAULT_MODELS = {"gemini": "gemini-2.5-flash", "openai": "gpt-4.1-mini", "offline": "offline"}


@dataclass(frozen=True)
class ExecutorSettings:
    default_provider: str = "gemini"
    default_models: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_MODELS))
    call_timeout_seconds: float = 120.0
    # A task waiting for a key is released for at most this long, then looks again.
    max_key_wait_seconds: int = 600
    # Released for this long when the owner has no active key for the provider at all.
    no_key_wait_seconds: int = 300
    # Upper bound on calls for one task in one claim (keys rotated, models tried).
    max_calls_per_claim: int = 25
    # An output is checked against output_schema off the event loop: one whose check has not
    # ended after this long, or larger than this encoded, fails as output_uncheckable (OR019).
    check_timeout_seconds: float = 30.0
    max_checked_output_bytes: int = 16 * 1024 * 1024


def default_worker_id() -> str:
    """A name for locked_by and task events, which task owners read: random, so that it
    tells them nothing about the hosts workers run on. The worker logs it at start with
    its host and process id, for operators."""
    return f"worker-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class WorkerSettings:
    database_url: str
    # Session-mode (or direct) URL for LISTEN; "" means database_url; None polls only.
    listen_url: str | None = ""
    concurrency: int = 16
    claim_batch_size: int | None = None  # tasks per claim_tasks call; None: see below
    lease_seconds: int = 300
    poll_interval_seconds: float = 5.0
    worker_id: str = field(default_factory=default_worker_id)
    shutdown_grace_seconds: float = 30.0
    drain: bool = False  # exit once a claim finds nothing and nothing is in flight
    executor: ExecutorSettings = field(default_factory=ExecutorSettings)

    @property
    def effective_listen_url(self) -> str | None:
        if self.listen_url is None:
            return None
        return self.listen_url or self.database_url

    @property
    def effective_claim_batch_size(self) -> int:
        """At most 32 by default: the calls of one claim start together and their answers
        come back together, a burst the worker works through while every other answer
        waits; smaller claims spread the calls out (bench/llm_bound.py at concurrency 256:
        0.5 of the ideal with claims of 256, 0.7 with claims of 32)."""
        return max(1, min(self.claim_batch_size or min(self.concurrency, 32), 1000))


def _format(value: Any) -> str:
    text = "null" if value is None else str(value)
    if not text or any(c in text for c in ' "=\n'):
        text = '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return text


def log_event(logger: logging.Logger, level: int, event: str, **fields: Any) -> None:
    """Logs `event key=value ...`; the fields also go in the record as `extra` (`event`,
    `fields`) for a JSON formatter. Secret-looking fields are never logged."""
    if not logger.isEnabledFor(level):
        return
    clean = {k: v for k, v in fields.items() if k not in _SECRET_FIELDS}
    message = " ".join([event, *(f"{k}={_format(v)}" for k, v in clean.items())])
    logger.log(level, message, extra={"event": event, "fields": clean})


# Libraries that log every request at INFO: one line per LLM call is the worker's own
# `llm_call` event (DEBUG on success), so theirs are kept to warnings.
_CHATTY_LIBRARIES = ("google_genai", "httpx", "httpx2", "httpcore")


def configure_logging(level: str = "info") -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    if logging.getLogger().isEnabledFor(logging.INFO):
        for name in _CHATTY_LIBRARIES:
            logging.getLogger(name).setLevel(logging.WARNING)
