"""The databases the tests run on, the connections they open and the way they act as a role.

scripts/test.sh deploys one database and installs tests/helpers/ into it: the shared
database (DATABASE_URL, ADMIN_DATABASE_URL, WORKER_DATABASE_URL), which the fuzz tests
use inside transactions they roll back. claim_tasks takes work from every batch, so a test
that works the queue in the shared database would take, or wait behind, other tests'
tasks: each such test gets a database of its own instead, cloned from a template of the
deployed database (TEMPLATE_DATABASE_URL) with pytest-postgresql's DatabaseJanitor.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import psycopg
from psycopg.rows import dict_row
from pytest_postgresql.janitor import DatabaseJanitor

WORKER = "orchable_worker"  # the role the worker logs in with (through orchable_worker_login)


def _with_name(url: str, name: str) -> str:
    return urlsplit(url)._replace(path=f"/{name}").geturl()


@dataclass(frozen=True)
class Database:
    """One database, as the three roles the tests connect as."""

    admin_url: str  # the cluster's superuser: sets up, and acts as any role (acting_as)
    url: str  # the postgres role, which owns the schema (the CLI's DATABASE_URL)
    worker_url: str  # orchable_worker_login, the least-privilege login of the worker

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Database | None:
        urls = [environ.get(f"{n}DATABASE_URL", "") for n in ("ADMIN_", "", "WORKER_")]
        return cls(*urls) if all(urls) else None

    def named(self, name: str) -> Database:
        """The same URLs, for another database of the cluster."""
        return Database(*(_with_name(u, name) for u in (self.admin_url, self.url, self.worker_url)))

    def environ(self, **more: str) -> dict[str, str]:
        """The environment of an `orchable` process on this database: this process's, with
        every database URL replaced by this database's."""
        environ = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}
        return {
            **environ,
            "DATABASE_URL": self.url,
            "ORCHABLE_WORKER_DATABASE_URL": self.worker_url,
            **more,
        }


def connect(url: str, autocommit: bool = True) -> psycopg.Connection:
    """A new connection whose rows are dicts."""
    return psycopg.connect(url, autocommit=autocommit, row_factory=dict_row)


@contextmanager
def connections(url: str, n: int) -> Iterator[list[psycopg.Connection]]:
    """n connections of their own, for callers that must not share one."""
    conns: list[psycopg.Connection] = []
    try:
        for _ in range(n):
            conns.append(connect(url))
        yield conns
    finally:
        for conn in conns:
            conn.close()


@contextmanager
def acting_as(
    conn: psycopg.Connection, role: str, user_id: uuid.UUID | None = None
) -> Iterator[None]:
    """One PostgREST-style request: a transaction (a savepoint inside one) whose role and JWT
    claims are set local, and put back at its end so that they never outlive a savepoint."""
    claims: dict[str, str] = {"role": role}
    if user_id is not None:
        claims["sub"] = str(user_id)
    with conn.transaction():
        conn.execute(
            "select set_config('search_path', 'public, extensions', true),"
            " set_config('role', %s, true), set_config('request.jwt.claims', %s, true)",
            (role, json.dumps(claims) if role != WORKER else ""),
        )
        yield
        conn.execute(
            "select set_config('role', 'none', true), set_config('request.jwt.claims', '', true)"
        )


def sqlstate(error: BaseException | None) -> str | None:
    return getattr(error, "sqlstate", None)


class Clones:
    """Databases cloned from the template, one per test. A thread of their own keeps
    AHEAD clones ready and drops each one after its test, so that a test waits for
    neither (a clone of the deployed database takes about 0.2 s, a drop 0.1 s); it clones
    before it drops, so a run of short tests does not wait behind drops."""

    AHEAD = 2

    def __init__(self, template_url: str, shared: Database) -> None:
        self.shared = shared
        self.template = urlsplit(template_url)
        self.template_name = self.template.path.lstrip("/")
        with connect(_with_name(template_url, "postgres")) as conn:
            self.version = str(conn.info.server_version // 10000)
            self._drop_stale(conn)
        self._state = threading.Condition()
        self._ready: deque[str] = deque()
        self._used: list[str] = []
        self._closing = False
        self._error: BaseException | None = None
        self._failed_drops: list[BaseException] = []
        self._thread = threading.Thread(target=self._work, name="clones", daemon=True)
        self._thread.start()

    def _janitor(self, name: str) -> DatabaseJanitor:
        return DatabaseJanitor(
            user=self.template.username or "",
            password=self.template.password,
            host=self.template.hostname or "127.0.0.1",
            port=self.template.port or 5432,
            version=self.version,
            dbname=name,
            template_dbname=self.template_name,
        )

    def _drop_stale(self, conn: psycopg.Connection) -> None:
        """Clones a run that was killed left behind."""
        stale = conn.execute(
            "select datname from pg_database where starts_with(datname, %s)",
            (f"{self.template_name}_",),
        ).fetchall()
        for row in stale:
            conn.execute(f'drop database "{row["datname"]}" with (force)')

    def _next(self) -> tuple[str, str] | None:
        """What the thread does next: ("clone", name), ("drop", name), or None to stop."""
        with self._state:
            self._state.wait_for(
                lambda: (
                    self._closing
                    or self._used
                    or (self._error is None and len(self._ready) < self.AHEAD)
                )
            )
            if self._closing:
                return None
            if self._error is None and len(self._ready) < self.AHEAD:
                return "clone", f"{self.template_name}_{uuid.uuid4().hex[:8]}"
            return "drop", self._used.pop()

    def _drop(self, name: str) -> None:
        try:
            self._janitor(name).drop()
        except BaseException as error:
            self._failed_drops.append(error)

    def _work(self) -> None:
        while (job := self._next()) is not None:
            action, name = job
            if action == "drop":
                self._drop(name)
                continue
            janitor = self._janitor(name)
            try:
                janitor.init()
                with janitor.cursor() as cur:  # as `scripts/db.sh create` makes a database
                    cur.execute(f'alter database "{name}" owner to postgres')
            except BaseException as error:
                with self._state:
                    self._error = error
                    self._state.notify_all()
                continue
            with self._state:
                self._ready.append(name)
                self._state.notify_all()
        for name in [*self._used, *self._ready]:
            self._drop(name)

    @contextmanager
    def clone(self) -> Iterator[Database]:
        """A database of its own, dropped afterwards."""
        with self._state:
            if not self._state.wait_for(lambda: self._ready or self._error, timeout=120):
                raise TimeoutError("no clone of the template was made within 120 s")
            if self._error is not None:
                raise self._error
            name = self._ready.popleft()
            self._state.notify_all()
        try:
            yield self.shared.named(name)
        finally:
            with self._state:
                self._used.append(name)
                self._state.notify_all()

    def close(self) -> None:
        """Drops what is left: the clones made ahead, and those not dropped yet."""
        with self._state:
            self._closing = True
            self._state.notify_all()
        self._thread.join(timeout=120)
        if self._failed_drops:
            raise self._failed_drops[0]
