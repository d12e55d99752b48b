"""Synthetic finished history for bench/scale.py: grows ai_tasks to a given size, fast, with
rows shaped like the ones real runs leave behind.

What a row looks like: every input ran the course pipeline (outline 1:1 -> question 1:N
over 3 questions -> quiz N:1), so each input is 5 completed tasks: its root, 3 branches
(split_task_id and branch_index set) and the merge (parent: the split task), with inputs,
outputs, usage and provenance like the worker's. Per task 3 task_events (created as plan,
plan -> processing, processing -> completed) and 1 successful llm_calls row; per batch 3
batch_status events. Inputs are spread over OWNERS (100) users, each with their own
pipeline, in batches of 20 inputs (the first 10k tasks) then 200 inputs (the rest), and
over the last 30 days in input order (the newest rows are the most recent).

How: as the cluster's superuser, `INSERT ... SELECT generate_series` in chunks of 20,000
inputs (100,000 tasks) per transaction, with `session_replication_role = replica` set
local to that transaction: it turns off the triggers (counters, task trees, events,
NOTIFY, fan-out) AND the foreign-key checks, so ONLY this synthetic history bypasses them.
The same transactions then write what the triggers would have derived, consistent with
the rows: orchable.task_trees (one per input, nothing open, failed or cancelled),
orchable.merge_groups (one per split: 3 of 3 arrived, merged), the batches' counters and
status (total = completed = inputs, status completed, started and finished), and the
events. `check_consistent` verifies it with a recount. Ids are md5 of the input number,
so a second phase continues the first without collisions. `vacuum analyze` runs after
each growth, as autovacuum would after such a load. The live tasks the benchmark measures
go through the real RPCs (launch_batch, claim_tasks, complete_task, approve_task).
"""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psycopg

OWNERS = 100
TASKS_PER_INPUT = 5
CHUNK_INPUTS = 20_000
SPAN = "30 days"

PIPELINE_STAGES = [
    {"key": "outline", "template": "Outline quiz questions on {{topic}}", "next": ["question"]},
    {
        "key": "question",
        "template": "Answer {{item.text}}",
        "cardinality": "1:N",
        "split_path": "questions",
        "next": ["quiz"],
    },
    {
        "key": "quiz",
        "template": "Assemble a quiz from {{answers}}",
        "cardinality": "N:1",
        "merge_path": "answers",
    },
]

# The bench's own bookkeeping in the scale database (schema bench, never deployed): the
# owners with their templates, and the batches by number, which the INSERTs join.
BOOKKEEPING = """
create schema if not exists bench;
create unlogged table if not exists bench.owners (
    idx integer primary key, owner_id uuid not null, orchestrator_id uuid not null,
    tpl_outline text not null, tpl_question text not null, tpl_quiz text not null
);
create unlogged table if not exists bench.batches (
    n bigint primary key, id uuid not null, launch_id uuid not null, owner_idx integer not null
);
"""

BATCH_NUMBERS = f"""
insert into bench.batches (n, id, launch_id, owner_idx)
select n, md5('b' || n)::uuid, md5('l' || n)::uuid, n %% {OWNERS}
from generate_series(%(b0)s::bigint, %(b1)s::bigint - 1) as n
"""

BATCHES = """
insert into public.task_batches (
    id, owner_id, orchestrator_id, name, status, total_tasks, completed_tasks, failed_tasks,
    spent_usd, launch_id, created_at, updated_at, started_at, finished_at
)
select
    b.id, o.owner_id, o.orchestrator_id, 'history batch ' || b.n, 'completed',
    %(per_batch)s, %(per_batch)s, 0, %(per_batch)s * 0.0021, b.launch_id,
    s.started, s.finished, s.started + interval '1 second', s.finished
from bench.batches as b
join bench.owners as o on o.idx = b.owner_idx
cross join lateral (
    select
        %(t0)s::timestamptz + (%(k_base)s + (b.n - %(b0)s) * %(per_batch)s) * %(step)s::interval
            as started,
        %(t0)s::timestamptz + (%(k_base)s + (b.n - %(b0)s + 1) * %(per_batch)s) * %(step)s::interval
            + interval '30 seconds' as finished
) as s
where b.n >= %(b0)s and b.n < %(b1)s
"""

