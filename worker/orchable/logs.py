"""Structured logging (`event key=value ...`) and its set-up for the command line."""

from __future__ import annotations

import logging
from typing import Any

_SECRET_FIELDS = frozenset({"api_key", "password", "database_url", "listen_url"})


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
