"""The hostile tenant: a second signed-in user who, next to the honest batch and under the
same kills and cuts, tries the attacks of the security review of 2026-12-07 (F2-F6)
through the RPCs a user may call, as that user (db.as_user: role `authenticated` and its
JWT claims, as PostgREST does). Its stages name the offline provider, which every chaos
worker offers next to gemini.

- Flood (F6), before the honest batch is launched: `--flood` times the honest inputs on a
  one-stage pipeline, FLOOD_LAUNCH inputs per launch_batch. Every flood task is queued
  ahead of every honest one: only a claim that takes turns between owners lets the honest
  batch run meanwhile (reported: how much of the flood was still unclaimed when the first
  honest task was claimed).
- At a seeded moment once the workers run (ATTACK_AFTER), next to honest tasks:
  - poison inputs (F2): an integer of 5,000 digits; JSON nested 3,000 deep. launch_batch
    must refuse each with OR021 (a worker could not decode them);
  - oversized templates (F3): 1,000 placeholders `{{a}}`; 100,001 characters.
    upsert_orchestrator must refuse each with OR001;
  - a prompt over its cap (F3): a template of 199 placeholders (under the caps) whose
    inputs' `a` is 10 KB, so each prompt renders 2 MB: accepted, and each of its tasks
    must fail at claim with OR020 while the claim returns the tasks claimed with it;
  - remote `$ref` (F4): an output_schema that is one, and one with one in a property,
    both on the run's HTTP listener: upsert_orchestrator must refuse each with OR001, and
    the listener must never be asked for anything. Were one accepted, an input is
    launched on it, so that a fetch would show in the listener's log;
  - ReDoS (F5): a string `pattern` "(a+)+$", on inputs of 40 `a`s and `!` (the offline
    provider writes the input's first 40 characters into its strings): accepted; the
    worker checks patterns with RE2, so these tasks end quickly either way;
  - minItems 1,000,000,000 (F5): accepted; the offline provider clamps.
  `--attack-inputs` inputs in each batch.

Its checks: every refusal with its code and every other attempt accepted; every task of
it ended, none lost: completed, or failed with an error code (those over the prompt cap:
OR020; poison, OR014, only when the run's kills and cuts explain it), or failed after every
retry on an output that broke its schema (as a ReDoS pattern's or a clamped minItems'
can: the worker judged each attempt at once); the listener heard nothing. That no worker
died of any of it is the workers check's (driver.py): a worker that exits on its own fails
the run.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from chaos import database as db
from chaos.checks import POISON, Check, Conn
from chaos.processes import Listener, start_listener
from chaos.settings import Settings

ACCEPTED = "accepted"
FLOOD = "flood"  # the attack name of the flood's batches
ATTACK_AFTER = (2.0, 8.0)  # seconds after the workers start
FLOOD_LAUNCH = 1000  # inputs per launch_batch of the flood
# The review's figures and the caps the database enforces.
DIGITS, DEPTH = 5_000, 3_000  # refused: OR021
PLACEHOLDERS_OVER, LENGTH_OVER = 1_000, 100_001  # refused: OR001 (caps 200 and 100,000)
PLACEHOLDERS_UNDER, VALUE_BYTES = 199, 10_240  # accepted: 199 x 10 KB = 2 MB rendered
PROMPT_CAP = "OR020"  # a prompt over 1,000,000 bytes fails its task at claim
BAD_INPUT, BAD_PIPELINE = "OR021", "OR001"
REDOS = {"type": "object", "properties": {"s": {"type": "string", "pattern": "(a+)+$"}}}
MIN_ITEMS = {
    "type": "object",
    "properties": {"xs": {"type": "array", "minItems": 1_000_000_000, "items": {"type": "string"}}},
}
# What the listener serves, were a remote $ref fetched: schemas the offline output matches.
REMOTE_DOCUMENTS = {"x": '{"type": "object"}', "y": '{"type": "string"}'}
_OPEN = ("plan", "processing", "generated")
MESSAGE_CHARS = 160  # of an error message quoted in a check's line


@dataclass(frozen=True)
class Attempt:
    """One call of the hostile tenant's and what came of it."""

    attack: str
    call: str  # upsert_orchestrator or launch_batch
    expected: str  # the SQLSTATE it must raise, or ACCEPTED
    got: str  # the SQLSTATE it raised, or ACCEPTED
    error: str = ""  # the first line of the error

    @property
    def as_expected(self) -> bool:
        return self.got == self.expected

    def describe(self) -> str:
        got = ACCEPTED if self.got == ACCEPTED else f"refused with {self.got} ({self.error})"
        wanted = ACCEPTED if self.expected == ACCEPTED else f"refused with {self.expected}"
        return f"{self.attack}: {self.call} {got}, expected {wanted}"


