"""The database: its URLs (from the environment, or a fresh local database), the run's
owner, keys, pipeline and batch, and the batch's progress."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from orchable.settings import DEFAULT_MODELS
from psycopg.rows import dict_row

from chaos.settings import ROOT, Settings

_ENV = ("DATABASE_URL", "ADMIN_DATABASE_URL", "WORKER_DATABASE_URL")


@dataclass(frozen=True)
class Urls:
    database: str  # the postgres role (sets up, as bench/ does)
    admin: str  # the superuser (watches, cuts connections, checks)
    worker: str  # the worker login


@dataclass(frozen=True)
class Seeded:
    owner: uuid.UUID
    secrets: dict[uuid.UUID, str]  # key id -> the key the fake server sees
    orchestrator_id: uuid.UUID
    batch_id: uuid.UUID


@dataclass(frozen=True)
class Progress:
    total: int
    completed: int
    failed: int
    status: str
    tasks: int
    tasks_done: int
    processing: int
    with_work: int  # inputs with a task planned or processing (not merely waiting for a person)

    @property
    def finished(self) -> bool:
        """Every input decided and no task open. An input fails as soon as one of its tasks
        fails for good, while its other branches may still run (or wait for a person)."""
        return self.completed + self.failed >= self.total and self.tasks_done >= self.tasks


def _db(*args: str) -> str:
    result = subprocess.run(
        [str(ROOT / "scripts/db.sh"), *args], cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"scripts/db.sh {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def urls(settings: Settings) -> tuple[Urls, str]:
    """The URLs from the environment (as scripts/test.sh passes them), or a fresh local
    database `settings.database`, created and deployed now. Returns them and where from."""
    given = [os.environ.get(name, "") for name in _ENV]
    if all(given):
        return Urls(*given), "the environment"
    if any(given):
        missing = ", ".join(name for name, value in zip(_ENV, given, strict=True) if not value)
        raise RuntimeError(f"set all of {', '.join(_ENV)} or none (missing: {missing})")
    name = settings.database
    _db("start")
    _db("create", name, "current")
    deploy = subprocess.run(
        [str(ROOT / "scripts/deploy.sh"), name, "current"], cwd=ROOT, capture_output=True, text=True
    )
    if deploy.returncode != 0:
        raise RuntimeError(f"scripts/deploy.sh {name} failed:\n{deploy.stdout}{deploy.stderr}")
    found = Urls(_db("url", name), _db("admin-url", name), _db("worker-url", name))
    return found, f"a fresh database {name} (scripts/db.sh create + scripts/deploy.sh)"


def with_application_name(url: str, name: str) -> str:
    """The URL with `application_name` in its query (libpq honours it), so that the
    worker's backends can be found in pg_stat_activity."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "application_name"]
    query.append(("application_name", name))
    return urlunsplit(parts._replace(query=urlencode(query)))


def connect(url: str) -> psycopg.Connection[dict[str, Any]]:
    return psycopg.connect(url, autocommit=True, row_factory=dict_row)


def pipeline(settings: Settings, owner: uuid.UUID) -> dict[str, Any]:
    """The run's shape (shapes.py) as a pipeline of the owner's, every stage on gemini with
    the call timeout and max_retries of the settings."""
    ai = {
        "provider": "gemini",
        "model": DEFAULT_MODELS["gemini"],
        "timeout_seconds": settings.call_timeout,
    }
    return settings.shape.definition(f"chaos-{owner}", str(owner), ai, settings.max_retries)


def create_user(conn: psycopg.Connection[dict[str, Any]], label: str) -> uuid.UUID:
    """A new signed-in user (an auth.users row), as Supabase Auth makes one."""
    user = uuid.uuid4()
    conn.execute(
        "insert into auth.users (id, email, role, aud)"
        " values (%s, %s, 'authenticated', 'authenticated')",
        (user, f"{label}-{user}@example.test"),
    )
    return user


def as_user(
    conn: psycopg.Connection[dict[str, Any]], user: uuid.UUID, sql: str, *params: Any
) -> list[dict[str, Any]]:
    """One PostgREST-style request: a transaction with role `authenticated` and the user's
    JWT claims set local, so RLS and the RPCs' ownership checks apply. `conn`: the
    postgres role's, which may `set role authenticated` as PostgREST does."""
    claims = json.dumps({"sub": str(user), "role": "authenticated"})
    with conn.transaction():
        conn.execute(
            "select set_config('role', 'authenticated', true),"
            " set_config('request.jwt.claims', %s, true)",
            (claims,),
        )
        return conn.execute(sql, params).fetchall()


