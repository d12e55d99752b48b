"""What the fuzz tests share: a sandbox per example and the property itself.

Each Hypothesis example runs in one transaction of the superuser that is rolled back at the
end, so examples never see each other's rows. Inside it, every RPC call is one
PostgREST-style request: a savepoint whose role and JWT claims are set local. A call either
succeeds or raises a project error (an OR SQLSTATE, or 42501) with a message, and then the
owner's rows in every table an RPC can write are exactly what they were before the call.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from hypothesis import strategies as st
from psycopg.types.json import Jsonb
from support.databases import acting_as
from support.pipelines import course_definition
from support.users import create_user

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


def is_project_error(error: psycopg.Error) -> bool:
    code = error.sqlstate or ""
    return (code.startswith("OR") or code == "42501") and bool(error.diag.message_primary)


def fuzzed_course(conn: psycopg.Connection) -> dict[str, Any]:
    """The course builder with every field a stage can have somewhere in it, for the fuzz
    tests to mutate or drop: retries and ai_settings on every stage, approval on the quiz."""
    definition = course_definition(
        conn, max_retries=2, ai_settings={"model": "gemini-2.5-flash", "temperature": 0.2}
    )
    definition["stages"][-1]["requires_approval"] = True
    return definition


class Sandbox:
    """One example: a user of its own, and calls made as a role on its behalf."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.owner = create_user(conn)

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
        try:
            with acting_as(self.conn, role, user):
                return self.conn.execute(sql, params).fetchall()
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

    def user(self) -> uuid.UUID:
        """Another user."""
        return create_user(self.conn)

    def pipeline(self, definition: dict[str, Any] | None = None) -> uuid.UUID:
        definition = definition or fuzzed_course(self.conn)
        row = self.conn.execute(
            "select (public.upsert_orchestrator(%s::jsonb)).id as id",
            (Jsonb({**definition, "owner_id": str(self.owner)}),),
        ).fetchone()
        assert row is not None
        return row["id"]

    def batch(self, inputs: list[Any], config: dict[str, Any] | None = None) -> uuid.UUID:
        row = self.conn.execute(
            "select (public.launch_batch(%s, %s::jsonb, p_config => %s::jsonb)).id as id",
            (self.pipeline(), Jsonb(inputs), Jsonb(config or {})),
        ).fetchone()
        assert row is not None
        return row["id"]

    def claimed_tasks(self, count: int = 2) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """(task id, claim token) of `count` root tasks leased the way claim_tasks does."""
        batch_id = self.batch([{"topic": f"t{i}"} for i in range(count)])
        rows = self.conn.execute(
            "select t.id, tests.claim(t.id) as claim_token from public.ai_tasks as t"
            " where t.batch_id = %s order by t.id",
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


@dataclass(frozen=True)
class Mutation:
    """A change to the fuzzed course, drawn before the course is read from the database:
    `where` is "stage" (set `field` of stage `stage` to `value`), "top" (set `field`),
    "drop" (remove `field` from stage `stage`) or "stages" (append `value`, or a copy of
    the first stage when `value` is Ellipsis); then `extra`, a top-level key and its value."""

    where: str
    stage: int
    field: str
    value: Any
    extra: tuple[str, Any] | None

    def apply(self, course: dict[str, Any]) -> dict[str, Any]:
        definition = copy.deepcopy(course)
        stages = definition["stages"]
        if self.where == "stage":
            stages[self.stage][self.field] = self.value
        elif self.where == "top":
            definition[self.field] = self.value
        elif self.where == "drop":
            stages[self.stage].pop(self.field, None)
        else:
            stages.append(copy.deepcopy(stages[0]) if self.value is Ellipsis else self.value)
        if self.extra is not None:
            definition[self.extra[0]] = self.extra[1]
        return definition


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
