"""report_task_failure with every kind and random ones, random errors and providers, and
wrong, unknown or null task ids and claim tokens: it records the failure or raises a
project error, and writes nothing if it raises."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from orchable.db.worker_rpc import FailureKind
from support.databases import WORKER

from .harness import sandbox, texts

PICKS = ("own", "other", "unknown", "null")


def pick(which: str, own: uuid.UUID, other: uuid.UUID) -> uuid.UUID | None:
    return {"own": own, "other": other, "unknown": uuid.uuid4(), "null": None}[which]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    task=st.sampled_from(PICKS),
    token=st.sampled_from(PICKS),
    error=st.one_of(st.none(), texts),
    kind=st.one_of(st.sampled_from([k.value for k in FailureKind]), st.none(), texts),
    provider=st.one_of(st.none(), st.just("gemini"), texts),
    times=st.integers(1, 3),
)
def test_any_failure_report_is_taken_or_refused_with_a_project_code(
    db,
    task: str,
    token: str,
    kind: str | None,
    error: str | None,
    provider: str | None,
    times: int,
) -> None:
    with sandbox(db) as box:
        (task_id, claim_token), (other_id, other_token) = box.claimed_tasks(2)
        for _ in range(times):  # a second report with the same claim is stale
            box.attempt(
                WORKER,
                "select public.report_task_failure(%s, %s, %s, %s, %s)",
                (
                    pick(task, task_id, other_id),
                    pick(token, claim_token, other_token),
                    kind,
                    error,
                    provider,
                ),
            )
