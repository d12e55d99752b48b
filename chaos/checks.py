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
from orchable.settings import DEFAULT_MODELS

from chaos.approver import Approver
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
# The failure kinds (orchable.failure_kinds) the mix's faults end an attempt with.
INJECTED_KINDS = ("server_error", "overloaded", "invalid_output", "timeout")
REJECTED = "rejected"  # reject_task's error_message: "rejected: <reason>"


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    figures: str

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'} {self.name}: {self.figures}"


def _one(conn: Conn, sql: str, *params: Any) -> dict[str, Any]:
    """The one row of `sql`; one dict as params is taken as named parameters."""
    given = params[0] if len(params) == 1 and isinstance(params[0], dict) else params
    row = conn.execute(sql, given).fetchone()
    assert row is not None
    return row


def outputs(conn: Conn, batch: uuid.UUID, settings: Settings, gave_up: set[uuid.UUID]) -> Check:
    """One completed task of the shape's final stage per input; an input without one must
    have a task that gave up for good on the injected faults or was rejected for good by
    the approver (see `failures`)."""
    shape = settings.shape
    roots = conn.execute(
        """
        select (r.input_data ->> 'n')::integer as n,
               (select count(*) from public.ai_tasks as m where m.root_task_id = r.id
                  and m.stage_key = %s and m.status = 'completed') as merges,
               array(select f.id from public.ai_tasks as f where f.root_task_id = r.id
                  and f.status = 'failed') as failed
        from public.ai_tasks as r where r.batch_id = %s and r.parent_task_id is null
        """,
        (shape.final, batch),
    ).fetchall()
    one = sum(1 for r in roots if r["merges"] == 1)
    many = sum(1 for r in roots if r["merges"] > 1)
    none = [r for r in roots if r["merges"] == 0]
    explained = sum(1 for r in none if r["failed"] and set(r["failed"]) <= gave_up)
    inputs = len({r["n"] for r in roots})
    passed = len(roots) == inputs == settings.inputs and one + explained == settings.inputs
    gave_up_how = "gave up after max retries" + (
        " or was rejected for good" if shape.approval_stages else ""
    )
    return Check(
        f"every input's {shape.output_noun} exists exactly once",
        passed,
        f"{one} of {settings.inputs} inputs have exactly one completed {shape.final} task; {many}"
        f" have more; {explained} have none because a task {gave_up_how} (reported below);"
        f" {len(none) - explained} have none otherwise ({len(roots)} root tasks for"
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
               (select k.kind from orchable.failure_kinds as k
                 where k.error_code = t.error_code) as failure_kind,
               (select count(distinct c.attempt) from public.llm_calls as c
                 where c.task_id = t.id and c.outcome <> 'success') as failed_attempts
        from public.ai_tasks as t where t.batch_id = %s and t.status = 'failed'
        """,
        (batch,),
    ).fetchall()


def _kind(message: str | None) -> str:
    return (message or "no message").split(":")[0].split(" (")[0]


def _gave_up(task: dict[str, Any], stranded: Counter[uuid.UUID], rejected: set[uuid.UUID]) -> bool:
    """Failed for good the way this chaos makes a task fail:
    - the code of a failure kind the mix's faults cause, every retry spent, a failed call
      on each of its max_retries + 1 attempts; or
    - poison (OR014) with each of its lease expiries explained: the task was held, on a
      lease still running, by a worker at the moment it was SIGKILLed, or whose
      connections were cut, at least as many times as its lease expired; or
    - rejected for good by the approver (`rejected`), and failed with its reason."""
    if task["error_code"] == POISON:
        return stranded[task["id"]] >= task["lease_expired_count"]
    if task["id"] in rejected:
        return task["error_code"] is None and _kind(task["error_message"]) == REJECTED
    return (
        task["failure_kind"] in INJECTED_KINDS
        and task["retry_count"] == task["max_retries"]
        and task["failed_attempts"] == task["max_retries"] + 1
    )


def failures(
    conn: Conn,
    batch: uuid.UUID,
    settings: Settings,
    stranded: Counter[uuid.UUID],
    rejected: set[uuid.UUID],
) -> tuple[Check, set[uuid.UUID]]:
    """`stranded`: how many times each task was held by a worker at its SIGKILL or cut;
    `rejected`: the tasks the approver rejected for good."""
    tasks = _failed_tasks(conn, batch)
    legit = [t for t in tasks if _gave_up(t, stranded, rejected)]
    system = [t for t in tasks if not _gave_up(t, stranded, rejected)]
    kinds = Counter(t["failure_kind"] or t["error_code"] for t in legit)
    codes = Counter(
        f"{t['error_code'] or 'no code'}: {_kind(t['error_message'])}"
        + (f" (stranded {stranded[t['id']]}x)" if t["error_code"] == POISON else "")
        for t in system
    )
    mix = settings.mix
    p = sum(mix.get(f, 0.0) for f in ATTEMPT_FAULTS) / (1 - mix.get("rate_limited", 0.0))
    tasks_total = settings.inputs * settings.shape.tasks_per_input(settings.fanout)
    expected = tasks_total * p ** (settings.max_retries + 1)
    figures = (
        f"{len(tasks)} failed tasks; {len(legit)} legitimate give-ups: "
        + (", ".join(f"{k} {n}" for k, n in kinds.most_common()) or "none")
        + f" (a fault of the mix on each of {settings.max_retries + 1} attempts, ~{expected:.0f}"
        f" expected at {p:.0%} faulty attempts; or {POISON} poison whose every lease expiry"
        f" is a SIGKILL or cut of the worker holding it"
        + (f"; or rejected for good by the approver, {len(rejected)} times" if rejected else "")
        + f"); {len(system)} failures of the system"
        + (" (" + ", ".join(f"{k} x{n}" for k, n in codes.most_common()) + ")" if system else "")
    )
    return Check("failed tasks are only give-ups on injected faults", not system, figures), {
        t["id"] for t in legit
    }


# A completed task's children of the next stage: one (1:1), or one per element of the
# list at split_path in its output (1:N).
_CHILDREN = """
    select count(*) as n from public.ai_tasks as p
    where p.batch_id = %(batch)s and p.stage_key = %(parent)s and p.status = 'completed'
      and (select count(*) from public.ai_tasks as c
            where c.parent_task_id = p.id and c.stage_key = %(child)s)
          <> case when %(path)s::text is null then 1
                  when jsonb_typeof(p.output_data #> string_to_array(%(path)s, '.')) = 'array'
                  then jsonb_array_length(p.output_data #> string_to_array(%(path)s, '.'))
                  else -1 end
"""
# A merge task is a child of its split's source task, made once all branches completed
# the stage before the merge (at once when the split was empty), else not at all.
_MERGE_CHILD = """
    select count(*) as n from public.ai_tasks as s
    where s.batch_id = %(batch)s and s.stage_key = %(source)s and s.status = 'completed'
      and (select count(*) from public.ai_tasks as m
            where m.parent_task_id = s.id and m.stage_key = %(merge)s)
          <> ((select count(*) from public.ai_tasks as b
                where b.split_task_id = s.id and b.stage_key = %(branch_end)s
                  and b.status = 'completed')
              = (select count(*) from public.ai_tasks as c
                  where c.parent_task_id = s.id and c.stage_key = %(split)s))::integer
"""


def _children_wrong(conn: Conn, batch: uuid.UUID, settings: Settings) -> dict[str, int]:
    """Per link of the shape, the completed tasks whose children are not what their
    completion implies: one child of a 1:1 next stage; one per element of the list a 1:N
    next stage splits (the worker keeps the model to `fanout`, a person may edit it); and
    the source task of a split has one merge child if all its branches completed the
    stage before the merge, else none."""
    shape = settings.shape
    merges = {m.stage: m for m in shape.merges()}
    wrong: dict[str, int] = {}
    for parent, child in shape.edges():
        params: dict[str, Any]
        if child.key in merges:
            m = merges[child.key]
            params = {"source": m.source, "merge": m.stage, "branch_end": m.branch_end}
            row = _one(conn, _MERGE_CHILD, {"batch": batch, "split": m.split, **params})
        else:
            params = {"parent": parent.key, "child": child.key, "path": child.split_path}
            row = _one(conn, _CHILDREN, {"batch": batch, **params})
        wrong[f"{parent.key}->{child.key}"] = row["n"]
    return wrong


def _lists_not_fanout(
    conn: Conn, batch: uuid.UUID, settings: Settings, edited: set[uuid.UUID]
) -> int:
    """Completed tasks whose list a split follows is not `fanout` long (the model's answers
    are, and the worker validates them), but for those a person edited."""
    shape, wrong = settings.shape, 0
    for parent, child in shape.edges():
        if child.cardinality == "1:N":
            wrong += _one(
                conn,
                """
                select count(*) as n from public.ai_tasks
                where batch_id = %(batch)s and stage_key = %(parent)s and status = 'completed'
                  and id <> all(%(edited)s)
                  and jsonb_typeof(output_data #> string_to_array(%(path)s, '.')) = 'array'
                  and jsonb_array_length(output_data #> string_to_array(%(path)s, '.'))
                      <> %(fanout)s
                """,
                {
                    "batch": batch,
                    "parent": parent.key,
                    "edited": list(edited),
                    "path": child.split_path,
                    "fanout": settings.fanout,
                },
            )["n"]
    return wrong


def duplicates(conn: Conn, batch: uuid.UUID, settings: Settings, edited: set[uuid.UUID]) -> Check:
    """`edited`: the tasks the approver approved with an edited output."""
    r = _one(
        conn,
        """
        select
          (select count(*) from (
             select 1 from public.ai_tasks where batch_id = %s and parent_task_id is not null
             group by parent_task_id, stage_key, branch_index having count(*) > 1) as d
          ) as duplicated,
          (select count(*) from public.ai_tasks as c
             join public.ai_tasks as p on p.id = c.parent_task_id
             where c.batch_id = %s and p.status <> 'completed') as orphans,
          (select count(*) from public.ai_tasks as t where t.batch_id = %s
             and (select count(*) from public.task_events as e where e.task_id = t.id
                    and e.event = 'task_status' and e.to_status = 'completed')
                 <> (t.status = 'completed')::integer) as completions_not_once
        """,
        batch,
        batch,
        batch,
    )
    wrong = _children_wrong(conn, batch, settings)
    widths = _lists_not_fanout(conn, batch, settings, edited) if settings.shape.splits else 0
    links = ", ".join(f"{link} {n}" for link, n in wrong.items())
    return Check(
        "no duplicate children, each task completed once",
        not any(r.values()) and not any(wrong.values()) and not widths,
        f"{r['duplicated']} (parent, stage, branch) with more than one child;"
        f" {sum(wrong.values())} completed tasks without the children their next stage"
        f" implies ({links})"
        + (
            f"; {widths} lists split not {settings.fanout} long"
            + (" (but for a person's edits)" if settings.shape.approval_stages else "")
            if settings.shape.splits
            else ""
        )
        + f"; {r['orphans']} children of a task not completed;"
        f" {r['completions_not_once']} tasks whose completion events are not one per completion",
    )


# Children whose place in the tree is not their parent's one step down: same owner, batch,
# launch and root, one step further, the parent appended to the hierarchy path.
_LINEAGE = """
    select count(*) as n from public.ai_tasks as c
    join public.ai_tasks as p on p.id = c.parent_task_id
    where c.batch_id = %(batch)s
      and (c.owner_id, c.batch_id, c.launch_id, c.root_task_id, c.step_number, c.hierarchy_path)
          is distinct from (p.owner_id, p.batch_id, p.launch_id, p.root_task_id,
                            p.step_number + 1, p.hierarchy_path || to_jsonb(p.id))
"""
# A 1:1 child: in its parent's branch, its input the parent's output (plus the mapping).
_ONE_TO_ONE = """
    select count(*) as n from public.ai_tasks as c
    join public.ai_tasks as p on p.id = c.parent_task_id
    where c.batch_id = %(batch)s and c.stage_key = %(stage)s
      and ((c.split_task_id, c.branch_index) is distinct from (p.split_task_id, p.branch_index)
           or not c.input_data @> p.output_data)
"""
# A 1:N child: a branch of its parent's split, its input the element at its index.
_BRANCH = """
    select count(*) as n from public.ai_tasks as c
    join public.ai_tasks as p on p.id = c.parent_task_id
    where c.batch_id = %(batch)s and c.stage_key = %(stage)s
      and (c.split_task_id is distinct from p.id
           or c.input_data -> 'item_index' is distinct from to_jsonb(c.branch_index)
           or c.input_data -> 'item'
              is distinct from p.output_data #> string_to_array(%(path)s, '.') -> c.branch_index)
"""
# A merge: in its split source's branch, its input the branches' outputs in split order.
_MERGE_INPUT = """
    select count(*) as n from public.ai_tasks as m
    join public.ai_tasks as s on s.id = m.parent_task_id
    where m.batch_id = %(batch)s and m.stage_key = %(stage)s
      and ((m.split_task_id, m.branch_index) is distinct from (s.split_task_id, s.branch_index)
           or m.input_data #> string_to_array(%(path)s, '.') is distinct from (
               select coalesce(jsonb_agg(b.output_data order by b.branch_index), '[]')
               from public.ai_tasks as b
               where b.split_task_id = s.id and b.stage_key = %(branch_end)s
                 and b.status = 'completed'))
"""


def lineage(conn: Conn, batch: uuid.UUID, settings: Settings) -> Check:
    """Every child sits one step below its parent (owner, batch, launch, root, hierarchy
    path, step) and has the input its stage's cardinality gives it: a 1:1 child the
    parent's output, a branch its element of the split list, a merge the branches'
    outputs in split order."""
    shape = settings.shape
    merges = {m.stage: m for m in shape.merges()}
    wrong = {"lineage": _one(conn, _LINEAGE, {"batch": batch})["n"]}
    for _, stage in shape.edges():
        params: dict[str, Any] = {"batch": batch, "stage": stage.key}
        if stage.key in merges:
            params |= {"path": stage.merge_path, "branch_end": merges[stage.key].branch_end}
            sql = _MERGE_INPUT
        elif stage.cardinality == "1:N":
            sql, params["path"] = _BRANCH, stage.split_path
        else:
            sql = _ONE_TO_ONE
        wrong[f"{stage.key} input"] = _one(conn, sql, params)["n"]
    tasks = _one(conn, "select count(*) as n from public.ai_tasks where batch_id = %s", batch)
    return Check(
        "every child's lineage and input follow from its parent",
        not any(wrong.values()),
        f"of {tasks['n']} tasks, wrong: "
        + ", ".join(f"{what} {n}" for what, n in wrong.items())
        + " (a merge's input: its branches' outputs in split order)",
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
            "select key_name from public.acquire_api_key(%s, 'gemini', %s, %s)",
            (owner, DEFAULT_MODELS["gemini"], at),
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


def approvals(conn: Conn, batch: uuid.UUID, settings: Settings, approver: Approver) -> Check:
    """Every decision of the approver took effect once, and nothing else did: the tasks
    approved are exactly those it approved, an edited one with its edit as output; the
    tasks failed with a rejection exactly those it rejected for good; as many generated ->
    plan events as it regenerated; no task of a stage that waits for a person completed
    without an approval; no decision refused but the bad edits (OR009, as they should)."""
    r = _one(
        conn,
        """
        select
          array(select id from public.ai_tasks where batch_id = %(batch)s
                and approved_at is not null) as approved,
          array(select id from public.ai_tasks where batch_id = %(batch)s
                and status = 'failed' and error_message like 'rejected: %%') as rejected,
          (select count(*) from public.task_events where batch_id = %(batch)s
             and event = 'task_status' and from_status = 'generated'
             and to_status = 'plan') as regenerated,
          (select count(*) from public.ai_tasks where batch_id = %(batch)s
             and stage_key = any(%(stages)s) and status = 'completed'
             and approved_at is null) as unapproved,
          (select coalesce(jsonb_object_agg(id, output_data), '{}') from public.ai_tasks
            where id = any(%(edited)s)) as edits
        """,
        {
            "batch": batch,
            "stages": list(settings.shape.approval_stages),
            "edited": list(approver.edited),
        },
    )
    approved, rejected = set(r["approved"]), set(r["rejected"])
    regenerated = sum(approver.regenerated.values())
    edits_lost = [t for t, out in approver.edited.items() if r["edits"].get(str(t)) != out]
    problems = [
        f"{what}: the approver {ours}, the database {theirs}"
        for what, ours, theirs in (
            ("approved", len(approver.approved), len(approved)),
            ("rejected for good", len(approver.rejected), len(rejected)),
            ("regenerated", regenerated, r["regenerated"]),
        )
        if ours != theirs
    ]
    if approved != approver.approved and not problems:
        problems.append("approved: other tasks than the approver's")
    if rejected != approver.rejected and not problems:
        problems.append("rejected for good: other tasks than the approver's")
    if edits_lost:
        problems.append(
            f"{len(edits_lost)} edited approvals without the edit, e.g. {edits_lost[0]}"
        )
    if r["unapproved"]:
        problems.append(f"{r['unapproved']} tasks of an approval stage completed unapproved")
    problems += approver.errors[:3]
    if len(approver.errors) > 3:
        problems.append(f"{len(approver.errors)} decisions went wrong in all")
    waits = sorted(approver.waits) or [0.0]
    figures = (
        f"{len(approved)} approved ({len(approver.edited)} with an edited output, kept),"
        f" {regenerated} rejected to regenerate ({len(approver.regenerated)} tasks),"
        f" {len(rejected)} rejected for good, as the approver decided in {approver.looks}"
        f" looks, as the owner; {approver.refused} bad edits refused with OR009, as they"
        f" should; a task waited for its decision from first seen median"
        f" {waits[len(waits) // 2]:.1f} s, max {waits[-1]:.1f} s; 0 completed unapproved"
    )
    return Check(
        "every approval decision took effect once",
        not problems,
        figures if not problems else "; ".join(problems),
    )
