"""launch_batch with random inputs, config, names, idempotency keys and orchestrator ids: it
launches or raises a project error, and writes nothing if it raises."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb

from .harness import json_objects, json_values, sandbox, texts

configs = st.one_of(
    json_values,
    json_objects,
    st.fixed_dictionaries(
        {},
        optional={
            "ai_settings": json_values,
            "budget_usd": json_values,
            "model": json_values,
        },
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    inputs=st.one_of(json_values, st.lists(json_values, max_size=5)),
    config=st.one_of(st.none(), configs),
    name=st.one_of(st.none(), texts),
    idempotency_key=st.one_of(st.none(), texts),
    which=st.sampled_from(["own", "unknown", "null"]),
    again=st.booleans(),
)
def test_any_launch_input_is_launched_or_refused_with_a_project_code(
    db,
    inputs: Any,
    config: Any,
    name: str | None,
    idempotency_key: str | None,
    which: str,
    again: bool,
) -> None:
    with sandbox(db) as box:
        orchestrator_id = {"own": box.pipeline(), "unknown": None, "null": None}[which]
        if which == "unknown":
            orchestrator_id = box.owner  # a uuid that is no orchestrator
        for _ in range(2 if again else 1):  # again: the same idempotency key twice
            box.attempt(
                "authenticated",
                "select * from public.launch_batch(%s, %s, %s, coalesce(%s, '{}'::jsonb), %s)",
                (
                    orchestrator_id,
                    Jsonb(inputs),
                    name,
                    None if config is None else Jsonb(config),
                    idempotency_key,
                ),
                user=box.owner,
            )
