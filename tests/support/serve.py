"""`orchable serve` in the tests: its login's URL, the server on 127.0.0.1 in a thread of its
own (uvicorn, as `orchable serve` runs it), a worker that runs tasks and delivers, and
requests signed as Standard Webhooks and Slack sign them (with their own libraries)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import os
import socket
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import psycopg
import uvicorn
from fakes.common import ServedInAThread
from orchable.serve.app import create_app
from orchable.settings import DeliverySettings, ServeSettings
from orchable.worker.loop import Worker
from orchable.worker.providers.offline import OfflineProvider
from slack_sdk.signature import SignatureVerifier
from standardwebhooks import Webhook

from .databases import Database
from .workers import run_worker
from .workers import settings as worker_settings

SLACK_SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_BOT_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"


def new_secret() -> str:
    """A webhook endpoint's signing secret, as Standard Webhooks makes them."""
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


def serve_url(database: Database) -> str:
    """The database as orchable_serve_login (scripts/deploy.sh makes it), serve's login."""
    return database.worker_url.replace(
        "orchable_worker_login:orchable_worker@", "orchable_serve_login:orchable_serve@"
    )


class OnLoopback(ServedInAThread):
    """An ASGI app on uvicorn on 127.0.0.1, on a port of its own, in a thread and event
    loop of its own (`with ... as server:`; `server.url` is where it answers). Subclasses
    give the app (`app()`), and may open and close what it needs around it."""

    port = 0
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def app(self) -> Any:
        raise NotImplementedError

    async def start_async(self) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(await self.app(), log_config=None, access_log=False, lifespan="on")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises why it did not start
            await asyncio.sleep(0.01)

    async def stop_async(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        self._server = self._task = None


class RunningServe(OnLoopback):
    """`with RunningServe(url) as serve:` runs `orchable serve`'s app."""

    def __init__(self, database_url: str, **settings: Any) -> None:
        self.settings = ServeSettings(database_url=database_url, **settings)

    async def app(self) -> Any:
        return create_app(self.settings)


def add_endpoint(
    admin: psycopg.Connection, owner: uuid.UUID, kind: str, name: str, **more: Any
) -> dict[str, Any]:
    """add_notification_endpoint for the owner (as service_role would); its id and secret."""
    params = ", ".join(f"{key} => %s" for key in more)
    row = admin.execute(
        f"select id, secret from public.add_notification_endpoint(%s, %s, p_owner_id => %s"
        f"{', ' + params if params else ''})",
        (kind, name, owner, *more.values()),
    ).fetchone()
    assert row is not None
    return dict(row)


def add_slack(admin: psycopg.Connection, owner: uuid.UUID, name: str = "team") -> uuid.UUID:
    row = add_endpoint(
        admin,
        owner,
        "slack",
        name,
        p_slack_channel="C0123ABCD",
        p_slack_bot_token=SLACK_BOT_TOKEN,
        p_slack_signing_secret=SLACK_SIGNING_SECRET,
    )
    endpoint_id: uuid.UUID = row["id"]
    return endpoint_id


def working_worker(worker_url: str, **delivery: Any) -> Worker:
    """A worker that runs tasks (offline) and delivers, quick to poll, until stopped."""
    settings = DeliverySettings(**{"poll_interval_seconds": 0.1, **delivery})
    return Worker(
        worker_settings(worker_url, drain=False, tick_seconds=0, delivery=settings),
        {"offline": OfflineProvider()},
    )


def run_worker_until(worker: Worker, done: Any) -> Worker:
    return asyncio.run(run_worker(worker, until=done))


def interaction_of(admin: psycopg.Connection, batch_id: uuid.UUID) -> dict[str, Any] | None:
    row: dict[str, Any] | None = admin.execute(
        "select * from public.human_interactions where batch_id = %s order by created_at limit 1",
        (batch_id,),
    ).fetchone()
    return row


def responses(admin: psycopg.Connection) -> list[dict[str, Any]]:
    return admin.execute("select * from public.hil_responses order by received_at, id").fetchall()


def webhook_signed(secret: str, body: bytes, at: float | None = None) -> dict[str, str]:
    """The Standard Webhooks headers of `body`, signed with `secret` at `at` (now)."""
    message_id = f"msg_{uuid.uuid4().hex}"
    moment = time.time() if at is None else at
    timestamp = dt.datetime.fromtimestamp(moment, tz=dt.UTC)
    signature = Webhook(secret).sign(message_id, timestamp, body)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment)),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


def slack_signed(
    body: str, secret: str = SLACK_SIGNING_SECRET, at: float | None = None
) -> dict[str, str]:
    """The headers Slack signs a request with: `v0=` HMAC-SHA256 of `v0:timestamp:body`."""
    timestamp = str(int(time.time() if at is None else at))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {"x-slack-request-timestamp": timestamp, "x-slack-signature": signature}


def slack_click(interaction_id: uuid.UUID | str, value: dict[str, Any], user: str = "U0ANN") -> str:
    """The form body of Slack's interactivity request for a button pressed: payload=JSON."""
    payload = {
        "type": "block_actions",
        "team": {"id": "T0TEAM", "domain": "example"},
        "user": {"id": user, "username": "ann", "team_id": "T0TEAM"},
        "actions": [
            {
                "type": "button",
                "action_id": "orchable_approve",
                "block_id": f"orchable:{interaction_id}",
                "value": json.dumps(value, separators=(",", ":")),
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})
