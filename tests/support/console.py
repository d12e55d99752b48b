"""The web console in the tests: its API through httpx (in the test's event loop, or served
by uvicorn on 127.0.0.1 in a thread of its own for the browser), Supabase-style access
tokens, interactions asked without a worker (tests.ask), and headless Chromium (Debian's,
never a downloaded one) driven by Playwright, with a screenshot of each screen on request.

The console's pool logs in as orchable_serve_login, as `orchable serve` does."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import jwt
import psycopg
from orchable.console import ConsoleSettings, create_console_app
from orchable.db.worker_rpc import create_pool
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from .serve import OnLoopback

JWT_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long"
CHANGE = {"X-Orchable-Console": "1"}  # what the console's page sends with every change
CHROMIUM = os.environ.get("ORCHABLE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def token(user_id: uuid.UUID, secret: str = JWT_SECRET, **claims: Any) -> str:
    """An access token as Supabase Auth signs one (HS256, audience authenticated)."""
    now = int(time.time())
    payload = {
        "sub": str(user_id),
        "role": "authenticated",
        "aud": "authenticated",
        "iat": now,
        "exp": now + 3600,
        "email": f"{user_id}@example.test",
        **claims,
    }
    return jwt.encode(payload, secret, algorithm="HS256")


def bearer(user_id: uuid.UUID, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(user_id, **claims)}"}


@asynccontextmanager
async def console_client(url: str, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The console's app over a pool of its own on `url`, called through httpx in this
    event loop, as from http://127.0.0.1 (the settings: ConsoleSettings' fields; the JWT
    secret is JWT_SECRET unless given)."""
    pool = create_pool(url, min_size=1, max_size=4, name="console-test")
    await pool.open(wait=True, timeout=30)
    try:
        app = create_console_app(pool, ConsoleSettings(**{"jwt_secret": JWT_SECRET, **settings}))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://127.0.0.1", timeout=30
        ) as client:
            yield client
    finally:
        await pool.close()


def ask(
    admin: psycopg.Connection, owner: uuid.UUID, interaction: dict[str, Any], output: Any = None
) -> dict[str, Any]:
    """A one-input batch of `owner` whose "draft" task waits for `interaction` about
    `output`: batch_id, task_id, interaction_id (tests.ask)."""
    row = admin.execute(
        "select * from tests.ask(%s, %s, %s)",
        (owner, Jsonb(interaction), Jsonb(output or {"text": "a draft"})),
    ).fetchone()
    assert row is not None and row["interaction_id"] is not None
    return dict(row)


def task_row(admin: psycopg.Connection, task_id: uuid.UUID) -> dict[str, Any]:
    row = admin.execute("select * from public.ai_tasks where id = %s", (task_id,)).fetchone()
    assert row is not None
    return dict(row)


def interaction_row(admin: psycopg.Connection, interaction_id: uuid.UUID) -> dict[str, Any]:
    row = admin.execute(
        "select * from public.human_interactions where id = %s", (interaction_id,)
    ).fetchone()
    assert row is not None
    return dict(row)


def add_component(
    admin: psycopg.Connection,
    created_by: uuid.UUID,
    code: str,
    *,
    name: str = "view",
    is_public: bool = False,
) -> uuid.UUID:
    """A custom component (TSX) of `created_by`."""
    row = admin.execute(
        "insert into public.custom_components (name, code, is_public, created_by)"
        " values (%s, %s, %s, %s) returning id",
        (name, code, is_public, created_by),
    ).fetchone()
    assert row is not None
    return uuid.UUID(str(row["id"]))


def render_with(admin: psycopg.Connection, task_id: uuid.UUID, component_id: uuid.UUID) -> None:
    """The stage the task ran is rendered by the component from now on."""
    admin.execute(
        "update public.prompt_templates set custom_component_id = %s"
        " where id = (select prompt_template_id from public.ai_tasks where id = %s)",
        (component_id, task_id),
    )


class RunningConsole(OnLoopback):
    """`with RunningConsole(url, dev_user=...) as console:` serves the console on uvicorn on
    127.0.0.1 (a port of its own) in a thread and event loop of its own, over a pool of its
    own. `requests` lists every HTTP request it received: (method, path, query, headers)."""

    def __init__(self, database_url: str, **settings: Any) -> None:
        self.database_url = database_url
        self.settings = ConsoleSettings(**settings)
        self.requests: list[tuple[str, str, str, dict[str, str]]] = []
        self._pool: AsyncConnectionPool | None = None

    async def app(self) -> Any:
        self._pool = create_pool(self.database_url, min_size=1, max_size=4, name="console")
        await self._pool.open(wait=True, timeout=30)
        app = create_console_app(self._pool, self.settings)

        async def recording(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] in ("http", "websocket"):
                headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
                query = scope["query_string"].decode("latin-1")
                method = scope.get("method", "WEBSOCKET")
                self.requests.append((method, scope["path"], query, headers))
            await app(scope, receive, send)

        return recording

    async def stop_async(self) -> None:
        await super().stop_async()
        if self._pool is not None:
            await self._pool.close()
        self._pool = None


def shot(page: Any, name: str) -> None:
    """Keeps a full-page screenshot of the screen as <name>.png in the folder
    ORCHABLE_CONSOLE_SCREENSHOTS names, when it names one (make screenshots: docs/console/)."""
    folder = os.environ.get("ORCHABLE_CONSOLE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@contextmanager
def chromium_page() -> Iterator[Any]:
    """A page of Debian's headless Chromium (apt package chromium, which `make deps`
    installs); Playwright's own browser download never runs."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        raise RuntimeError(f"{CHROMIUM} is missing: make deps installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.set_default_timeout(20_000)
            yield page
            context.close()
        finally:
            browser.close()
