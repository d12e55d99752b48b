"""The public keys a Supabase project signs its access tokens with (asymmetric JWT signing
keys, RS256 or ES256), fetched from the project's JWKS endpoint
(`https://<project>.supabase.co/auth/v1/.well-known/jwks.json`) and kept for a while.

A token names its key (`kid`). The set is fetched again when it is older than `max_age`,
or when a token names a key it lacks (a rotated key), but at most once per `min_interval`,
so tokens with made-up key ids cannot make the console hammer the endpoint. Should a fetch
fail, the keys already known go on serving."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx
import jwt

from orchable.logs import log_event

log = logging.getLogger("orchable.console")

ALGORITHMS = ("RS256", "ES256")


class JwksUnavailable(Exception):
    """No key is known and the endpoint cannot be read."""


class Jwks:
    def __init__(
        self,
        url: str,
        *,
        max_age: float = 600.0,
        min_interval: float = 30.0,
        timeout: float = 5.0,
    ) -> None:
        self.url = url
        self.max_age = max_age
        self.min_interval = min_interval
        self.timeout = timeout
        self._keys: list[jwt.PyJWK] = []
        self._fetched_at: float | None = None  # last fetch that answered
        self._tried_at: float | None = None  # last attempt, answered or not
        self._lock = asyncio.Lock()

    async def key(self, kid: str | None, algorithm: str) -> jwt.PyJWK | None:
        """The key `kid` for `algorithm`, or None when the project has no such key. A token
        without a kid is verified by the one key of its algorithm, if there is just one."""
        now = time.monotonic()
        stale = self._fetched_at is None or now - self._fetched_at > self.max_age
        found = self._find(kid, algorithm)
        if stale or found is None:
            await self._refresh()
            found = self._find(kid, algorithm)
        return found

    def _find(self, kid: str | None, algorithm: str) -> jwt.PyJWK | None:
        keys = [k for k in self._keys if k.algorithm_name == algorithm]
        if kid is None:
            return keys[0] if len(keys) == 1 else None
        return next((k for k in keys if k.key_id == kid), None)

    async def _refresh(self) -> None:
        async with self._lock:
            now = time.monotonic()
            if self._tried_at is not None and now - self._tried_at < self.min_interval:
                if not self._keys and self._fetched_at is None:
                    raise JwksUnavailable(self.url)
                return  # fetched (or tried) a moment ago: the keys are what they are
            self._tried_at = now
            try:
                async with httpx.AsyncClient(timeout=self.timeout) as client:
                    response = await client.get(self.url, headers={"accept": "application/json"})
                response.raise_for_status()
                self._keys = _usable_keys(response.json())
                self._fetched_at = now
            except (httpx.HTTPError, ValueError, jwt.PyJWTError) as exc:
                log_event(log, logging.WARNING, "jwks_unreachable", error=type(exc).__name__)
                if self._fetched_at is None:
                    raise JwksUnavailable(self.url) from exc


def _usable_keys(document: Any) -> list[jwt.PyJWK]:
    """The set's signing keys of an accepted algorithm (others, such as a key of a type
    this PyJWT cannot read, are left out rather than failing the set)."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("a JWKS is a JSON object with a list of keys")
    keys: list[jwt.PyJWK] = []
    for entry in document["keys"]:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        try:
            key = jwt.PyJWK.from_dict(entry)
        except jwt.PyJWTError:
            continue
        if key.algorithm_name in ALGORITHMS:
            keys.append(key)
    return keys
