"""Who a console request is, and whether it may change anything.

A request is signed in by a Supabase access token (`Authorization: Bearer`), verified
with the project's JWT secret (HS256, audience `authenticated`, not expired, a `sub`), or,
when the console runs with a development user, is that user. Either way it runs as the
role `authenticated` with the user's claims, as PostgREST runs it, so row-level security
decides what it reads and the RPCs decide what it may change.

A state-changing request must also come from the console's own page: it carries the
header `X-Orchable-Console: 1` (which a cross-site form cannot send, and which a cross-site
script can send only after a CORS preflight the console never grants), and its `Origin`
and `Sec-Fetch-Site`, when the browser sends them, say the same site."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt
from starlette.requests import Request

from orchable.console.settings import LOOPBACK_HOSTS, ConsoleSettings

CONSOLE_HEADER = "x-orchable-console"


class Refused(Exception):
    """The request is refused: `status` and a message for the JSON error."""

    def __init__(self, status: int, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.hint = status, code, message, hint


@dataclass(frozen=True)
class User:
    """The signed-in user: the claims every query of the request runs with."""

    id: uuid.UUID
    claims: dict[str, Any]
    via: str  # "token" or "dev"


def _host_name(host: str) -> str:
    if host.startswith("["):  # [::1]:8787
        return host.partition("]")[0] + "]"
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def check_host(request: Request, settings: ConsoleSettings) -> None:
    """A development console answers only on loopback names (and allowed_hosts)."""
    if settings.dev_user is None:
        return
    name = _host_name(request.headers.get("host", "")).lower()
    if name not in LOOPBACK_HOSTS and name not in settings.allowed_hosts:
        raise Refused(
            403,
            "host_not_allowed",
            f"this development console does not answer on {name or 'an unnamed host'}",
            "open it on 127.0.0.1 or localhost",
        )


def check_not_sandboxed(request: Request) -> None:
    """The API answers the console's page only: never a sandboxed document (a custom
    component's frame has an opaque origin, which browsers send as `Origin: null`) nor
    another site's page, even for a read and even on a development console (whose every
    request would otherwise be its user). The sandbox's CSP already stops its requests;
    this stops them again should one get through."""
    if request.headers.get("origin") == "null":
        raise Refused(403, "sandboxed", "a sandboxed document may not call the console's API")
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise Refused(403, "cross_site", f"a request from another site ({site}) is refused")


def authenticate(request: Request, settings: ConsoleSettings) -> User:
    """The request's user, or Refused(401)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if header and scheme.lower() == "bearer" and token.strip():
        return _from_token(token.strip(), settings)
    if settings.dev_user is not None:
        claims = {"sub": str(settings.dev_user), "role": "authenticated"}
        return User(settings.dev_user, claims, "dev")
    if header:
        raise Refused(401, "bad_credentials", "the Authorization header is not a Bearer token")
    raise Refused(
        401,
        "sign_in_required",
        "sign in with a Supabase access token (Authorization: Bearer)",
    )


def _from_token(token: str, settings: ConsoleSettings) -> User:
    if not settings.jwt_secret:
        raise Refused(
            401,
            "tokens_not_accepted",
            "this console verifies no tokens",
            "start it with the project's JWT secret (ORCHABLE_JWT_SECRET)",
        )
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=["HS256"],
            audience=settings.jwt_audience,
            options={"require": ["exp", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise Refused(401, "token_expired", "the access token has expired") from None
    except jwt.InvalidTokenError as exc:
        raise Refused(401, "bad_token", f"the access token is not valid: {exc}") from None
    if claims.get("role", "authenticated") != "authenticated":
        raise Refused(403, "wrong_role", "the console signs in users only (role authenticated)")
    try:
        user_id = uuid.UUID(str(claims["sub"]))
    except ValueError:
        raise Refused(401, "bad_token", "the access token's sub is not a user id") from None
    return User(user_id, {**claims, "role": "authenticated"}, "token")


def check_change_allowed(request: Request, settings: ConsoleSettings) -> None:
    """A state-changing request: refused when read-only, and unless it comes from the
    console's own page (its header, its origin)."""
    if settings.read_only:
        raise Refused(403, "read_only", "this console is read-only: it changes nothing")
    if request.headers.get(CONSOLE_HEADER) != "1":
        raise Refused(
            403,
            "cross_site",
            f"a change needs the header {CONSOLE_HEADER}: 1 (sent by the console's page)",
        )
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise Refused(403, "cross_site", f"a change from another site ({site}) is refused")
    origin = request.headers.get("origin")
    if origin is not None:
        parts = urlsplit(origin)
        host = request.headers.get("host", "")
        if parts.netloc.lower() != host.lower() or parts.scheme not in ("http", "https"):
            raise Refused(403, "cross_site", f"a change from {origin} is refused")
