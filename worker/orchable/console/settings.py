"""The console's settings: who the signed-in user is (a Supabase access token verified with
the project's JWT secret or its JWKS, an access key, or one development user for every
request), whether actions are offered at all, and the bounds of a request."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from orchable.settings import env_flag


class ConsoleEnv:
    """The environment variables the console reads."""

    JWT_SECRET = "ORCHABLE_JWT_SECRET"  # the Supabase project's JWT secret (HS256)
    JWKS_URL = "ORCHABLE_JWKS_URL"  # its JWKS endpoint (asymmetric signing keys)
    DEV_USER = "ORCHABLE_CONSOLE_DEV_USER"  # every request is this user (local use only)
    READ_ONLY = "ORCHABLE_CONSOLE_READ_ONLY"  # 1: no action is offered or accepted
    # A secret every serve process of one deployment shares, which signs the addresses the
    # page frames; without it each process makes its own, valid on that process only.
    LINK_KEY = "ORCHABLE_CONSOLE_LINK_KEY"


# Hosts a development console answers on: a page on any other name that resolves to this
# machine (DNS rebinding) is refused, as it would act as the development user.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


@dataclass(frozen=True)
class ConsoleSettings:
    # Every request is this user, without a token (`orchable serve --dev-user <id>`).
    dev_user: uuid.UUID | None = None
    # Actions are refused (403) and the page shows none.
    read_only: bool = False
    # Verifies `Authorization: Bearer <access token>` (HS256, audience `authenticated`).
    jwt_secret: str | None = field(default=None, repr=False)
    jwt_audience: str = "authenticated"
    # Verifies RS256/ES256 tokens with the keys published here: the project's
    # https://<project>.supabase.co/auth/v1/.well-known/jwks.json
    jwks_url: str | None = None
    # Host names besides loopback that a development console answers on.
    allowed_hosts: frozenset[str] = frozenset()
    # Every query of a request runs within this (set local statement_timeout).
    statement_timeout_ms: int = 8000
    # JSON bodies larger than this are refused (413).
    max_body_bytes: int = 1024 * 1024
    # Rows per page of the batch list and of a batch's task tree (roots).
    page_size: int = 50
    # Signs the addresses of what the page frames without its Authorization header
    # (Google's search suggestions): ConsoleEnv.LINK_KEY's, else a new one each start.
    link_key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: Any) -> ConsoleSettings:
        """The settings from the environment (ConsoleEnv); `overrides` win."""
        dev_user = environ.get(ConsoleEnv.DEV_USER, "").strip()
        link_key = environ.get(ConsoleEnv.LINK_KEY, "")
        if link_key:
            overrides = {"link_key": hashlib.sha256(link_key.encode()).digest(), **overrides}
        return cls(
            **{
                "dev_user": uuid.UUID(dev_user) if dev_user else None,
                "read_only": env_flag(environ, ConsoleEnv.READ_ONLY),
                "jwt_secret": environ.get(ConsoleEnv.JWT_SECRET) or None,
                "jwks_url": environ.get(ConsoleEnv.JWKS_URL) or None,
                **overrides,
            }
        )
