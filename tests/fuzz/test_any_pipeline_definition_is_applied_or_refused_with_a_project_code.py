"""upsert_orchestrator with random JSON, and with valid definitions one field of which is
mutated: it applies the pipeline or raises a project error, and writes nothing if it raises."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb

from .harness import Mutation, fuzzed_course, huge_numbers, json_values, sandbox, texts

STAGES = 3  # in the course builder
STAGE_FIELDS = (
    "key",
    "template",
    "next",
    "cardinality",
    "split_path",
    "merge_path",
    "input_mapping",
    "input_schema",
    "output_schema",
    "requires_approval",
    "ai_settings",
    "max_retries",
    "name",
    "description",
    "task_type",
)

wrong_values = st.one_of(
    json_values,
    huge_numbers,
    st.sampled_from(
        [
            ["nowhere"],
            ["outline"],  # a cycle, from any later stage
            ["question", "question"],
            [None],
            [1, True],
            "1:N",
            "N:1",
            "",
            " ",
            "a..b",
            "Étape",
            "clé_ü",
            {"x": "input.a"},
            {"x": "output"},
            {"x": 1},
            0,
            100,
            101,
            -1,
            3.5,
            5.0,
            1e2,
        ]
    ),
)


@st.composite
def mutations(draw: st.DrawFn) -> Mutation:
    """One field of the fuzzed course set to a wrong value, dropped, or a stage added; and
    maybe a key of any name at the top."""
    where = draw(st.sampled_from(["stage", "top", "drop", "stages"]))
    stage = draw(st.integers(0, STAGES - 1))
    field = draw(st.sampled_from(STAGE_FIELDS))
    value: Any = None
    if where == "stage":
        value = draw(wrong_values)
    elif where == "top":
        field = draw(st.sampled_from(["name", "entry", "description", "stages"]))
        value = draw(wrong_values)
    elif where == "stages":
        value = draw(st.one_of(json_values, st.just(Ellipsis)))  # Ellipsis: the first stage
    extra = (draw(texts), draw(json_values)) if draw(st.booleans()) else None
    return Mutation(where, stage, field, value, extra)


definitions = st.one_of(json_values, mutations(), mutations())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definition=definitions, twice=st.booleans())
# Found by this test: a whole max_retries written 5.0 was accepted, then failed its cast.
@example(
    definition={
        "name": "p",
        "entry": "s",
        "stages": [{"key": "s", "template": "x", "max_retries": 5.0}],
    },
    twice=False,
)
def test_any_pipeline_definition_is_applied_or_refused_with_a_project_code(
    db, definition: Any, twice: bool
) -> None:
    with sandbox(db) as box:
        if isinstance(definition, Mutation):
            definition = definition.apply(fuzzed_course(box.conn))
        if twice:  # an update of an existing pipeline, not only a creation
            box.pipeline()
        box.attempt(
            "authenticated",
            "select * from public.upsert_orchestrator(%s)",
            (Jsonb(definition),),
            user=box.owner,
        )
