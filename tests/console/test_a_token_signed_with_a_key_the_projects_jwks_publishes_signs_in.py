"""A project with asymmetric JWT signing keys: the console verifies an ES256 or RS256 access
token with the key the project's JWKS endpoint publishes under the token's kid. A token
signed by any other key, or naming a key the project lacks, gets 401; made-up key ids do not
make the console fetch the JWKS again and again; a rotated-in key is fetched; a token signed
with HS256 over the public key (the algorithm confusion attack) is refused."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from orchable.console.jwks import Jwks
from support.console import console_client

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


class Project:
    """The JWKS endpoint of a project (aiohttp on 127.0.0.1), counting its fetches."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {}  # kid -> private key
        self.fetches = 0
        self.url = ""

    def add_key(self, kid: str, private: Any) -> None:
        self.keys[kid] = private

    def token(self, kid: str, user_id: uuid.UUID, *, private: Any = None, alg: str = "") -> str:
        key = private or self.keys[kid]
        alg = alg or ("ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS256")
        now = int(time.time())
        claims = {"sub": str(user_id), "role": "authenticated", "aud": "authenticated"}
        return jwt.encode({**claims, "iat": now, "exp": now + 600}, key, alg, headers={"kid": kid})

    async def jwks(self, request: web.Request) -> web.Response:
        self.fetches += 1
        keys = []
        for kid, private in self.keys.items():
            alg = "ES256" if isinstance(private, ec.EllipticCurvePrivateKey) else "RS256"
            public = jwt.get_algorithm_by_name(alg).to_jwk(private.public_key(), as_dict=True)
            keys.append({**public, "kid": kid, "alg": alg, "use": "sig"})
        return web.json_response({"keys": keys})

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[Project]:
        app = web.Application()
        app.router.add_get("/auth/v1/.well-known/jwks.json", self.jwks)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/auth/v1/.well-known/jwks.json"
        try:
            yield self
        finally:
            await runner.cleanup()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_token_signed_with_a_key_the_projects_jwks_publishes_signs_in(
    console_url, owner, asked
):
    project = Project()
    project.add_key("ec-1", ec.generate_private_key(ec.SECP256R1()))
    project.add_key("rsa-1", rsa.generate_private_key(public_exponent=65537, key_size=2048))
    async with project.serving(), console_client(console_url, jwks_url=project.url) as client:
        for kid in ("ec-1", "rsa-1"):
            good = await client.get("/api/batches", headers=bearer(project.token(kid, owner)))
            assert good.status_code == 200, good.text
            assert [b["id"] for b in good.json()["batches"]] == [str(asked["batch_id"])]
        assert project.fetches == 1  # the set is kept

        forged = project.token("ec-1", owner, private=ec.generate_private_key(ec.SECP256R1()))
        refused = await client.get("/api/batches", headers=bearer(forged))
        assert refused.status_code == 401 and refused.json()["code"] == "bad_token"

        # HS256 keyed with the public key, as a verifier that takes the header's word would.
        public_pem = (
            project.keys["rsa-1"]
            .public_key()
            .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        )
        header = {"alg": "HS256", "kid": "rsa-1", "typ": "JWT"}
        claims = {"sub": str(owner), "aud": "authenticated", "exp": int(time.time()) + 600}
        confused = _hs256_by_hand(header, claims, public_pem)
        refused = await client.get("/api/batches", headers=bearer(confused))
        assert refused.status_code == 401, refused.text

        for n in range(20):
            unknown = project.token(f"made-up-{n}", owner, private=project.keys["ec-1"])
            refused = await client.get("/api/batches", headers=bearer(unknown))
            assert refused.status_code == 401 and refused.json()["code"] == "bad_token"
        # One more fetch at most for all of those: a made-up kid may be a rotated-in key.
        assert project.fetches <= 2


def _hs256_by_hand(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    """An HS256 token PyJWT would refuse to make with a PEM key: made by hand."""

    def part(value: Any) -> str:
        raw = json.dumps(value, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    signing_input = f"{part(header)}.{part(claims)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"


async def test_a_rotated_in_key_is_fetched_and_made_up_ones_at_most_once_per_interval():
    project = Project()
    project.add_key("ec-1", ec.generate_private_key(ec.SECP256R1()))
    async with project.serving():
        jwks = Jwks(project.url, min_interval=0.3)
        assert (await jwks.key("ec-1", "ES256")) is not None
        assert await jwks.key("ec-1", "RS256") is None  # a key answers for its algorithm only
        fetched = project.fetches

        project.add_key("ec-2", ec.generate_private_key(ec.SECP256R1()))
        assert await jwks.key("ec-2", "ES256") is None  # within the interval: not fetched
        assert project.fetches == fetched
        await asyncio.sleep(0.35)
        assert (await jwks.key("ec-2", "ES256")) is not None  # the rotated-in key, fetched
        fetched = project.fetches

        for n in range(10):
            assert await jwks.key(f"made-up-{n}", "ES256") is None
        assert project.fetches <= fetched + 1
