"""The person in the loop, for shapes with stages that wait for approval. At random
moments (`--approve-every`) the run's main loop lets it look at the owner's tasks waiting
in `generated` and decide on a random half of them, through the RPCs a user calls
(approve_task, reject_task) and as that user: like PostgREST, each call is a transaction
with `role` authenticated and the user's JWT claims set local, so RLS and the ownership
checks apply. Seeded shares of the decisions
- reject to regenerate (back to `plan`, its retries restored: the model is called again);
- reject for good (the task fails: its input legitimately has no final output);
- approve with an edited output (`--edit-share`): a list a split follows gets a new
  length, from 0 (an empty split: the merge fires at once with []) to fanout + 1; any
  other output its strings replaced. One edit in four of a list is a bad one (not a list):
  approve_task must refuse it with OR009 and change nothing; the task is decided later.
The rest are plain approvals."""

from __future__ import annotations

import json
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg

from chaos import database as db
from chaos.settings import Settings

DECIDE_SHARE = 0.5  # of the waiting tasks, decided on at each look
BAD_EDIT_SHARE = 0.25  # of the edits of a list a split follows
REASON = "chaos: the approver's seeded rejection"
EDITED = "edited by the approver"

_APPROVE = "select public.approve_task(p_task_id => %s, p_output => %s::jsonb) as status"
_REJECT = "select public.reject_task(p_task_id => %s, p_reason => %s, p_regenerate => %s) as status"


@dataclass
class Approver:
    settings: Settings
    owner: uuid.UUID
    batch: uuid.UUID
    rng: random.Random
    conn: psycopg.Connection[dict[str, Any]] | None = None
    next_look: float = 0.0  # time.monotonic()
    looks: int = 0
    approved: set[uuid.UUID] = field(default_factory=set)
    edited: dict[uuid.UUID, Any] = field(default_factory=dict)  # task -> the output approved
    regenerated: Counter[uuid.UUID] = field(default_factory=Counter)
    rejected: set[uuid.UUID] = field(default_factory=set)  # for good
    refused: int = 0  # bad edits approve_task refused with OR009, as it should
    errors: list[str] = field(default_factory=list)
    first_seen: dict[uuid.UUID, float] = field(default_factory=dict)  # waiting since (time.time())
    waits: list[float] = field(default_factory=list)  # first seen waiting -> decided, seconds

    @classmethod
    def start(cls, settings: Settings, url: str, owner: uuid.UUID, batch: uuid.UUID) -> Approver:
        """`url`: the postgres role's, which may `set role authenticated` as PostgREST does."""
        conn = db.connect(db.with_application_name(url, "chaos-approver"))
        rng = random.Random(f"{settings.seed}-approver")
        approver = cls(settings, owner, batch, rng, conn)
        approver.next_look = time.monotonic() + rng.uniform(*settings.approve_every)
        return approver

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _as_owner(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        """One PostgREST-style request as the owner (db.as_user)."""
        assert self.conn is not None
        return db.as_user(self.conn, self.owner, sql, *params)

    def maybe_look(self) -> None:
        """At its random moment: decide on a random share of the waiting tasks."""
        if time.monotonic() < self.next_look:
            return
        self.next_look = time.monotonic() + self.rng.uniform(*self.settings.approve_every)
        self.looks += 1
        now = time.time()
        waiting = self._as_owner(
            "select id, stage_key, output_data from public.ai_tasks"
            " where batch_id = %s and status = 'generated' order by id",
            self.batch,
        )
        for task in waiting:
            self.first_seen.setdefault(task["id"], now)
            if self.rng.random() < DECIDE_SHARE:
                self.decide(task["id"], task["stage_key"], task["output_data"])

    def decide(self, task: uuid.UUID, stage: str, output: Any) -> None:
        roll = self.rng.random()
        s = self.settings
        edited: Any = None
        params: tuple[Any, ...]
        if roll < s.regenerate_share:
            what, sql, params, expected = "regenerate", _REJECT, (task, REASON, True), "plan"
        elif roll < s.regenerate_share + s.reject_share:
            what, sql, params, expected = "reject", _REJECT, (task, REASON, False), "failed"
        else:
            if roll < s.regenerate_share + s.reject_share + s.edit_share:
                edited = self._edit(task, stage, output)
            what, expected = ("edit" if edited is not None else "approve"), "completed"
            sql, params = _APPROVE, (task, None if edited is None else json.dumps(edited))
        try:
            status = self._as_owner(sql, *params)[0]["status"]
        except psycopg.Error as error:
            if what == "edit" and error.sqlstate == "OR009" and self._is_bad(stage, edited):
                self.refused += 1  # as it should: the task still waits, decided later
                return
            self.errors.append(f"{what} {task}: {error.sqlstate} {str(error).splitlines()[0]}")
            return
        if what == "edit" and self._is_bad(stage, edited):
            self.errors.append(f"edit {task}: approved an output its split cannot use")
        if status != expected:
            self.errors.append(f"{what} {task}: returned {status!r}, not {expected!r}")
        self.waits.append(time.time() - self.first_seen.pop(task, time.time()))
        if what in ("approve", "edit"):
            self.approved.add(task)
            if edited is not None:
                self.edited[task] = edited
        elif what == "regenerate":
            self.regenerated[task] += 1
        else:
            self.rejected.add(task)

    def _edit(self, task: uuid.UUID, stage: str, output: Any) -> Any:
        """The output a person approves instead, naming the task (so the checks can tell
        where each edit went); None when there is nothing to edit."""
        if not isinstance(output, dict):
            return None
        path = self.settings.shape.split_path_after(stage)
        if path is not None:
            if self.rng.random() < BAD_EDIT_SHARE:
                return {**output, path: EDITED}  # not a list: approve_task must refuse it
            length = self.rng.randint(0, self.settings.fanout + 1)
            return {**output, path: [{"text": f"{EDITED} {task}/{i}"} for i in range(length)]}
        return {k: f"{EDITED} {task}" if isinstance(v, str) else v for k, v in output.items()}

    def _is_bad(self, stage: str, edited: Any) -> bool:
        path = self.settings.shape.split_path_after(stage)
        return path is not None and isinstance(edited, dict) and edited.get(path) == EDITED
