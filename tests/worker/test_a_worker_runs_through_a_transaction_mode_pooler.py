"""A worker whose RPCs go through a real PgBouncer in transaction mode (as Supabase's
transaction pooler), with LISTEN on a direct connection, drains a split-and-merge batch:
every task completed exactly once, batch counters right, and the pooler carried the work.

The PgBouncer is strict: `pool_mode = transaction`, no prepared statements
(`max_prepared_statements = 0` where the version knows it, 1.21+; older ones have none in
transaction mode anyway), and `DISCARD ALL` after every transaction, so any server-side
prepared statement or other session state the worker relied on would break at once."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from orchable.worker.loop import Worker
from orchable.worker.providers.offline import OfflineProvider
from psycopg.rows import dict_row
from support.pipelines import course
from support.tasks import batch_state, launch, tasks
from support.workers import TASKS_PER_ROOT, run_worker
from support.workers import settings as worker_settings

ROOTS = 10
LOGIN, PASSWORD = "orchable_worker_login", "orchable_worker"
PGBOUNCER = "/usr/sbin/pgbouncer"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pgbouncer_version() -> tuple[int, ...]:
    out = subprocess.run([PGBOUNCER, "--version"], capture_output=True, text=True, check=True)
    found = re.search(r"PgBouncer (\d+)\.(\d+)", out.stdout)
    assert found, out.stdout
    return tuple(int(part) for part in found.groups())


class Pooler:
    def __init__(self, url: str, port: int, dbname: str) -> None:
        self.url = url
        self.admin_url = f"postgresql://{LOGIN}:{PASSWORD}@127.0.0.1:{port}/pgbouncer"
        self.dbname = dbname

    def stats(self) -> dict:
        """This database's row of SHOW STATS on the admin console."""
        with psycopg.connect(self.admin_url, autocommit=True, row_factory=dict_row) as conn:
            rows = conn.execute("SHOW STATS").fetchall()
        [row] = [r for r in rows if r["database"] == self.dbname]
        return row


@pytest.fixture
def pooler(worker_url: str, tmp_path: Path) -> Iterator[Pooler]:
    """A PgBouncer of its own on 127.0.0.1 in front of the test database, stopped after."""
    if not os.path.exists(PGBOUNCER):
        pytest.skip("pgbouncer is not installed (scripts/install-deps.sh)")
    direct = urlsplit(worker_url)
    dbname = direct.path.lstrip("/")
    port = free_port()
    (tmp_path / "users.txt").write_text(f'"{LOGIN}" "{PASSWORD}"\n')
    strict = "max_prepared_statements = 0\n" if pgbouncer_version() >= (1, 21) else ""
    config = tmp_path / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"{dbname} = host={direct.hostname} port={direct.port or 5432} dbname={dbname}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = plain\nauth_file = {tmp_path / 'users.txt'}\n"
        f"stats_users = {LOGIN}\n"
        "pool_mode = transaction\n"
        f"{strict}"
        "server_reset_query = DISCARD ALL\nserver_reset_query_always = 1\n"
        "default_pool_size = 20\nmax_client_conn = 100\n"
    )
    as_postgres: dict = {}
    modes: dict[Path, int] = {}
    if os.geteuid() == 0:  # pgbouncer refuses to run as root
        # As `runuser -u postgres --` would, minus runuser's 2 s wait on SIGTERM.
        as_postgres = {"user": "postgres", "group": "postgres", "extra_groups": []}
        # Let the postgres OS user reach the config through pytest's 0700 folders up to the
        # system temp folder (traverse only; restored afterwards) and read the files.
        top = Path(tempfile.gettempdir()).resolve()
        for folder in [tmp_path.resolve(), *tmp_path.resolve().parents]:
            if folder == top or folder == folder.parent:
                break
            modes[folder] = folder.stat().st_mode
            folder.chmod(modes[folder] | stat.S_IXOTH)
        for file in (config, tmp_path / "users.txt"):
            file.chmod(0o644)
    log = (tmp_path / "pgbouncer.log").open("wb")
    process = subprocess.Popen(
        [PGBOUNCER, str(config)], stdout=log, stderr=subprocess.STDOUT, **as_postgres
    )
    url = f"postgresql://{LOGIN}:{PASSWORD}@127.0.0.1:{port}/{dbname}"
    try:
        while True:  # until PgBouncer answers (the test's timeout bounds it)
            if process.poll() is not None:
                raise AssertionError(
                    f"pgbouncer exited ({process.returncode}):\n"
                    + (tmp_path / "pgbouncer.log").read_text()
                )
            try:
                with psycopg.connect(url, connect_timeout=2, autocommit=True) as conn:
                    conn.execute("select 1")
                break
            except psycopg.OperationalError:
                time.sleep(0.1)
        yield Pooler(url, port, dbname)
    finally:
        if process.poll() is None:
            process.terminate()  # SIGTERM: PgBouncer exits at once
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        log.close()
        for folder, mode in modes.items():
            folder.chmod(mode)


@pytest.mark.timeout(90)
def test_a_worker_runs_through_a_transaction_mode_pooler(admin, owner, worker_url, pooler, caplog):
    caplog.set_level(logging.DEBUG, logger="orchable.worker.loop")
    orchestrator_id = course(
        admin, owner, "pooled", ai_settings={"provider": "offline"}, output_schemas=True
    )
    batch_id = launch(admin, owner, orchestrator_id, [{"topic": f"t{i}"} for i in range(ROOTS)])[
        "id"
    ]
    worker = Worker(
        worker_settings(pooler.url, concurrency=8, listen_url=worker_url),
        {"offline": OfflineProvider(latency_seconds=0.05)},
    )
    asyncio.run(run_worker(worker))

    total = ROOTS * TASKS_PER_ROOT
    rows = tasks(admin, batch_id)
    assert len(rows) == total
    assert {r["status"] for r in rows} == {"completed"}
    assert all(r["completions"] == 1 for r in rows)
    assert all(r["successful_calls"] == 1 for r in rows)
    assert all(r["claim_count"] == 1 and r["retry_count"] == 0 for r in rows)
    assert (worker.claimed, worker.completed, worker.failed, worker.released, worker.stale) == (
        total,
        total,
        0,
        0,
        0,
    )
    state = batch_state(admin, batch_id)
    assert state["status"] == "completed"
    assert state["total_tasks"] == state["completed_tasks"] == state["recount_completed"] == ROOTS
    assert state["failed_tasks"] == state["recount_failed"] == 0

    # The pooled path carried the work: the claims, and the batches of call records and
    # completions the writer sends, went through PgBouncer as transactions (results are
    # batched, so there are fewer transactions than tasks, but never none).
    stats = pooler.stats()
    assert int(stats["total_xact_count"]) >= ROOTS, stats
    # LISTEN ran on the direct connection, and nothing failed along the way.
    events = [getattr(r, "event", None) for r in caplog.records]
    assert "listening" in events
    errors = {"claim_failed", "task_crashed", "listen_failed", "lease_extension_failed"}
    assert not errors & set(events), [r.getMessage() for r in caplog.records]
