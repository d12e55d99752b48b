"""Who a console request is, and whether it may change anything.

A request signs in with `Authorization: Bearer <credential>`, one of:
- a Supabase access token, verified with the project's JWT secret (HS256) or, for a
  project with asymmetric signing keys (RS256, ES256), with the key its JWKS endpoint
  publishes under the token's `kid`: audience `authenticated`, not expired, a `sub`;
- one of the user's access keys (`orch_...`) made with the console scope, which the
  database turns into its owner (sign_in_with_access_key);
or, when the console runs with a development user, is that user. Either way it runs as the
role `authenticated` with the user's claims, as PostgREST runs it, so row-level security
decides what it reads and the RPCs decide what it may change.

A state-changing request must also come from the console's own page: it carries the
header `X-Orchable-Console: 1` (which a cross-site form cannot send, and which a cross-site
script can send only after a CORS preflight the console never grants), and its `Origin`
and `Sec-Fetch-Site`, when the browser sends them, say the same site."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import jwt
from starlette.requests import Request

from orchable.console.jwks import ALGORITHMS, Jwks, JwksUnavailable
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
    via: str  # "token", "key" or "dev"


@dataclass(frozen=True)
class AccessKey:
    """An access key the request signs in with, for the database to name its owner."""

    key: str = field(repr=False)


ACCESS_KEY_PREFIX = "orch_"


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


class SignIn:
    """Turns a request's credentials into its user (or an access key to look up)."""

    def __init__(self, settings: ConsoleSettings) -> None:
        self.settings = settings
        self.jwks = Jwks(settings.jwks_url) if settings.jwks_url else None

    async def credential(self, request: Request) -> User | AccessKey:
        """The request's user, the access key it signs in with, or Refused(401)."""
        header = request.headers.get("authorization", "")
        scheme, _, credential = header.partition(" ")
        credential = credential.strip()
        if header and scheme.lower() == "bearer" and credential:
            if credential.startswith(ACCESS_KEY_PREFIX):
                return AccessKey(credential)
            return await self._from_token(credential)
        if self.settings.dev_user is not None:
            claims = {"sub": str(self.settings.dev_user), "role": "authenticated"}
            return User(self.settings.dev_user, claims, "dev")
        if header:
            raise Refused(401, "bad_credentials", "the Authorization header is not a Bearer token")
        raise Refused(
            401,
            "sign_in_required",
            "sign in with a Supabase access token or an access key (Authorization: Bearer)",
        )

    async def _from_token(self, token: str) -> User:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise Refused(401, "bad_token", f"the access token is not valid: {exc}") from None
        algorithm = header.get("alg")
        key: str | jwt.PyJWK | None
        if algorithm == "HS256":
            key = self.settings.jwt_secret
            how = "the project's JWT secret (ORCHABLE_JWT_SECRET)"
        elif algorithm in ALGORITHMS:
            key = await self._signing_key(header.get("kid"), str(algorithm))
            how = "the project's JWKS endpoint (ORCHABLE_JWKS_URL)"
        else:
            raise Refused(401, "bad_token", f"tokens signed with {algorithm!r} are not accepted")
        if key is None:
            raise Refused(
                401, "tokens_not_accepted", f"this console verifies no {algorithm} tokens", how
            )
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[str(algorithm)],
                audience=self.settings.jwt_audience,
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

    async def _signing_key(self, kid: Any, algorithm: str) -> jwt.PyJWK | None:
        if self.jwks is None:
            return None
        try:
            key = await self.jwks.key(kid if isinstance(kid, str) else None, algorithm)
        except JwksUnavailable:
            raise Refused(
                503, "keys_unavailable", "the project's signing keys cannot be fetched now"
            ) from None
        if key is None:
            raise Refused(401, "bad_token", "the access token is signed with an unknown key")
        return key


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
