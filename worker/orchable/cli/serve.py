"""`orchable serve`: the HTTP server of answers (email links, webhook and Slack callbacks)
and of trigger_webhook, on uvicorn, as a login with the orchable_serve role."""

from __future__ import annotations

import argparse
import logging
import os

import uvicorn

from orchable.cli.common import CliError
from orchable.logs import log_event
from orchable.serve.app import create_app, log
from orchable.settings import Env, ServeSettings


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (127.0.0.1: this machine only)"
    )
    parser.add_argument("--port", type=int, default=8787, help="port to listen on (8787)")


def serve_database_url(args: argparse.Namespace) -> str:
    """The serve login's URL: $ORCHABLE_SERVE_DATABASE_URL, else --database-url or
    $DATABASE_URL (a login with the orchable_serve role is all serve needs)."""
    url = os.environ.get(Env.SERVE_DATABASE_URL) or args.database_url
    url = url or os.environ.get(Env.DATABASE_URL)
    if not url:
        raise CliError(
            f"no database: set {Env.SERVE_DATABASE_URL} (a login with the orchable_serve role;"
            " locally: scripts/db.sh serve-url)"
        )
    return url


async def cmd_serve(args: argparse.Namespace) -> int:
    settings = ServeSettings(database_url=serve_database_url(args), host=args.host, port=args.port)
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=False,  # paths carry link tokens: serve logs its own events instead
        log_config=None,  # orchable's logging, configured by the CLI
        lifespan="on",
        server_header=False,
        proxy_headers=False,
    )
    log_event(log, logging.INFO, "serve_started", host=settings.host, port=settings.port)
    await uvicorn.Server(config).serve()
    return 0
