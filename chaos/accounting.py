"""Does `llm_calls` account for every call the fake server received, and only for those?

The server's request log (`--log-file`) has one `received` line per request (its time,
the URL path, the API key, the behaviour the mix picked, the prompt) and an `answered`
line with the responseId of each answer it sent. Each worker calls the server under its
own path prefix (`/chaos-w7/v1beta/...`), so a request names the worker process that sent
it; each prompt starts with `[stage n/i/...]` (shapes.py), so it names its task.

Matching, each server request to at most one llm_calls row and back:
1. by response id: a row with a response_id matches the request the server answered with
   it (the same task and key, or it is a mismatch);
2. the rest, per task and key: a row matches the latest unmatched request received before
   it whose behaviour gives the row's outcome (rate_limited, server_error, overloaded, not_json ->
   invalid_output, slow -> timeout); then a `timeout` row (the worker stopped waiting) or
   a transport error matches any behaviour.
A row left over was recorded for a call the server never received: always a failure. A
request left over was never recorded. A worker writes its call records in the order it
queues them (ResultWriter: FIFO batches, one by one after a failed batch), and queues a
call's record as soon as the call ends, at most `call_timeout` after the server received
it. So a record missing while the same worker recorded a call the server received more
than `call_timeout + order_slack` later was dropped: a failure. One missing from a worker
that was SIGKILLed (and arrived before the kill), and that no later call of that worker
overtook, was in flight or still queued when the process died: excused, and counted.
Anything missing from a worker that was not SIGKILLed is a failure.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from chaos.processes import WorkerProcess
from chaos.shapes import Shape

Ident = tuple[str, int, tuple[int, ...]]  # (stage, input n, branch indexes)

_PROMPT = re.compile(r"^\[([a-z][a-z0-9_]*) (\d+)((?:/\d+)*)\]")
_PATH = re.compile(r"^/(chaos-w\d+)/")
# What the worker records for each behaviour of the mix.
OUTCOME_OF = {
    "ok": "success",
    "schema_breaking": "invalid_output",
    "not_json": "invalid_output",
    "rate_limited": "rate_limited",
    "server_error": "server_error",
    "overloaded": "overloaded",
    "slow": "timeout",
}
_ROW_SLACK = 0.5  # seconds: a row's created_at vs its request's arrival (one host clock)
_KILL_SLACK = 1.0  # bytes already sent may reach the server just after the kill


@dataclass
class Request:
    seq: int
    t: float
    worker: str | None
    key: str | None
    behaviour: str
    ident: Ident | None
    response_id: str | None = None


@dataclass
class Row:
    id: int
    t: float
    outcome: str
    response_id: str | None
    error: str | None
    key: str | None  # the secret of its api_key_id, to compare with the request's
    ident: Ident


@dataclass
class Result:
    received: int = 0
    rows: int = 0
    by_response_id: int = 0
    by_task: int = 0
    loose: int = 0
    excused: list[tuple[Request, float]] = field(default_factory=list)  # (request, age at kill)
    unrecorded: list[tuple[Request, str]] = field(default_factory=list)  # (request, why)
    recorded: dict[str, float] = field(default_factory=dict)  # worker -> last recorded arrival
    phantom: list[Row] = field(default_factory=list)
    duplicate: list[Row] = field(default_factory=list)
    mismatch: list[str] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)  # row created_at - request arrival

    @property
    def passed(self) -> bool:
        return not (self.unrecorded or self.phantom or self.duplicate or self.mismatch)


def _prompt_of(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    texts = [
        part.get("text", "")
        for content in body.get("contents") or []
        if isinstance(content, dict)
        for part in content.get("parts") or []
        if isinstance(part, dict)
    ]
    return "".join(t for t in texts if isinstance(t, str))


def parse_ident(prompt: str) -> Ident | None:
    match = _PROMPT.match(prompt)
    if match is None:
        return None
    stage, n, indexes = match.groups()
    return stage, int(n), tuple(int(i) for i in indexes.split("/")[1:])


def read_log(path: Path) -> list[Request]:
    requests: dict[int, Request] = {}
    for line in path.read_text().splitlines():
        entry = json.loads(line)
        if entry["event"] == "received":
            worker = _PATH.match(entry["path"])
            requests[entry["seq"]] = Request(
                seq=entry["seq"],
                t=entry["t"],
                worker=worker.group(1) if worker else None,
                key=entry["api_key"],
                behaviour=entry["behaviour"],
                ident=parse_ident(_prompt_of(entry["body"])),
            )
        elif entry["seq"] in requests:
            requests[entry["seq"]].response_id = entry.get("response_id")
    return list(requests.values())


def _ident(shape: Shape, stage_key: str, data: dict[str, Any]) -> Ident:
    """A task's ident from its input, as its prompt's tag spells it."""
    stage = shape.stage(stage_key)
    indexes = tuple(int(data[key]) for key in stage.tag) if stage else ()
    return stage_key, int(data["n"]), indexes


def read_rows(
    conn: psycopg.Connection[dict[str, Any]],
    batch_id: uuid.UUID,
    secrets: dict[uuid.UUID, str],
    shape: Shape,
) -> list[Row]:
    rows = conn.execute(
        """
        select c.id, extract(epoch from c.created_at)::float as t, c.outcome, c.response_id,
               c.error, c.api_key_id, t.stage_key, t.input_data
        from public.llm_calls as c join public.ai_tasks as t on t.id = c.task_id
        where c.batch_id = %s order by c.id
        """,
        (batch_id,),
    ).fetchall()
    return [
        Row(
            id=r["id"],
            t=r["t"],
            outcome=r["outcome"],
            response_id=r["response_id"],
            error=r["error"],
            key=secrets.get(r["api_key_id"]),
            ident=_ident(shape, r["stage_key"], r["input_data"]),
        )
        for r in rows
    ]


def _loose(row: Row) -> bool:
    """The worker gave up on the call (timeout, its own stop) or lost the connection: any
    answer the server meant to give is consistent with it."""
    return row.outcome == "timeout" or (
        row.outcome == "server_error" and "transport error" in (row.error or "")
    )


def _match_by_response_id(
    rows: list[Row], requests: list[Request], result: Result
) -> tuple[list[Row], set[int]]:
    """The rows without a response id, and the requests matched by one."""
    by_id = {r.response_id: r for r in requests if r.response_id}
    matched: set[int] = set()
    rest: list[Row] = []
    for row in rows:
        if row.response_id is None:
            rest.append(row)
            continue
        request = by_id.get(row.response_id)
        if request is None:
            result.phantom.append(row)
        elif request.seq in matched:
            result.duplicate.append(row)
        else:
            matched.add(request.seq)
            result.by_response_id += 1
            _note(result, request, row)
            if (request.ident, request.key) != (row.ident, row.key) or OUTCOME_OF.get(
                request.behaviour
            ) != row.outcome:
                result.mismatch.append(
                    f"response {row.response_id}: request {request.ident} {request.behaviour}"
                    f" recorded as {row.ident} {row.outcome}"
                )
    return rest, matched


def _take(row: Row, candidates: list[Request], fits: bool, result: Result, taken: set[int]) -> bool:
    best: Request | None = None
    for request in candidates:
        if request.seq in taken or request.t > row.t + _ROW_SLACK:
            continue
        if not fits and OUTCOME_OF.get(request.behaviour) != row.outcome:
            continue
        if best is None or request.t > best.t:
            best = request
    if best is None:
        return False
    taken.add(best.seq)
    _note(result, best, row)
    return True


def _note(result: Result, request: Request, row: Row) -> None:
    result.delays.append(row.t - request.t)
    if request.worker is not None:
        last = result.recorded.get(request.worker, 0.0)
        result.recorded[request.worker] = max(last, request.t)


def _match_by_task(rows: list[Row], requests: list[Request], result: Result) -> list[Request]:
    groups: dict[tuple[Ident, str | None], list[Request]] = defaultdict(list)
    for request in requests:
        if request.ident is not None:
            groups[(request.ident, request.key)].append(request)
    taken: set[int] = set()
    left: list[Row] = []
    for row in sorted(rows, key=lambda r: r.t):
        if _take(row, groups[(row.ident, row.key)], False, result, taken):
            result.by_task += 1
        else:
            left.append(row)
    for row in left:
        if _loose(row) and _take(row, groups[(row.ident, row.key)], True, result, taken):
            result.loose += 1
        else:
            result.phantom.append(row)
    return [r for group in groups.values() for r in group if r.seq not in taken]


def _excuse(
    request: Request, worker: WorkerProcess, result: Result, call_timeout: float, slack: float
) -> str | None:
    """Why a request missing from llm_calls is a failure, or None when it is excused."""
    if worker.end != "sigkill" or worker.ended_at is None:
        return f"{worker.name} was not SIGKILLed ({worker.end or 'alive'})"
    if request.t > worker.ended_at + _KILL_SLACK:
        return f"arrived {request.t - worker.ended_at:.1f} s after {worker.name} was killed"
    overtaken = result.recorded.get(worker.name, 0.0) - request.t
    if overtaken > call_timeout + slack:
        return f"{worker.name} recorded a call that arrived {overtaken:.1f} s later"
    return None


def account(
    requests: list[Request],
    rows: list[Row],
    workers: dict[str, WorkerProcess],
    call_timeout: float,
    slack: float,
) -> Result:
    result = Result(received=len(requests), rows=len(rows))
    unknown = [r for r in requests if r.ident is None or r.worker not in workers]
    result.mismatch += [f"request {r.seq}: no task or worker in it ({r.worker})" for r in unknown]
    known = [r for r in requests if r.ident is not None and r.worker in workers]
    rest, matched = _match_by_response_id(rows, known, result)
    leftover = _match_by_task(rest, [r for r in known if r.seq not in matched], result)
    for request in leftover:
        worker = workers[request.worker or ""]
        why = _excuse(request, worker, result, call_timeout, slack)
        if why is None:
            result.excused.append((request, (worker.ended_at or 0.0) - request.t))
        else:
            result.unrecorded.append((request, why))
    return result


def describe(result: Result, killed: int, call_timeout: float, slack: float) -> list[str]:
    delays = sorted(result.delays) or [0.0]
    p99 = delays[min(len(delays) - 1, int(0.99 * len(delays)))]
    matched = result.by_response_id + result.by_task + result.loose
    lines = [
        f"server received {result.received} requests; llm_calls has {result.rows} rows;"
        f" {matched} matched ({result.by_response_id} by response id, {result.by_task} by"
        f" task+key+outcome, {result.loose} timeouts/transport errors by task+key)",
        f"a row lands after its request arrived: p99 {p99:.2f} s, max {delays[-1]:.2f} s",
    ]
    ages = sorted(age for _, age in result.excused)
    by_worker = {request.worker for request, _ in result.excused}
    lines.append(
        f"excused {len(result.excused)} unrecorded requests of {len(by_worker)} of the {killed}"
        " SIGKILLed workers: each arrived before its worker's SIGKILL and no call that worker"
        f" made over {call_timeout + slack:g} s later was recorded (its record was in flight"
        " or queued when the process died)"
        + (f"; they arrived {ages[0]:.2f}..{ages[-1]:.2f} s before the kill" if ages else "")
    )
    for what, items in (
        ("never recorded and not excused", [f"{r} ({why})" for r, why in result.unrecorded]),
        ("recorded but never received", result.phantom),
        ("recorded twice (one response id)", result.duplicate),
        ("inconsistent", result.mismatch),
    ):
        if items:
            lines.append(f"{len(items)} {what}, e.g. {items[:3]}")
    return lines
