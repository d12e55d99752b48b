"""Google's search suggestions beside a grounded monitor answer, which the Gemini API's
terms require showing with it (`searchEntryPoint.renderedContent`, stored as
monitor_executions.search_entry_point).

The suggestions are Google's HTML, with a style sheet of its own: the console frames them
from `/suggestions/{run_id}` in `<iframe sandbox="allow-popups ...">` with a policy of
their own (no script, no request but images, their inline styles; links open in a new
tab), never inside its page, whose policy admits no inline style. A frame cannot carry the
page's Authorization header, so the API hands the page a signed address instead: the run,
the user, an expiry and an HMAC of the three with the console's key (compared in constant
time); the run is then read as that user, so row-level security still decides."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from urllib.parse import urlencode

from starlette.requests import Request

from orchable.console.auth import Refused

# A signed address lasts from one to two hours, the same all hour: the page's polls keep
# the frame's address, so it is not loaded again.
VALID_SECONDS = 3600

HEADERS = {
    "content-security-policy": (
        "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none';"
        " style-src 'unsafe-inline'; img-src https: data:; base-uri 'self'; form-action 'none';"
        " frame-ancestors 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "private, max-age=3600",
}


def _signature(key: bytes, run_id: uuid.UUID, user_id: uuid.UUID, expires: int) -> str:
    message = f"suggestions:{run_id}:{user_id}:{expires}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signed_path(key: bytes, run_id: uuid.UUID, user_id: uuid.UUID, now: float | None = None) -> str:
    """The relative address of a run's suggestions for `user_id`, valid for an hour or two."""
    at = int(time.time() if now is None else now)
    expires = (at // VALID_SECONDS + 2) * VALID_SECONDS
    query = urlencode(
        {
            "user": str(user_id),
            "expires": str(expires),
            "sig": _signature(key, run_id, user_id, expires),
        }
    )
    return f"suggestions/{run_id}?{query}"


def verify(key: bytes, request: Request, run_id: uuid.UUID) -> uuid.UUID:
    """The user a signed address was made for, or Refused(403)."""
    params = request.query_params
    try:
        user_id = uuid.UUID(params.get("user", ""))
        expires = int(params.get("expires", ""))
    except ValueError:
        raise Refused(403, "bad_signature", "this address is not one the console made") from None
    expected = _signature(key, run_id, user_id, expires)
    if not hmac.compare_digest(expected, params.get("sig", "")):
        raise Refused(403, "bad_signature", "this address is not one the console made")
    if expires < time.time():
        raise Refused(403, "expired", "this address has expired: open the monitor again")
    return user_id


def page(rendered_content: str) -> str:
    """Google's HTML as it came, in a document whose links open outside the frame."""
    return (
        "<!doctype html><html><head><meta charset=utf-8><base target=_blank>"
        "<style>body{margin:0}</style></head><body>"
        f"{rendered_content}</body></html>"
    )
