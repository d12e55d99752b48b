"""The costs and keys screens count no large table: run as the signed-in user exactly as
the console runs them, their reads of llm_calls go through llm_calls_owner_id_created_at_idx
bounded by time (the period, or the last 24 hours), never a scan of every call, among many
calls (each with a key) of the user's and of another user's, older and newer."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
from orchable.console import queries as q
from support.pipelines import single_stage
from support.tasks import launch

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]

INDEX = "llm_calls_owner_id_created_at_idx"


def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(n for child in plan.get("Plans", []) for n in nodes(child))]


async def test_costs_and_keys_read_llm_calls_through_the_owners_time_index(
    admin, database, owner, stranger
):
    for user in (owner, stranger):
        batch = launch(admin, user, single_stage(admin, user, "one"), [{"question": "a"}])["id"]
        key = admin.execute(
            "select (public.add_api_key('gemini', %s, 'main', p_owner_id => %s)).id",
            (f"AIzaSy-plan-test-key-{user}", user),
        ).fetchone()["id"]
        admin.execute(
            "insert into public.llm_calls (owner_id, batch_id, task_id, api_key_id, provider,"
            " model, attempt, outcome, cost_usd, created_at)"
            " select %s, %s, gen_random_uuid(), %s, 'gemini', 'm' || (i %% 3), 0, 'success',"
            " 0.001, now() - i * interval '30 minutes' from generate_series(1, 5000) as i",
            (user, batch, key),
        )
    admin.execute("analyze public.llm_calls")

    async with await psycopg.AsyncConnection.connect(database.admin_url, autocommit=True) as conn:
        await conn.execute("load 'auto_explain'")
        for setting, value in {
            "log_min_duration": "0",
            "log_level": "notice",
            "log_format": "json",
        }.items():
            await conn.execute(f"set auto_explain.{setting} = {value}")
        plans: list[dict[str, Any]] = []

        def collect(notice: psycopg.errors.Diagnostic) -> None:
            text = notice.message_primary or ""
            if "Query Text" in text:
                plans.append(json.loads(text[text.index("{") :]))

        conn.add_notice_handler(collect)
        claims = {"sub": str(owner), "role": "authenticated", "aud": "authenticated"}
        for read in (
            lambda: q.spend(conn, days=30, timezone="Europe/Berlin"),
            lambda: q.key_pool(conn),
        ):
            plans.clear()
            async with q.as_user(conn, claims, read_only=True, statement_timeout_ms=8000):
                await read()
            [plan] = [p for p in plans if "llm_calls" in p["Query Text"]]
            reads = [n for n in nodes(plan["Plan"]) if n.get("Relation Name") == "llm_calls"]
            assert reads, plan
            for node in reads:  # an index scan, or a bitmap heap scan over index scans
                assert node["Node Type"] != "Seq Scan", node
                scans = [n for n in nodes(node) if "Index Name" in n]
                assert scans, node
                for scan in scans:
                    assert scan["Index Name"] == INDEX, scan
                    assert "created_at >=" in scan.get("Index Cond", ""), scan
