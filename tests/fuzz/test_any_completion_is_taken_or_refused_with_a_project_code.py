"""complete_task and complete_tasks with random outputs, usage and provenance, and wrong,
unknown or null task ids and claim tokens: each completes or raises a project error, and
writes nothing if it raises."""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb
from support.databases import WORKER

from .harness import json_objects, json_values, sandbox, uuid_like

# Which task and which token: the claimed one, another claimed one, unknown or null.
PICKS = ("own", "other", "unknown", "null")

outputs = st.one_of(
    json_values,
    st.fixed_dictionaries({"questions": st.one_of(json_values, st.lists(json_values, max_size=3))}),
    st.just({"questions": [{"text": "a"}, {"text": "b"}]}),
)
provenances = st.one_of(
    json_values,
    json_objects,
    st.just({"provider": "gemini", "nested": [{"api_key": "x"}]}),
    st.fixed_dictionaries({"api_key": json_values}),
)


def pick(which: str, own: uuid.UUID, other: uuid.UUID) -> uuid.UUID | None:
    return {"own": own, "other": other, "unknown": uuid.uuid4(), "null": None}[which]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    task=st.sampled_from(PICKS),
    token=st.sampled_from(PICKS),
    output=st.one_of(st.none(), outputs),
    usage=st.one_of(st.none(), json_values),
    provenance=st.one_of(st.none(), provenances),
)
def test_any_single_completion_is_taken_or_refused_with_a_project_code(
    db, task: str, token: str, output: Any, usage: Any, provenance: Any
) -> None:
    with sandbox(db) as box:
        (task_id, claim_token), (other_id, other_token) = box.claimed_tasks(2)
        box.attempt(
            WORKER,
            "select public.complete_task(%s, %s, %s, %s, %s)",
            (
                pick(task, task_id, other_id),
                pick(token, claim_token, other_token),
                None if output is None else Jsonb(output),
                None if usage is None else Jsonb(usage),
                None if provenance is None else Jsonb(provenance),
            ),
        )


@st.composite
def result_arrays(draw: st.DrawFn, claimed: list[tuple[str, str]]) -> Any:
    """Arrays of elements mostly shaped like results, with wrong parts, or any JSON."""
    element = st.one_of(
        json_values,
        st.fixed_dictionaries(
            {
                "task_id": st.one_of(st.sampled_from([c[0] for c in claimed]), uuid_like),
                "claim_token": st.one_of(st.sampled_from([c[1] for c in claimed]), uuid_like),
            },
            optional={"output": outputs, "usage": json_values, "provenance": provenances},
        ),
    )
    return draw(st.one_of(json_values, st.lists(element, max_size=5)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_bulk_completion_is_taken_or_refused_with_a_project_code(db, data) -> None:
    with sandbox(db) as box:
        claimed = [(str(t), str(c)) for t, c in box.claimed_tasks(2)]
        results = data.draw(st.one_of(st.none(), result_arrays(claimed)), label="p_results")
        box.attempt(
            WORKER,
            "select * from public.complete_tasks(%s)",
            (None if results is None else Jsonb(results),),
        )