BATCH_EVENTS = """
insert into public.task_events (
    owner_id, batch_id, event, from_status, to_status, detail, created_at
)
select b.owner_id, b.id, 'batch_status', e.from_status, e.to_status,
    case e.to_status
        when 'pending' then jsonb_build_object('name', b.name)
        else jsonb_build_object('completed_tasks', e.done, 'failed_tasks', 0)
    end,
    case e.to_status when 'completed' then b.finished_at else b.created_at end
from public.task_batches as b
cross join lateral (values
    (null, 'pending', 0), ('pending', 'processing', 0), ('processing', 'completed', b.total_tasks)
) as e (from_status, to_status, done)
where b.id in (select id from bench.batches where n >= %(b0)s and n < %(b1)s)
"""

# One row per task of inputs k0 <= k < k1: j = 0 root (outline), 1..3 branches, 4 merge.
SOURCE = """
select
    s.k, s.j, s.id, s.root_id, s.created, b.id as batch_id, b.launch_id,
    o.owner_id, o.orchestrator_id,
    case s.j when 0 then 'outline' when 4 then 'quiz' else 'question' end as stage_key,
    case s.j when 0 then o.tpl_outline when 4 then o.tpl_quiz else o.tpl_question end as template_id
from (
    select
        k, j, md5('t' || k || ':' || j)::uuid as id, md5('t' || k || ':0')::uuid as root_id,
        %(b0)s + (k - %(k_base)s) / %(per_batch)s as batch_no,
        %(t0)s::timestamptz + k * %(step)s::interval + j * interval '5 seconds' as created
    from generate_series(%(k0)s::bigint, %(k1)s::bigint - 1) as k
    cross join generate_series(0, 4) as j
) as s
join bench.batches as b on b.n = s.batch_no
join bench.owners as o on o.idx = b.owner_idx
"""

TASKS = f"""
insert into public.ai_tasks (
    id, owner_id, orchestrator_id, batch_id, launch_id, task_type, stage_key, status,
    input_data, output_data, prompt_template_id, parent_task_id, root_task_id, hierarchy_path,
    step_number, split_task_id, branch_index, run_after, claim_count, usage, provenance,
    created_at, updated_at, started_at, completed_at
)
select
    s.id, s.owner_id, s.orchestrator_id, s.batch_id, s.launch_id,
    s.stage_key, s.stage_key, 'completed',
    case s.j
        when 0 then jsonb_build_object('topic', 'topic ' || s.k)
        when 4 then jsonb_build_object('answers', jsonb_build_array(
            jsonb_build_object('answer', 'Answer 0 on topic ' || s.k),
            jsonb_build_object('answer', 'Answer 1 on topic ' || s.k),
            jsonb_build_object('answer', 'Answer 2 on topic ' || s.k)))
        else jsonb_build_object('item', jsonb_build_object(
            'text', 'Question ' || (s.j - 1) || ' on topic ' || s.k), 'item_index', s.j - 1)
    end,
    case s.j
        when 0 then jsonb_build_object('questions', jsonb_build_array(
            jsonb_build_object('text', 'Question 0 on topic ' || s.k),
            jsonb_build_object('text', 'Question 1 on topic ' || s.k),
            jsonb_build_object('text', 'Question 2 on topic ' || s.k)))
        when 4 then jsonb_build_object('title', 'Quiz on topic ' || s.k)
        else jsonb_build_object('answer', 'Answer ' || (s.j - 1) || ' on topic ' || s.k)
    end,
    s.template_id,
    case when s.j > 0 then s.root_id end,
    s.root_id,
    case when s.j > 0 then jsonb_build_array(s.root_id) else '[]'::jsonb end,
    case when s.j > 0 then 2 else 1 end,
    case when s.j between 1 and 3 then s.root_id end,
    case when s.j between 1 and 3 then s.j - 1 end,
    s.created, 1,
    jsonb_build_object('input_tokens', 120 + 10 * s.j, 'output_tokens', 40 + s.k %% 60),
    jsonb_build_object(
        'provider', 'gemini', 'model', 'gemini-2.5-flash', 'response_id', 'r-' || s.k || '-' || s.j,
        'template_id', s.template_id, 'template_version', 1),
    s.created, s.created + interval '3 seconds', s.created + interval '500 milliseconds',
    s.created + interval '3 seconds'
from ({SOURCE}) as s
"""