def seed(url: str, settings: Settings) -> Seeded:
    """A user with `keys` Gemini keys, the pipeline and one batch of `inputs` inputs."""
    with connect(url) as conn:
        owner = create_user(conn, "chaos")
        secrets: dict[uuid.UUID, str] = {}
        for i in range(settings.keys):
            secret = f"chaos-secret-{i}-{uuid.uuid4().hex}"
            key = conn.execute(
                "select (add_api_key(p_provider => 'gemini', p_api_key => %s,"
                " p_key_name => %s, p_owner_id => %s)).id as id",
                (secret, f"chaos-{i}", owner),
            ).fetchone()
            assert key is not None
            secrets[key["id"]] = secret
        definition = json.dumps(pipeline(settings, owner))
        orchestrator = conn.execute(
            "select (upsert_orchestrator(%s::jsonb)).id as id", (definition,)
        ).fetchone()
        assert orchestrator is not None
        inputs = json.dumps([{"n": n} for n in range(settings.inputs)])
        batch = conn.execute(
            "select (launch_batch(%s, %s::jsonb)).id as id", (orchestrator["id"], inputs)
        ).fetchone()
        assert batch is not None
    return Seeded(owner, secrets, orchestrator["id"], batch["id"])


def progress(conn: psycopg.Connection[dict[str, Any]], batch_id: uuid.UUID) -> Progress:
    row = conn.execute(
        """
        select b.total_tasks as total, b.completed_tasks as completed,
               b.failed_tasks as failed, b.status,
               (select count(*) from public.ai_tasks as t where t.batch_id = b.id) as tasks,
               (select count(*) from public.ai_tasks as t where t.batch_id = b.id
                 and t.status in ('completed', 'failed', 'cancelled')) as tasks_done,
               (select count(*) from public.ai_tasks as t where t.batch_id = b.id
                 and t.status = 'processing') as processing,
               (select count(distinct t.root_task_id) from public.ai_tasks as t
                 where t.batch_id = b.id and t.status in ('plan', 'processing')) as with_work
        from public.task_batches as b where b.id = %s
        """,
        (batch_id,),
    ).fetchone()
    assert row is not None
    return Progress(**row)


def tasks_held_by(conn: psycopg.Connection[dict[str, Any]], worker: str) -> list[uuid.UUID]:
    """The tasks the worker holds on a lease still running: those whose lease expires
    because of what is done to it now. One whose lease already ran out had lost it before,
    to an earlier cut or to a worker that stopped extending it (wedged)."""
    rows = conn.execute(
        "select id from public.ai_tasks where locked_by = %s and status = 'processing'"
        " and locked_until > now()",
        (worker,),
    ).fetchall()
    return [r["id"] for r in rows]


def lapsed_leases(conn: psycopg.Connection[dict[str, Any]], worker: str) -> int:
    """Tasks the worker still holds whose lease ran out (not yet claimed again)."""
    row = conn.execute(
        "select count(*) as n from public.ai_tasks where locked_by = %s"
        " and status = 'processing' and locked_until <= now()",
        (worker,),
    ).fetchone()
    assert row is not None
    return int(row["n"])


def terminate_backends(conn: psycopg.Connection[dict[str, Any]], application_name: str) -> int:
    """pg_terminate_backend on every backend of one worker; how many were cut."""
    rows = conn.execute(
        "select pg_terminate_backend(pid) as cut from pg_stat_activity"
        " where application_name = %s and datname = current_database()"
        " and pid <> pg_backend_pid()",
        (application_name,),
    ).fetchall()
    return sum(1 for r in rows if r["cut"])


def latest_key_block(conn: psycopg.Connection[dict[str, Any]], owner: uuid.UUID) -> float:
    """Seconds until the owner's last blocked key is free again (0 when none is)."""
    row = conn.execute(
        "select coalesce(extract(epoch from max(h.blocked_until) - now()), 0)::float as s"
        " from public.api_key_health as h where h.owner_id = %s",
        (owner,),
    ).fetchone()
    assert row is not None
    return max(0.0, row["s"])
