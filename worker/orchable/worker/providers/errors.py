"""Error helpers the HTTP providers share: status classification and Retry-After parsing."""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Iterable, Mapping

from orchable.worker.providers.base import ErrorKind, ProviderError

_MAX_MESSAGE = 500

# How a model that cannot combine a response schema with a search tool refuses the request:
# "Unable to submit request because controlled generation is not supported with
# google_search tool." (Gemini 2.x), or "Tool use with a response mime type:
# 'application/json' is unsupported".
_OUTPUT_FORMAT = re.compile(
    r"controlled generation|structured output|response ?schema|json mode|response mime ?type",
    re.IGNORECASE,
)
_UNSUPPORTED = re.compile(r"not supported|unsupported|not allowed", re.IGNORECASE)
_TOOL = re.compile(r"\btools?\b", re.IGNORECASE)


def kind_for_status(status: int, message: str = "", reasons: Iterable[str] = ()) -> ErrorKind:
    """The error kind of an HTTP error answer (status code, message, error reasons)."""
    if status in (401, 403) or "API_KEY_INVALID" in reasons:
        return ErrorKind.INVALID_KEY
    if status == 429:
        return ErrorKind.RATE_LIMITED
    if status in (503, 529) or (status >= 500 and "overloaded" in message.lower()):
        return ErrorKind.OVERLOADED
    if status >= 500:
        return ErrorKind.SERVER_ERROR
    if status == 408:
        return ErrorKind.TIMEOUT
    return ErrorKind.INVALID_REQUEST


def refuses_schema_with_search(error: ProviderError) -> bool:
    """Whether the error is a model refusing structured output together with the search
    tool (a 400): the request can be made again in two calls, a search then the verdict."""
    message = error.message
    return (
        error.kind is ErrorKind.INVALID_REQUEST
        and bool(_OUTPUT_FORMAT.search(message))
        and bool(_UNSUPPORTED.search(message))
        and bool(_TOOL.search(message))
    )


def retry_after_from_headers(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from `retry-after-ms` or `Retry-After` (seconds or an HTTP date)."""
    if not headers:
        return None
    lowered = {key.lower(): value for key, value in headers.items()}
    millis = _float_or_none(lowered.get("retry-after-ms"))
    if millis is not None:
        return max(millis / 1000.0, 0.0)
    value = lowered.get("retry-after")
    if value is None:
        return None
    seconds = _float_or_none(value)
    if seconds is not None:
        return max(seconds, 0.0)
    return _seconds_until_http_date(value)


def retry_delay_seconds(value: object) -> float | None:
    """A google.protobuf.Duration in JSON form ("12s", "0.5s") as seconds."""
    if isinstance(value, str) and value.endswith("s"):
        return _float_or_none(value[:-1])
    if isinstance(value, Mapping):
        seconds = _float_or_none(str(value.get("seconds", 0)))
        nanos = _float_or_none(str(value.get("nanos", 0)))
        if seconds is not None and nanos is not None:
            return seconds + nanos / 1e9
    return None


def provider_error(
    kind: ErrorKind,
    message: str,
    api_key: str | None,
    http_status: int | None = None,
    retry_after_seconds: float | None = None,
) -> ProviderError:
    """A ProviderError whose message is shortened and never contains the API key."""
    return ProviderError(
        kind=kind,
        message=redact(message, api_key)[:_MAX_MESSAGE],
        http_status=http_status,
        retry_after_seconds=retry_after_seconds,
    )


def redact(text: str, api_key: str | None) -> str:
    return text.replace(api_key, "[redacted]") if api_key else text


def _float_or_none(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None


def _seconds_until_http_date(value: str) -> float | None:
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(moment.timestamp() - time.time(), 0.0)