TASK_EVENTS = f"""
insert into public.task_events (
    owner_id, batch_id, task_id, event, from_status, to_status, detail, created_at
)
select
    s.owner_id, s.batch_id, s.id, 'task_status', e.from_status, e.to_status,
    case when e.to_status = 'processing' then d.claimed else d.plain end,
    s.created + e.after
from ({SOURCE}) as s
cross join (values
    (null, 'plan', interval '0'),
    ('plan', 'processing', interval '500 milliseconds'),
    ('processing', 'completed', interval '3 seconds')
) as e (from_status, to_status, after)
join (
    select stage_key, w, jsonb_build_object('stage_key', stage_key) as plain,
        jsonb_build_object('stage_key', stage_key, 'worker', 'worker-' || w) as claimed
    from unnest(array['outline', 'question', 'quiz']) as stage_key
    cross join generate_series(0, 3) as w
) as d on d.stage_key = s.stage_key and d.w = s.k %% 4
"""

LLM_CALLS = f"""
insert into public.llm_calls (
    owner_id, batch_id, task_id, provider, model, attempt, outcome, http_status,
    input_tokens, output_tokens, latency_ms, cost_usd, response_id, created_at
)
select
    s.owner_id, s.batch_id, s.id, 'gemini', 'gemini-2.5-flash', 0, 'success', 200,
    120 + 10 * s.j, 40 + s.k %% 60, 800 + (s.k * 7 + s.j * 13) %% 2000,
    (120 + 10 * s.j) * 0.0000003 + (40 + s.k %% 60) * 0.0000025, 'r-' || s.k || '-' || s.j,
    s.created + interval '3 seconds'
from ({SOURCE}) as s
"""

TREES = """
insert into orchable.task_trees (root_task_id, batch_id)
select md5('t' || k || ':0')::uuid, b.id
from generate_series(%(k0)s::bigint, %(k1)s::bigint - 1) as k
join bench.batches as b on b.n = %(b0)s + (k - %(k_base)s) / %(per_batch)s
"""

MERGE_GROUPS = """
insert into orchable.merge_groups (
    split_task_id, merge_stage_key, expected_count, arrived_count, merged_at
)
select md5('t' || k || ':0')::uuid, 'quiz', 3, 3,
    %(t0)s::timestamptz + k * %(step)s::interval + interval '20 seconds'
from generate_series(%(k0)s::bigint, %(k1)s::bigint - 1) as k
"""


@dataclass
class History:
    """Where the synthetic history stands: inputs and batches written so far, and the
    time origin and step that spread inputs over SPAN for `planned_inputs` in all."""

    planned_inputs: int
    inputs: int = 0
    batches: int = 0
    t0: str = ""
    step: str = ""

    @property
    def tasks(self) -> int:
        return self.inputs * TASKS_PER_INPUT


def create_owners(conn: psycopg.Connection) -> list[uuid.UUID]:
    """OWNERS users, each with the course pipeline (through upsert_orchestrator), recorded
    in bench.owners. Returns the owner ids, owner 0 first."""
    conn.execute(BOOKKEEPING)
    owners: list[uuid.UUID] = []
    for idx in range(OWNERS):
        owner = uuid.uuid4()
        conn.execute(
            "insert into auth.users (id, email, role, aud)"
            " values (%s, %s, 'authenticated', 'authenticated')",
            (owner, f"scale-{idx}-{owner}@example.test"),
        )
        definition = {
            "name": "course history",
            "owner_id": str(owner),
            "entry": "outline",
            "stages": PIPELINE_STAGES,
        }
        orchestrator = conn.execute(
            "select (upsert_orchestrator(%s::jsonb)).id", (json.dumps(definition),)
        ).fetchone()[0]
        conn.execute(
            """
            insert into bench.owners
            select %s, %s, %s,
                max(id) filter (where stage_key = 'outline'),
                max(id) filter (where stage_key = 'question'),
                max(id) filter (where stage_key = 'quiz')
            from public.prompt_templates where orchestrator_id = %s and is_active
            """,
            (idx, owner, orchestrator, orchestrator),
        )
        owners.append(owner)
    return owners


