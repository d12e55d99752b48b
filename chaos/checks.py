"""The invariants, read from the database once the workers have stopped. Each check gives
one line: PASS or FAIL, its name and its figures."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

import psycopg

from chaos.settings import Settings

Conn = psycopg.Connection[dict[str, Any]]
# The faults of the mix that fail an attempt (a rate limit only rotates the key; overloaded
# fails it, as the stages have no fallback model).
ATTEMPT_FAULTS = ("server_error", "overloaded", "not_json", "schema_breaking", "slow")
# The longest cooldown report_api_key_result gives for the mix's faults: 5 s * 2^(streak - 1)
# up to 300 s for server errors and timeouts; a rate limit's Retry-After (the fake's).
MAX_COOLDOWN = 300.0
POISON = "OR014"  # the lease expired too many times
# How the worker words a failed call (ProviderError: "<kind> (HTTP n): ...").
INJECTED_KINDS = ("server_error", "overloaded", "invalid_output", "timeout", "rate_limited")


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    figures: str

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'} {self.name}: {self.figures}"


def _one(conn: Conn, sql: str, *params: Any) -> dict[str, Any]:
    row = conn.execute(sql, params).fetchone()
    assert row is not None
    return row


def outputs(conn: Conn, batch: uuid.UUID, settings: Settings, gave_up: set[uuid.UUID]) -> Check:
    """One completed merge per input; an input without one must have a task that gave up
    for good on the injected faults (see `failures`)."""
    roots = conn.execute(
        """
        select (r.input_data ->> 'n')::integer as n,
               (select count(*) from public.ai_tasks as m where m.root_task_id = r.id
                  and m.stage_key = 'merge' and m.status = 'completed') as merges,
               array(select f.id from public.ai_tasks as f where f.root_task_id = r.id
                  and f.status = 'failed') as failed
        from public.ai_tasks as r where r.batch_id = %s and r.parent_task_id is null
        """,
        (batch,),
    ).fetchall()
    one = sum(1 for r in roots if r["merges"] == 1)
    many = sum(1 for r in roots if r["merges"] > 1)
    none = [r for r in roots if r["merges"] == 0]
    explained = sum(1 for r in none if r["failed"] and set(r["failed"]) <= gave_up)
    inputs = len({r["n"] for r in roots})
    passed = len(roots) == inputs == settings.inputs and one + explained == settings.inputs
    return Check(
        "every input's merged output exists exactly once",
        passed,
        f"{one} of {settings.inputs} inputs have exactly one completed merge; {many} have"
        f" more; {explained} have none because a task gave up after max retries (reported"
        f" below); {len(none) - explained} have none otherwise ({len(roots)} root tasks for"
        f" {inputs} distinct inputs)",
    )


def unfinished(conn: Conn, batch: uuid.UUID) -> Check:
    rows = conn.execute(
        "select status, count(*) as n from public.ai_tasks where batch_id = %s group by status",
        (batch,),
    ).fetchall()
    counts = {r["status"]: r["n"] for r in rows}
    stuck = {s: counts.get(s, 0) for s in ("processing", "plan", "generated", "cancelled")}
    return Check(
        "nothing unfinished",
        not any(stuck.values()),
        ", ".join(f"{n} {s}" for s, n in stuck.items())
        + f" (of {sum(counts.values())} tasks: {counts.get('completed', 0)} completed,"
        f" {counts.get('failed', 0)} failed)",
    )


def _failed_tasks(conn: Conn, batch: uuid.UUID) -> list[dict[str, Any]]:
    return conn.execute(
        """
        select t.id, t.stage_key, t.error_code, t.error_message, t.retry_count, t.max_retries,
               t.lease_expired_count,
               (select count(distinct c.attempt) from public.llm_calls as c
                 where c.task_id = t.id and c.outcome <> 'success') as failed_attempts
        from public.ai_tasks as t where t.batch_id = %s and t.status = 'failed'
        """,
        (batch,),
    ).fetchall()


def _kind(message: str | None) -> str:
    return (message or "no message").split(":")[0].split(" (")[0]


def _gave_up(task: dict[str, Any], stranded: Counter[uuid.UUID]) -> bool:
    """Failed for good the way this chaos makes a task fail:
    - no orchable error code, every retry spent, a failed call on each of its
      max_retries + 1 attempts (the mix's faults); or
    - poison (OR014) with each of its lease expiries explained: the task was held by a
      worker at the moment it was SIGKILLed, or whose connections were cut, at least as
      many times as its lease expired."""
    if task["error_code"] == POISON:
        return stranded[task["id"]] >= task["lease_expired_count"]
    return (
        task["error_code"] is None
        and task["retry_count"] == task["max_retries"]
        and task["failed_attempts"] == task["max_retries"] + 1
        and _kind(task["error_message"]) in INJECTED_KINDS
    )


def failures(
    conn: Conn, batch: uuid.UUID, settings: Settings, stranded: Counter[uuid.UUID]
) -> tuple[Check, set[uuid.UUID]]:
    """`stranded`: how many times each task was held by a worker at its SIGKILL or cut."""
    tasks = _failed_tasks(conn, batch)
    legit = [t for t in tasks if _gave_up(t, stranded)]
    system = [t for t in tasks if not _gave_up(t, stranded)]
    kinds = Counter(t["error_code"] or _kind(t["error_message"]) for t in legit)
    codes = Counter(
        f"{t['error_code'] or 'no code'}: {_kind(t['error_message'])}"
        + (f" (stranded {stranded[t['id']]}x)" if t["error_code"] == POISON else "")
        for t in system
    )
    mix = settings.mix
    p = sum(mix.get(f, 0.0) for f in ATTEMPT_FAULTS) / (1 - mix.get("rate_limited", 0.0))
    tasks_total = settings.inputs * (settings.fanout + 2)
    expected = tasks_total * p ** (settings.max_retries + 1)
    figures = (
        f"{len(tasks)} failed tasks; {len(legit)} legitimate give-ups: "
        + (", ".join(f"{k} {n}" for k, n in kinds.most_common()) or "none")
        + f" (a fault of the mix on each of {settings.max_retries + 1} attempts, ~{expected:.0f}"
        f" expected at {p:.0%} faulty attempts; or {POISON} poison whose every lease expiry"
        f" is a SIGKILL or cut of the worker holding it); {len(system)} failures of the system"
        + (" (" + ", ".join(f"{k} x{n}" for k, n in codes.most_common()) + ")" if system else "")
    )
    return Check("failed tasks are only give-ups on injected faults", not system, figures), {
        t["id"] for t in legit
    }


def duplicates(conn: Conn, batch: uuid.UUID, settings: Settings) -> Check:
    r = _one(
        conn,
        """
        select
          (select count(*) from (
             select 1 from public.ai_tasks where batch_id = %s and parent_task_id is not null
             group by parent_task_id, stage_key, branch_index having count(*) > 1) as d
          ) as duplicated,
          (select count(*) from public.ai_tasks as o where o.batch_id = %s
             and o.stage_key = 'outline' and o.status = 'completed'
             and (select count(*) from public.ai_tasks as i where i.parent_task_id = o.id
                    and i.stage_key = 'item') <> %s) as wrong_fanout,
          (select count(*) from public.ai_tasks as t where t.batch_id = %s
             and (select count(*) from public.task_events as e where e.task_id = t.id
                    and e.event = 'task_status' and e.to_status = 'completed')
                 <> (t.status = 'completed')::integer) as completions_not_once
        """,
        batch,
        batch,
        settings.fanout,
        batch,
    )
    return Check(
        "no duplicate children, each task completed once",
        not any(r.values()),
        f"{r['duplicated']} (parent, stage, branch) with more than one child;"
        f" {r['wrong_fanout']} completed outlines without exactly {settings.fanout} items;"
        f" {r['completions_not_once']} tasks whose completion events are not one per completion",
    )


def counters(conn: Conn, batch: uuid.UUID) -> Check:
    r = _one(
        conn,
        """
        select b.status, b.total_tasks, b.completed_tasks, b.failed_tasks,
               r.roots, r.completed, r.failed
        from public.task_batches as b, lateral (
            select count(*) as roots,
                   count(*) filter (where not exists (
                       select from public.ai_tasks as t where t.root_task_id = x.id
                       and t.status in ('plan', 'processing', 'generated', 'failed', 'cancelled')
                   )) as completed,
                   count(*) filter (where exists (
                       select from public.ai_tasks as t where t.root_task_id = x.id
                       and t.status = 'failed'
                   )) as failed
            from public.ai_tasks as x where x.batch_id = b.id and x.parent_task_id is null
        ) as r
        where b.id = %s
        """,
        batch,
    )
    if r["completed"] == r["roots"]:
        status = "completed"
    elif r["completed"] + r["failed"] == r["roots"]:
        status = "failed"
    else:
        status = "processing"
    stored = (r["total_tasks"], r["completed_tasks"], r["failed_tasks"], r["status"])
    recount = (r["roots"], r["completed"], r["failed"], status)
    return Check(
        "batch counters equal a recount",
        stored == recount,
        f"total/completed/failed/status stored {stored}, recounted {recount}",
    )


def _handed_out_after_cooldowns(conn: Conn, owner: uuid.UUID, count: int, at: Any) -> set[str]:
    """The keys acquire_api_key hands out, `count` times, at the moment `at` (p_now): each
    active key unblocked by then, least recently used first, so each once."""
    names: set[str] = set()
    for _ in range(count):
        row = conn.execute(
            "select key_name from public.acquire_api_key(%s, 'gemini', 'gemini-2.5-flash', %s)",
            (owner, at),
        ).fetchone()
        if row is not None:
            names.add(row["key_name"])
    return names


def keys(conn: Conn, owner: uuid.UUID, settings: Settings) -> Check:
    """No key deactivated (the mix has no invalid key); none blocked now, or, for a key
    still in a cooldown the run could not wait out, a cooldown within the product's longest
    (MAX_COOLDOWN) after which acquire_api_key hands the key out again."""
    rows = conn.execute(
        """
        select k.key_name, k.is_active, h.block_reason, h.consecutive_failures as streak,
               h.total_calls, h.total_failures, h.blocked_until,
               coalesce(extract(epoch from h.blocked_until - now()), 0)::float as blocked_for
        from public.user_api_keys as k
        join public.api_key_health as h on h.user_api_key_id = k.id
        where k.owner_id = %s order by k.key_name
        """,
        (owner,),
    ).fetchall()
    inactive = [r["key_name"] for r in rows if not r["is_active"]]
    blocked = [r for r in rows if r["blocked_for"] > 0]
    # A rate limit's cooldown is the Retry-After the fake sent (the worker rounds it up).
    longest = max(MAX_COOLDOWN, math.ceil(settings.retry_after))
    too_long = [r["key_name"] for r in blocked if r["blocked_for"] > longest]
    handed: set[str] = {r["key_name"] for r in rows}
    if blocked:
        until = max(r["blocked_until"] for r in blocked) + dt.timedelta(seconds=1)
        handed = _handed_out_after_cooldowns(conn, owner, len(rows), until)
    calls = [r["total_calls"] for r in rows]
    fails = [r["total_failures"] for r in rows]
    still = ", ".join(
        f"{r['key_name']} {r['block_reason']} streak {r['streak']}, {r['blocked_for']:.0f} s left"
        for r in blocked
    )
    figures = (
        f"{len(rows) - len(inactive)} of {settings.keys} keys active"
        + (f" (deactivated: {inactive})" if inactive else "")
        + f", {len(blocked)} still in a cooldown"
        + (f" ({still}; acquire_api_key at its end hands out {len(handed)} keys)" if still else "")
        + (f"; blocked over {longest} s: {too_long}" if too_long else "")
        + f"; calls per key {min(calls, default=0)}..{max(calls, default=0)},"
        f" failures per key {min(fails, default=0)}..{max(fails, default=0)}"
    )
    passed = (
        len(rows) == settings.keys and not inactive and not too_long and len(handed) == len(rows)
    )
    return Check("every key is healthy again after its cooldown", passed, figures)


def outputs_were_answers(conn: Conn, batch: uuid.UUID, ok_ids: set[str]) -> Check:
    rows = conn.execute(
        "select provenance ->> 'response_id' as rid from public.ai_tasks"
        " where batch_id = %s and status = 'completed'",
        (batch,),
    ).fetchall()
    foreign = [r["rid"] for r in rows if r["rid"] not in ok_ids]
    return Check(
        "every completed output is a good answer the server sent",
        not foreign,
        f"{len(rows) - len(foreign)} of {len(rows)} completed tasks carry the response id of an"
        f" answer the server meant to be good" + (f"; not: {foreign[:3]}" if foreign else ""),
    )
