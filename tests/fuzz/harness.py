"""What the fuzz tests share: a sandbox per example and the property itself.

Each Hypothesis example runs in one transaction of the superuser that is rolled back at the
end, so examples never see each other's rows. Inside it, every RPC call is one
PostgREST-style request: a savepoint whose role and JWT claims are set local. A call either
succeeds or raises a project error (an OR SQLSTATE, or 42501) with a message, and then the
owner's rows in every table an RPC can write are exactly what they were before the call.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from hypothesis import strategies as st
from psycopg.rows import dict_row

ADMIN_URL = os.environ.get("ADMIN_DATABASE_URL", "")
WORKER = "orchable_worker"

# The tables the RPCs under test write, all with an owner_id column.
TABLES = (
    "orchestrators",
    "prompt_templates",
    "task_batches",
    "ai_tasks",
    "task_events",
    "llm_calls",
    "user_api_keys",
    "api_key_health",
)


def connect() -> psycopg.Connection:
    return psycopg.connect(ADMIN_URL, autocommit=True, row_factory=dict_row)


def is_project_error(error: psycopg.Error) -> bool:
    code = error.sqlstate or ""
    return (code.startswith("OR") or code == "42501") and bool(error.diag.message_primary)


class Sandbox:
    """One example: a user of its own, and calls made as a role on its behalf."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.owner = uuid.uuid4()
        conn.execute(
            "insert into auth.users (id, email, role, aud)"
            " values (%s, %s, 'authenticated', 'authenticated')",
            (self.owner, f"{self.owner}@example.test"),
        )

    def snapshot(self) -> dict[str, str]:
        """A digest of every row the owner has in each table."""
        row = self.conn.execute(
            "select "
            + ", ".join(
                f"(select md5(coalesce(string_agg(t::text, ',' order by t::text), ''))"
                f" from public.{table} as t where t.owner_id = %(owner)s) as {table}"
                for table in TABLES
            ),
            {"owner": self.owner},
        ).fetchone()
        assert row is not None
        return dict(row)

    def call(
        self, role: str, sql: str, params: Any = None, *, user: uuid.UUID | None = None
    ) -> list[dict[str, Any]]:
        """Runs one RPC as `role`; asserts the property, re-raises a project error."""
        before = self.snapshot()
        claims = "" if role == WORKER else json.dumps({"role": role, "sub": str(user or "")})
        if user is None and role != WORKER:
            claims = json.dumps({"role": role})
        try:
            with self.conn.transaction():
                self.conn.execute(
                    "select set_config('role', %s, true),"
                    " set_config('request.jwt.claims', %s, true)",
                    (role, claims),
                )
                rows = self.conn.execute(sql, params).fetchall()
                self.conn.execute(
                    "select set_config('role', 'none', true),"
                    " set_config('request.jwt.claims', '', true)"
                )
                return rows
        except psycopg.Error as error:
            assert is_project_error(error), (
                f"{sql} raised {error.sqlstate}: {error.diag.message_primary}"
                f" (detail: {error.diag.message_detail}) with {params!r}"
            )
            assert self.snapshot() == before, f"{sql} raised {error.sqlstate} but wrote rows"
            raise

    def attempt(self, role: str, sql: str, params: Any = None, **kwargs: Any) -> Any:
        """call(), with a project error as the answer instead of an exception."""
        try:
            return self.call(role, sql, params, **kwargs)
        except psycopg.Error as error:
            return error

    # Fixtures built as the superuser, in the example's transaction.

    def pipeline(self, definition: dict[str, Any] | None = None) -> uuid.UUID:
        definition = definition or course_definition()
        definition = {**definition, "owner_id": str(self.owner)}
        row = self.conn.execute(
            "select (public.upsert_orchestrator(%s::jsonb)).id as id", (json.dumps(definition),)
        ).fetchone()
        assert row is not None
        return row["id"]

    def batch(self, inputs: list[Any], config: dict[str, Any] | None = None) -> uuid.UUID:
        row = self.conn.execute(
            "select (public.launch_batch(%s, %s::jsonb, p_config => %s::jsonb)).id as id",
            (self.pipeline(), json.dumps(inputs), json.dumps(config or {})),
        ).fetchone()
        assert row is not None
        return row["id"]

    def claimed_tasks(self, count: int = 2) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """(task id, claim token) of `count` root tasks leased the way claim_tasks does."""
        batch_id = self.batch([{"topic": f"t{i}"} for i in range(count)])
        rows = self.conn.execute(
            "update public.ai_tasks"
            " set status = 'processing', claim_token = gen_random_uuid(), locked_by = 'fuzz',"
            " locked_until = now() + interval '5 minutes', claim_count = claim_count + 1,"
            " started_at = now()"
            " where batch_id = %s returning id, claim_token",
            (batch_id,),
        ).fetchall()
        return [(row["id"], row["claim_token"]) for row in rows]

    def api_key(self) -> uuid.UUID:
        row = self.conn.execute(
            "select (public.add_api_key('gemini', 'AIzaSyFUZZFUZZFUZZFUZZFUZZ',"
            " p_owner_id => %s)).id",
            (self.owner,),
        ).fetchone()
        assert row is not None
        return row["id"]


@contextmanager
def sandbox(conn: psycopg.Connection) -> Iterator[Sandbox]:
    with conn.transaction(force_rollback=True):
        yield Sandbox(conn)


def course_definition() -> dict[str, Any]:
    """outline (1:1) -> question (1:N over "questions") -> quiz (N:1 under "answers")."""
    return {
        "name": "course",
        "entry": "outline",
        "stages": [
            {"key": "outline", "template": "Outline {{topic}}", "next": ["question"]},
            {
                "key": "question",
                "template": "Answer {{item.text}}",
                "cardinality": "1:N",
                "split_path": "questions",
                "next": ["quiz"],
                "input_mapping": {"topic": "input.topic"},
            },
            {
                "key": "quiz",
                "template": "Quiz from {{answers}}",
                "cardinality": "N:1",
                "merge_path": "answers",
                "requires_approval": True,
                "max_retries": 2,
                "ai_settings": {"model": "gemini-2.5-flash", "temperature": 0.2},
            },
        ],
    }


# Strategies. Text never holds NUL: PostgreSQL text and jsonb cannot, and the client refuses
# it before any RPC runs.
texts = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30)
huge_numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**31, 2**31 - 1, -(2**31), 2**63, 10**30, 1e300, -1e300, 0.5, 5.0, 1e-9]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    huge_numbers,
    texts,
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(texts, children, max_size=4)
    ),
    max_leaves=12,
)
json_objects = st.dictionaries(texts, json_values, max_size=5)
uuids_or_none = st.one_of(st.none(), st.uuids())
int32 = st.integers(min_value=-(2**31), max_value=2**31 - 1)
uuid_like = st.one_of(
    st.uuids().map(str),
    st.uuids().map(lambda u: u.hex),
    st.uuids().map(lambda u: str(u).upper()),
    st.uuids().map(lambda u: "{" + str(u) + "}"),
    texts,
    json_values,
)
