"""record_llm_call and record_llm_calls with random providers, models, outcomes, counts and
task and key ids: each records the call or raises a project error, and writes nothing if it
raises."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb
from support.databases import WORKER

from .harness import huge_numbers, int32, json_values, sandbox, texts, uuid_like

OUTCOMES = [
    "success",
    "rate_limited",
    "overloaded",
    "server_error",
    "timeout",
    "invalid_output",
    "invalid_key",
    "invalid_request",
]
providers = st.one_of(st.none(), texts, st.just("gemini"))
models = st.one_of(st.none(), texts, st.sampled_from(["gemini-2.5-pro", "gemini-2.5-flash"]))
outcomes = st.one_of(st.none(), texts, st.sampled_from(OUTCOMES))
counts = st.one_of(st.none(), int32, st.sampled_from([0, 2**31 - 1, 2**30 + 1, 1_000_000]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    task=st.sampled_from(["own", "unknown", "null"]),
    key=st.sampled_from(["own", "unknown", "null"]),
    provider=providers,
    model=models,
    outcome=outcomes,
    tokens=st.tuples(counts, counts, counts, counts),
    latency=counts,
    http_status=st.one_of(st.none(), int32),
    error=st.one_of(st.none(), texts),
    response_id=st.one_of(st.none(), texts),
    budget=st.one_of(st.none(), json_values),
)
# Found by this test: output and thinking tokens of a priced model added up as integers.
@example(
    task="own",
    key="own",
    provider="gemini",
    model="gemini-2.5-pro",
    outcome="success",
    tokens=(0, 2**31 - 1, 0, 2**31 - 1),
    latency=None,
    http_status=None,
    error=None,
    response_id=None,
    budget=None,
)
def test_any_call_record_is_taken_or_refused_with_a_project_code(
    db,
    task,
    key,
    provider,
    model,
    outcome,
    tokens,
    latency,
    http_status,
    error,
    response_id,
    budget,
) -> None:
    with sandbox(db) as box:
        key_id = box.api_key()
        ((task_id, _),) = box.claimed_tasks(1)
        if budget is not None:
            box.conn.execute(
                "update public.task_batches"
                " set config = jsonb_build_object('budget_usd', %s::jsonb)"
                " where owner_id = %s",
                (Jsonb(budget), box.owner),
            )
        box.attempt(
            WORKER,
            "select * from public.record_llm_call(" + ", ".join(["%s"] * 13) + ")",
            (
                {"own": task_id, "unknown": box.owner, "null": None}[task],
                provider,
                model,
                outcome,
                {"own": key_id, "unknown": box.owner, "null": None}[key],
                *tokens,
                latency,
                http_status,
                error,
                response_id,
            ),
        )


@st.composite
def call_arrays(draw: st.DrawFn, task_id: str, key_id: str):
    count = st.one_of(counts, huge_numbers, json_values)
    element = st.one_of(
        json_values,
        st.fixed_dictionaries(
            {
                "task_id": st.one_of(st.just(task_id), uuid_like),
                "provider": st.one_of(providers, json_values),
                "model": st.one_of(models, json_values),
                "outcome": st.one_of(outcomes, json_values),
            },
            optional={
                "api_key_id": st.one_of(st.just(key_id), uuid_like),
                "input_tokens": count,
                "output_tokens": count,
                "cached_tokens": count,
                "thoughts_tokens": count,
                "latency_ms": count,
                "http_status": count,
                "error": st.one_of(texts, json_values),
                "response_id": st.one_of(texts, json_values),
            },
        ),
    )
    return draw(st.one_of(json_values, st.lists(element, max_size=4)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_bulk_call_record_is_taken_or_refused_with_a_project_code(db, data) -> None:
    with sandbox(db) as box:
        key_id = box.api_key()
        ((task_id, _),) = box.claimed_tasks(1)
        calls = data.draw(st.one_of(st.none(), call_arrays(str(task_id), str(key_id))))
        box.attempt(
            WORKER,
            "select public.record_llm_calls(%s)",
            (None if calls is None else Jsonb(calls),),
        )
