"""Running a worker from the command line (`orchable worker`) or from the demo (`drain`)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
from collections.abc import Callable

from rich.console import Console

from orchable.config import ExecutorSettings, WorkerSettings, default_worker_id
from orchable.providers.registry import Providers, build_providers
from orchable.worker import Worker


def env_flag(name: str) -> bool:
    """An environment variable set to 1, true, yes or on."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def add_worker_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--concurrency", type=int, default=16, help="LLM calls at once (16)")
    parser.add_argument(
        "--claim-batch", type=int, default=None, help="tasks per claim (concurrency, at most 32)"
    )
    parser.add_argument("--lease-seconds", type=int, default=300, help="lease per claim (300)")
    parser.add_argument("--poll-seconds", type=float, default=5.0, help="poll when no NOTIFY (5)")
    parser.add_argument("--shutdown-grace", type=float, default=30.0, help="seconds to finish (30)")
    parser.add_argument(
        "--drain", action="store_true", help="exit once nothing is runnable or in flight"
    )
    parser.add_argument(
        "--worker-id", default=None, help="name in locked_by and events, which owners read"
    )
    parser.add_argument(
        "--default-provider", default="gemini", help="provider of stages that name none (gemini)"
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        default=env_flag("ORCHABLE_OFFLINE"),
        help="offer the offline provider (demo, tests, benchmarks; $ORCHABLE_OFFLINE=1)",
    )
    parser.add_argument(
        "--offline-latency",
        type=float,
        default=0.0,
        help="seconds per offline call (tests, benchmarks)",
    )
    parser.add_argument(
        "--listen-url",
        default=os.environ.get("ORCHABLE_LISTEN_DATABASE_URL", ""),
        help="session-mode URL for LISTEN (default: the worker URL; 'none' to poll only)",
    )


def settings_from_args(args: argparse.Namespace, database_url: str) -> WorkerSettings:
    listen = args.listen_url
    return WorkerSettings(
        database_url=database_url,
        listen_url=None if listen == "none" else (listen or ""),
        concurrency=args.concurrency,
        claim_batch_size=args.claim_batch,
        lease_seconds=args.lease_seconds,
        poll_interval_seconds=args.poll_seconds,
        worker_id=args.worker_id or default_worker_id(),
        shutdown_grace_seconds=args.shutdown_grace,
        drain=args.drain,
        executor=ExecutorSettings(default_provider=args.default_provider),
    )


def offered_providers(args: argparse.Namespace) -> Providers:
    """The providers `orchable worker` offers: offline only with --offline."""
    return build_providers(os.environ, args.offline_latency, offline=args.offline)


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
    worker, _ = await _run(
        settings, build_providers(os.environ, offline=offline), own_process=False
    )
    return worker
