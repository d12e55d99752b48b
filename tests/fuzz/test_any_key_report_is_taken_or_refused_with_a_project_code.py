"""add_api_key, report_api_key_result and report_api_key_results with random providers,
keys, names, priorities, owners, outcomes, retry-afters and JSON: each succeeds or raises
a project error, and writes nothing if it raises."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.databases import WORKER

from .harness import huge_numbers, int32, json_values, sandbox, texts

providers = st.one_of(
    st.none(), texts, st.sampled_from(["gemini", " OpenAI ", "a.b-c_d", "1x", "gé", "x y", ""])
)
keys = st.one_of(
    st.none(),
    texts,
    st.sampled_from(
        ["AIzaSyFUZZFUZZFUZZFUZZFUZZ", " sk-abc ", "a\tb", "k\u00a0ey", "\u2003", "x" * 5000]
    ),
)
outcomes = st.one_of(
    st.none(),
    texts,
    st.sampled_from(
        ["success", "rate_limited", "server_error", "timeout", "invalid_key", "SUCCESS"]
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    provider=providers,
    api_key=keys,
    key_name=st.one_of(st.none(), texts),
    priority=st.one_of(st.none(), int32),
    model_preference=st.one_of(st.none(), texts),
    as_user=st.booleans(),
    owner=st.sampled_from(["self", "other", "unknown", "null"]),
)
def test_any_key_added_is_stored_or_refused_with_a_project_code(
    db, provider, api_key, key_name, priority, model_preference, as_user, owner
) -> None:
    with sandbox(db) as box:
        owner_id = {
            "self": box.owner,
            "other": box.user(),
            "unknown": box.conn.execute("select gen_random_uuid() as id").fetchone()["id"],
            "null": None,
        }[owner]
        box.attempt(
            "authenticated" if as_user else "service_role",
            "select * from public.add_api_key(%s, %s, %s, %s, %s, %s)",
            (provider, api_key, key_name, priority, model_preference, owner_id),
            user=box.owner if as_user else None,
        )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    reports=st.lists(
        st.tuples(
            st.sampled_from(["own", "unknown", "null"]),
            outcomes,
            st.one_of(st.none(), int32),
            st.one_of(st.none(), texts),
            st.one_of(
                st.none(),
                st.datetimes(
                    min_value=dt.datetime(1, 1, 2),
                    max_value=dt.datetime(9999, 12, 30),
                    timezones=st.just(dt.UTC),
                ),
            ),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_any_key_report_is_taken_or_refused_with_a_project_code(db, reports) -> None:
    with sandbox(db) as box:
        key_id = box.api_key()
        for which, outcome, retry_after, error, now in reports:
            target = {"own": key_id, "unknown": box.owner, "null": None}[which]
            box.attempt(
                WORKER,
                "select * from public.report_api_key_result(%s, %s, %s, %s, %s)",
                (target, outcome, retry_after, error, now),
            )


# "$own" and "$unknown" stand for the example's key and a uuid that is no key.
report_elements = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"api_key_id": st.sampled_from(["$own", "$unknown"]), "outcome": outcomes},
        optional={
            "retry_after_seconds": st.one_of(st.none(), int32, huge_numbers, texts),
            "error": st.one_of(st.none(), texts, json_values),
        },
    ),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports=st.one_of(json_values, st.lists(report_elements, max_size=8)))
def test_any_batch_of_key_reports_is_taken_or_refused_with_a_project_code(db, reports) -> None:
    with sandbox(db) as box:
        ids = {"$own": str(box.api_key()), "$unknown": str(box.owner)}
        if isinstance(reports, list):
            reports = [
                {**r, "api_key_id": ids[r["api_key_id"]]}
                if isinstance(r, dict) and r.get("api_key_id") in ("$own", "$unknown")
                else r
                for r in reports
            ]
        box.attempt(
            WORKER, "select public.report_api_key_results(%s::jsonb)", (json.dumps(reports),)
        )
