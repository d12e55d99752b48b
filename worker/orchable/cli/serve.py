"""`orchable serve`: the HTTP server of answers (email links, webhook and Slack callbacks),
of trigger_webhook and of the web console, on uvicorn, as a login with the orchable_serve
role."""

from __future__ import annotations

import argparse
import logging
import os

import uvicorn

from orchable.cli.common import CliError, parse_uuid
from orchable.console import ConsoleEnv, ConsoleSettings
from orchable.console.settings import LOOPBACK_HOSTS
from orchable.logs import log_event
from orchable.serve.app import create_app, log
from orchable.settings import Env, ServeSettings


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (127.0.0.1: this machine only)"
    )
    parser.add_argument("--port", type=int, default=8787, help="port to listen on (8787)")
    parser.add_argument(
        "--dev-user",
        metavar="USER_ID",
        help="the console signs every request in as this user, for one person on this machine"
        f" (${ConsoleEnv.DEV_USER}); else it takes access keys with the console scope and"
        f" Supabase access tokens (verified with ${ConsoleEnv.JWT_SECRET} or"
        f" ${ConsoleEnv.JWKS_URL})",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help=f"the console shows and accepts no action (${ConsoleEnv.READ_ONLY}=1)",
    )


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


def console_settings(args: argparse.Namespace) -> ConsoleSettings:
    overrides: dict[str, object] = {}
    if args.dev_user:
        overrides["dev_user"] = parse_uuid(args.dev_user, "--dev-user")
    if args.read_only:
        overrides["read_only"] = True
    console = ConsoleSettings.from_env(os.environ, **overrides)
    if console.dev_user is not None and args.host not in LOOPBACK_HOSTS:
        raise CliError(
            "--dev-user signs in whoever reaches the console: serve it on a loopback --host"
            " (127.0.0.1), or sign in with access keys or Supabase access tokens"
        )
    return console


async def cmd_serve(args: argparse.Namespace) -> int:
    settings = ServeSettings(database_url=serve_database_url(args), host=args.host, port=args.port)
    console = console_settings(args)
    config = uvicorn.Config(
        create_app(settings, console=console),
        host=settings.host,
        port=settings.port,
        access_log=False,  # paths carry link tokens: serve logs its own events instead
        log_config=None,  # orchable's logging, configured by the CLI
        lifespan="on",
        server_header=False,
        proxy_headers=False,
    )
    log_event(
        log,
        logging.INFO,
        "serve_started",
        host=settings.host,
        port=settings.port,
        console=f"http://{settings.host}:{settings.port}/",
        dev_user=console.dev_user,
        read_only=console.read_only,
    )
    await uvicorn.Server(config).serve()
    return 0