@dataclass(frozen=True)
class Batch:
    """A batch the hostile tenant launched. `only_code`: each task must fail with it;
    None: each must complete or fail with an error code."""

    attack: str
    id: uuid.UUID
    inputs: int
    only_code: str | None = None


@dataclass
class Hostile:
    settings: Settings
    user: uuid.UUID
    conn: Conn
    listener: Listener
    rng: random.Random
    pipeline: uuid.UUID | None = None  # the flood's, also the poison inputs'
    attack_at: float = 0.0  # time.monotonic(); set when the workers start
    attacked: bool = False
    attempts: list[Attempt] = field(default_factory=list)
    batches: list[Batch] = field(default_factory=list)

    @classmethod
    def start(cls, settings: Settings, url: str, logdir: Path) -> Hostile:
        """`url`: the postgres role's, which may `set role authenticated` as PostgREST does."""
        listener = start_listener(REMOTE_DOCUMENTS, logdir)
        conn: Conn | None = None
        try:
            conn = db.connect(db.with_application_name(url, "chaos-hostile"))
            user = db.create_user(conn, "chaos-hostile")
        except BaseException:
            if conn is not None:
                conn.close()
            listener.stop()
            raise
        return cls(settings, user, conn, listener, random.Random(f"{settings.seed}-hostile"))

    def close(self) -> None:
        self.conn.close()
        if self.listener.proc.poll() is None:
            self.listener.stop()

    # --- what it does ------------------------------------------------------------------

    def _call(self, attack: str, call: str, expected: str, sql: str, *params: Any) -> Any:
        """One request as the hostile user; the row's `id`, or None when refused."""
        try:
            rows = db.as_user(self.conn, self.user, sql, *params)
        except psycopg.Error as error:
            first = (str(error).strip().splitlines() or [""])[0][:MESSAGE_CHARS]
            self.attempts.append(Attempt(attack, call, expected, error.sqlstate or "?", first))
            return None
        self.attempts.append(Attempt(attack, call, expected, ACCEPTED))
        return rows[0]["id"]

    def _save(
        self, attack: str, name: str, stage: dict[str, Any], expected: str = ACCEPTED
    ) -> uuid.UUID | None:
        """upsert_orchestrator of a one-stage pipeline on the offline provider."""
        definition = {
            "name": f"hostile-{name}",
            "entry": "s",
            "stages": [
                {
                    "key": "s",
                    "ai_settings": {"provider": "offline"},
                    "max_retries": self.settings.max_retries,
                    **stage,
                }
            ],
        }
        return self._call(
            attack,
            "upsert_orchestrator",
            expected,
            "select (public.upsert_orchestrator(%s::jsonb)).id as id",
            json.dumps(definition),
        )

    def _launch(
        self,
        attack: str,
        pipeline: uuid.UUID,
        inputs: str,
        count: int,
        expected: str = ACCEPTED,
        only_code: str | None = None,
    ) -> None:
        """launch_batch of `inputs` (JSON text: some are not what json.dumps can write)."""
        batch = self._call(
            attack,
            "launch_batch",
            expected,
            "select (public.launch_batch(%s, %s::jsonb)).id as id",
            pipeline,
            inputs,
        )
        if batch is not None:
            self.batches.append(Batch(attack, batch, count, only_code))

    def flood(self) -> None:
        """Its pipeline, and the flood on it: to be queued ahead of the honest batch."""
        self.pipeline = self._save(FLOOD, "flood", {"template": "Answer {{n}}."})
        total = self.settings.flood * self.settings.inputs
        if self.pipeline is None:
            return
        for first in range(0, total, FLOOD_LAUNCH):
            chunk = [{"n": n} for n in range(first, min(total, first + FLOOD_LAUNCH))]
            self._launch(FLOOD, self.pipeline, json.dumps(chunk), len(chunk))

    @property
    def flooded(self) -> int:
        """Flood inputs launched."""
        return sum(b.inputs for b in self.batches if b.attack == FLOOD)

    def schedule(self) -> None:
        """The workers have started: the attacks come a seeded few seconds later."""
        self.attack_at = time.monotonic() + self.rng.uniform(*ATTACK_AFTER)

    def maybe_attack(self) -> None:
        if not self.attacked and self.attack_at and time.monotonic() >= self.attack_at:
            self.attacked = True
            self.attack()

    def attack(self) -> None:
        n = self.settings.attack_inputs
        if self.pipeline is not None:
            # With the template's `n`, so that were one accepted, a claim would return it.
            for attack, text in (
                (
                    f"poison: an integer of {DIGITS:,} digits",
                    '[{"n": 0, "t": ' + "9" * DIGITS + "}]",
                ),
                (
                    f"poison: JSON nested {DEPTH:,} deep",
                    '[{"n": 0, "t": ' + '{"a":' * DEPTH + "1" + "}" * DEPTH + "}]",
                ),
            ):
                self._launch(attack, self.pipeline, text, 1, expected=BAD_INPUT)
        for attack, name, template in (
            (f"{PLACEHOLDERS_OVER:,} placeholders", "placeholders", "{{a}}" * PLACEHOLDERS_OVER),
            (f"a template of {LENGTH_OVER:,} characters", "long", "x" * LENGTH_OVER),
        ):
            # Refused, or it would stall every claim it is in: never launched.
            self._save(attack, name, {"template": template}, expected=BAD_PIPELINE)
        attack = f"{PLACEHOLDERS_UNDER} placeholders of {VALUE_BYTES // 1024} KB: a 2 MB prompt"
        template = "{{a}}" * PLACEHOLDERS_UNDER
        big = self._save(attack, "big-prompt", {"template": template})
        if big is not None:
            inputs = json.dumps([{"a": "x" * VALUE_BYTES, "i": i} for i in range(n)])
            self._launch(attack, big, inputs, n, only_code=PROMPT_CAP)
        for attack, name, schema in (
            ("a remote $ref", "ref", {"$ref": f"{self.listener.url}/x"}),
            (
                "a remote $ref in a property",
                "ref-property",
                {"type": "object", "properties": {"a": {"$ref": f"{self.listener.url}/y"}}},
            ),
        ):
            saved = self._save(
                attack, name, {"template": "Check {{s}}.", "output_schema": schema}, BAD_PIPELINE
            )
            if saved is not None:  # the listener shows whether a worker fetches it
                self._launch(attack, saved, json.dumps([{"s": "ref"}]), 1)
        for attack, name, schema, text in (
            ('ReDoS: pattern "(a+)+$"', "redos", REDOS, "a" * 40 + "!"),
            ("minItems 1,000,000,000", "min-items", MIN_ITEMS, "many"),
        ):
            saved = self._save(attack, name, {"template": "Check {{s}}.", "output_schema": schema})
            if saved is not None:
                inputs = json.dumps([{"s": text, "i": i} for i in range(n)])
                self._launch(attack, saved, inputs, n)

    # --- what the run and its checks read ------------------------------------------------

    def open_tasks(self, conn: Conn) -> int:
        row = conn.execute(
            "select count(*) as n from public.ai_tasks where owner_id = %s and status = any(%s)",
            (self.user, list(_OPEN)),
        ).fetchone()
        assert row is not None
        return int(row["n"])

    def claims(self, conn: Conn) -> dict[str, list[float]]:
        """Per worker, when (time.time()) it claimed a task of the hostile tenant."""
        rows = conn.execute(
            "select detail ->> 'worker' as worker, extract(epoch from created_at)::float as t"
            " from public.task_events where owner_id = %s and event = 'task_status'"
            " and to_status = 'processing'",
            (self.user,),
        ).fetchall()
        found: dict[str, list[float]] = defaultdict(list)
        for r in rows:
            found[r["worker"]].append(r["t"])
        return found

    def checks(
        self, conn: Conn, honest_batch: uuid.UUID, stranded: Counter[uuid.UUID]
    ) -> list[Check]:
        """`stranded`: how many times each task was held, on a running lease, by a worker
        the run SIGKILLed or cut (driver.py)."""
        return [self._refusals(), self._tasks(conn, honest_batch, stranded), self._listener()]

    def _refusals(self) -> Check:
        wrong = [a for a in self.attempts if not a.as_expected]
        if not self.attacked:
            wrong_text = ["the attacks were never made (the run ended first)"]
        else:
            wrong_text = [a.describe() for a in wrong]
        refusals = [a for a in self.attempts if a.expected != ACCEPTED]
        refused = Counter(a.got for a in refusals if a.as_expected)
        accepted = Counter(
            a.call for a in self.attempts if a.expected == ACCEPTED and a.as_expected
        )
        figures = (
            f"{sum(refused.values())} of {len(refusals)} attempts refused as expected ("
            + ", ".join(f"{code} x{k}" for code, k in sorted(refused.items()))
            + "); accepted as expected: "
            + ", ".join(f"{call} x{k}" for call, k in sorted(accepted.items()))
        )
        return Check(
            "the hostile tenant's attempts are refused with their codes, or accepted",
            not wrong_text,
            figures if not wrong_text else "; ".join(wrong_text),
        )

    def _tasks(self, conn: Conn, honest_batch: uuid.UUID, stranded: Counter[uuid.UUID]) -> Check:
        """Each task ended: completed, or failed for good with a project code (its batch's
        only one, if it has one; OR025 after every retry on an output that broke its
        schema, as the honest tenant's give-ups, checks.py). Poison (OR014) counts only with
        every lease expiry explained by a kill or cut of the worker holding it, as for the
        honest tenant's tasks: else its workers stopped extending its lease, wedged by it or
        by what was claimed with it."""
        rows = conn.execute(
            """
            select batch_id, status, error_code,
                   split_part(split_part(coalesce(error_message, 'no message'), ':', 1), ' (', 1)
                     as kind,
                   count(*) as n, min(error_message) as message
            from public.ai_tasks where owner_id = %s
            group by batch_id, status, error_code, kind
            """,
            (self.user,),
        ).fetchall()
        by_batch = {b.id: b for b in self.batches}
        ended: dict[str, Counter[str]] = defaultdict(Counter)
        inputs: Counter[str] = Counter()
        for b in self.batches:
            inputs[b.attack] += b.inputs
        problems: list[str] = []
        for r in rows:
            batch = by_batch.get(r["batch_id"])
            attack = batch.attack if batch else f"unknown batch {r['batch_id']}"
            if r["error_code"]:
                outcome = f"{r['status']} {r['error_code']}"
            elif r["status"] == "failed":
                outcome = f"failed ({r['kind']})"
            else:
                outcome = r["status"]
            ended[attack][outcome] += r["n"]
            if batch is None:
                problems.append(f"{r['n']} tasks in a batch it never launched")
            elif batch.only_code is not None and (r["status"], r["error_code"]) != (
                "failed",
                batch.only_code,
            ):
                problems.append(f"{attack}: {r['n']} {outcome}, expected failed {batch.only_code}")
            elif r["status"] == "failed" and r["error_code"] is None:
                message = (r["message"] or "no message")[:MESSAGE_CHARS]
                problems.append(f"{attack}: {r['n']} failed without a project code ({message})")
            elif r["status"] not in ("completed", "failed"):
                problems.append(f"{attack}: {r['n']} {outcome}")
        poison = conn.execute(
            "select id, batch_id, lease_expired_count from public.ai_tasks"
            " where owner_id = %s and status = 'failed' and error_code = %s",
            (self.user, POISON),
        ).fetchall()
        wedged: Counter[str] = Counter(
            by_batch[t["batch_id"]].attack if t["batch_id"] in by_batch else "unknown batch"
            for t in poison
            if stranded[t["id"]] < t["lease_expired_count"]
        )
        problems += [
            f"{attack}: {n} failed {POISON} with lease expiries no kill or cut explains"
            for attack, n in wedged.items()
        ]
        for attack, count in inputs.items():
            if sum(ended[attack].values()) != count:
                problems.append(f"{attack}: {sum(ended[attack].values())} tasks of {count} inputs")
        summary = "; ".join(
            f"{attack} {sum(c.values())}: "
            + ", ".join(f"{outcome} {k}" for outcome, k in c.most_common())
            for attack, c in ended.items()
        )
        figures = f"{summary}{self._prompt_claims(conn)}{self._fairness(conn, honest_batch)}"
        return Check(
            "every hostile task ended: completed, or failed with a project code",
            not problems,
            figures if not problems else "; ".join(problems) + f" (all: {summary})",
        )

    def _prompt_claims(self, conn: Conn) -> str:
        """The claims that failed a task over the prompt cap, and what else they returned."""
        ids = [b.id for b in self.batches if b.only_code == PROMPT_CAP]
        row = conn.execute(
            """
            with claims as (
                select created_at, count(*) as capped from public.task_events
                where batch_id = any(%(ids)s) and event = 'task_status'
                  and to_status = 'failed' and detail ->> 'error_code' = %(code)s
                group by created_at
            )
            select (select count(*) from claims) as claims,
                   (select coalesce(sum(capped), 0) from claims) as capped,
                   count(c.id) filter (where c.owner_id <> %(user)s) as honest,
                   count(c.id) filter (where c.owner_id = %(user)s) as hostile
            from claims as f
            join public.task_events as c
              on c.created_at = f.created_at and c.event = 'task_status'
              and c.to_status = 'processing'
            """,
            {"ids": ids, "code": PROMPT_CAP, "user": self.user},
        ).fetchone()
        if not ids or row is None or not row["claims"]:
            return ""
        return (
            f" (the {row['claims']} claims that failed a task with {PROMPT_CAP} went on:"
            f" they returned {row['honest']} tasks of the honest tenant and"
            f" {row['hostile'] - row['capped']} other tasks of the hostile one)"
        )

    def _fairness(self, conn: Conn, honest_batch: uuid.UUID) -> str:
        """How much of the flood was still unclaimed when the first honest task was."""
        ids = [b.id for b in self.batches if b.attack == FLOOD]
        if not ids:
            return ""
        row = conn.execute(
            """
            select count(*) filter (where f.started_at is null or f.started_at > h.first)
                     as unclaimed,
                   count(*) as flood
            from public.ai_tasks as f,
                 (select min(started_at) as first from public.ai_tasks where batch_id = %s) as h
            where f.batch_id = any(%s)
            """,
            (honest_batch, ids),
        ).fetchone()
        assert row is not None
        return (
            f"; the first honest task was claimed with {row['unclaimed']} of the {row['flood']}"
            " flood tasks queued ahead of it still unclaimed"
        )

    def _listener(self) -> Check:
        heard = self.listener.requests()
        return Check(
            "no remote $ref of the hostile tenant is ever fetched",
            not heard,
            f"the listener at {self.listener.url} received {len(heard)} requests"
            + (f": {heard[:3]}" if heard else ""),
        )