def start(conn: psycopg.Connection, planned_tasks: int) -> History:
    """The time origin: inputs of the whole planned history spread over the last SPAN."""
    planned = planned_tasks // TASKS_PER_INPUT
    t0, step = conn.execute(
        f"select (now() - interval '{SPAN}')::text, (interval '{SPAN}' / %s)::text", (planned,)
    ).fetchone()
    return History(planned_inputs=planned, t0=t0, step=step)


def write_chunk(dsn: str, params: dict[str, object]) -> None:
    """One chunk of inputs in one transaction, triggers and foreign keys off: the tasks,
    their events and calls, their task trees and merge groups."""
    with psycopg.connect(dsn, autocommit=True) as conn, conn.transaction():
        conn.execute("set local session_replication_role = replica")
        for statement in (TASKS, TASK_EVENTS, LLM_CALLS, TREES, MERGE_GROUPS):
            conn.execute(statement, params)


def grow(dsn: str, history: History, tasks: int, batches: int, parallel: int = 2) -> None:
    """Adds finished history until ai_tasks holds about `tasks` synthetic tasks, in
    `batches` new batches (spread over the owners), in chunks written by `parallel`
    connections at once (the superuser's `dsn`); then vacuum analyze."""
    new_inputs = tasks // TASKS_PER_INPUT - history.inputs
    per_batch = max(1, new_inputs // batches)
    new_inputs = per_batch * batches
    params: dict[str, object] = {
        "b0": history.batches,
        "b1": history.batches + batches,
        "k_base": history.inputs,
        "per_batch": per_batch,
        "t0": history.t0,
        "step": history.step,
    }
    with psycopg.connect(dsn, autocommit=True) as conn, conn.transaction():
        conn.execute("set local session_replication_role = replica")
        for statement in (BATCH_NUMBERS, BATCHES, BATCH_EVENTS):
            conn.execute(statement, params)
    k_end = history.inputs + new_inputs
    chunks = [
        {**params, "k0": k0, "k1": min(k0 + CHUNK_INPUTS, k_end)}
        for k0 in range(history.inputs, k_end, CHUNK_INPUTS)
    ]
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        for future in [pool.submit(write_chunk, dsn, chunk) for chunk in chunks]:
            future.result()
    history.inputs = k_end
    history.batches += batches
    with psycopg.connect(dsn, autocommit=True) as conn:
        vacuum_analyze(conn)


def vacuum_analyze(conn: psycopg.Connection) -> None:
    """`vacuum analyze` of the tables the history touched (autocommit connection)."""
    for table in (
        "public.ai_tasks",
        "public.task_events",
        "public.llm_calls",
        "public.task_batches",
        "orchable.task_trees",
        "orchable.merge_groups",
    ):
        conn.execute(f"vacuum analyze {table}")


def check_consistent(conn: psycopg.Connection) -> None:
    """Recounts the derived rows from the tasks: every batch's total and completed equal
    its roots and its completed roots, every root has a task tree, every input 5 tasks,
    3 events and 1 call per task. Raises naming the first mismatch."""
    bad_batches = conn.execute(
        """
        select count(*) from public.task_batches as b
        left join lateral (
            select count(*) filter (where t.parent_task_id is null) as roots,
                count(*) filter (where t.parent_task_id is null and tr.open_count = 0
                    and tr.failed_count = 0 and tr.cancelled_count = 0) as done
            from public.ai_tasks as t
            left join orchable.task_trees as tr on tr.root_task_id = t.id
            where t.batch_id = b.id
        ) as c on true
        where b.total_tasks <> c.roots or b.completed_tasks <> c.done
        """
    ).fetchone()[0]
    tasks, roots, trees, events, calls = conn.execute(
        """
        select
            (select count(*) from public.ai_tasks),
            (select count(*) from public.ai_tasks where parent_task_id is null),
            (select count(*) from orchable.task_trees),
            (select count(*) from public.task_events where event = 'task_status'),
            (select count(*) from public.llm_calls)
        """
    ).fetchone()
    problems = []
    if bad_batches:
        problems.append(f"{bad_batches} batches whose counters differ from a recount")
    if trees != roots:
        problems.append(f"{trees} task trees for {roots} roots")
    if events < 3 * tasks or calls < tasks:
        problems.append(f"{events} task events and {calls} calls for {tasks} tasks")
    if problems:
        raise RuntimeError("synthetic history inconsistent: " + "; ".join(problems))
