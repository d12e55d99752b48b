"""Running a worker from the command line (`orchable worker`) or from the demo (`drain`)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import typing
from collections.abc import Callable, Mapping
from typing import Any

from rich.console import Console

from orchable.settings import (
    Env,
    ExecutorSettings,
    ProviderSettings,
    WorkerSettings,
    default_of,
    env_flag,
    options,
)
from orchable.worker.loop import Worker
from orchable.worker.providers.registry import Providers, build_providers

_SETTINGS_WITH_OPTIONS = (WorkerSettings, ExecutorSettings, ProviderSettings)


def add_worker_arguments(parser: argparse.ArgumentParser, environ: Mapping[str, str]) -> None:
    """`orchable worker`'s options: every settings field with a flag, its default and help
    (orchable.settings); the environment sets the defaults of --listen-url and --offline."""
    for settings_class in _SETTINGS_WITH_OPTIONS:
        hints = typing.get_type_hints(settings_class)
        for f in options(settings_class):
            default = default_of(f)
            shown = f" ({default})" if default not in (None, "", False) else ""
            help_text = f.metadata["help"] + shown
            if hints[f.name] is bool:
                # A flag that is on by default is turned off with --no-<flag>.
                action = argparse.BooleanOptionalAction if default else "store_true"
                parser.add_argument(
                    f.metadata["flag"], dest=f.name, action=action, default=default, help=help_text
                )
                continue
            value_type = next(
                t for t in typing.get_args(hints[f.name]) or (hints[f.name],) if t is not type(None)
            )
            parser.add_argument(
                f.metadata["flag"],
                dest=f.name,
                type=value_type,
                default=default,
                help=help_text,
                metavar=f.metadata["flag"].removeprefix("--").upper().replace("-", "_"),
            )
    parser.set_defaults(
        listen_url=environ.get(Env.LISTEN_DATABASE_URL, ""),
        offline=env_flag(environ, Env.OFFLINE),
    )


def _chosen(settings_class: type, args: argparse.Namespace) -> dict[str, Any]:
    """The options of one settings class as given (None for worker_id: its own default)."""
    chosen = {f.name: getattr(args, f.name) for f in options(settings_class)}
    return {
        name: value for name, value in chosen.items() if value is not None or name != "worker_id"
    }


def settings_from_args(args: argparse.Namespace, database_url: str) -> WorkerSettings:
    chosen = _chosen(WorkerSettings, args)
    if chosen["listen_url"] == "none":
        chosen["listen_url"] = None
    return WorkerSettings(
        database_url=database_url,
        executor=ExecutorSettings(**_chosen(ExecutorSettings, args)),
        **chosen,
    )


def offered_providers(args: argparse.Namespace) -> Providers:
    """The providers `orchable worker` offers: offline only with --offline."""
    return build_providers(ProviderSettings.from_env(os.environ, **_chosen(ProviderSettings, args)))


# Young collections once per 50,000 net allocations instead of 700. A busy worker keeps
# hundreds of calls in flight for a second each, so their objects outlive young
# collections and were traversed again and again: at concurrency 256 (bench/llm_bound.py)
# the collector took 0.36 ms of the worker's 2.25 ms of CPU per task, in pauses of
# up to 150 ms that held up every answer behind them.
_YOUNG_COLLECTION_EVERY = 50_000


def settle_garbage_collector() -> None:
    """For a process that is the worker's own, once its modules are loaded: what exists
    now (google-genai, pydantic, the providers) lives as long as the process, so the
    collector stops looking at it (gc.freeze), and looks at young objects less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(_YOUNG_COLLECTION_EVERY, 20, 20)


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it exists (not on Windows), else asyncio's. A worker at
    concurrency 256 spends much of its CPU scheduling callbacks: uvloop's loop does it in C
    (orchable's no-op tasks cost the worker about 10% less CPU with it)."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


async def _run(
    settings: WorkerSettings, providers: Providers, own_process: bool
) -> tuple[Worker, int]:
    worker = Worker(settings, providers)
    loop = asyncio.get_running_loop()
    if own_process:
        # Before the providers load (google-genai takes a second to import): a SIGTERM
        # while the worker starts stops it cleanly too.
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, worker.stop)
    try:
        # Import and build the usual provider now, not in the middle of the first task.
        providers.preload(settings.executor.default_provider)
        if own_process:
            settle_garbage_collector()
        code = await worker.run()
    finally:
        if own_process:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
        await providers.aclose()
    return worker, code


async def run_worker(args: argparse.Namespace, database_url: str, console: Console) -> int:
    worker, code = await _run(
        settings_from_args(args, database_url), offered_providers(args), own_process=True
    )
    counters = ", ".join(f"{k} {v}" for k, v in worker.counters().items())
    console.print(f"worker {worker.settings.worker_id} stopped: {counters}", highlight=False)
    return code


async def drain(
    database_url: str, default_provider: str, concurrency: int, offline: bool = False
) -> Worker:
    """Runs a worker in this process until nothing is runnable or in flight; it offers
    the offline provider only with `offline`."""
    settings = WorkerSettings(
        database_url=database_url,
        concurrency=concurrency,
        drain=True,
        poll_interval_seconds=0.5,
        executor=ExecutorSettings(default_provider=default_provider),
    )
    providers = build_providers(ProviderSettings.from_env(os.environ, offline=offline))
    worker, _ = await _run(settings, providers, own_process=False)
    return worker
