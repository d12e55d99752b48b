"""Callers taking keys at the same moment, some many at once (acquire_api_keys, to which
acquire_task_api_keys hands workers' calls) and some one by one (acquire_api_key), never
deadlock, and every call gets a key: the keys of a bulk acquire lock in one order, and
each acquire waits for the others instead of reading a key being taken as unusable. A
bulk acquire gives each usable key its turn, so each the same share."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import psycopg
from support.databases import acting_as, connections
from support.threads import at_once

KEYS = 4
ROUNDS = 10
BULK = 8  # calls per bulk acquire: twice round the keys


def acquire(conn: psycopg.Connection, owner: uuid.UUID, count: int) -> list[uuid.UUID]:
    with acting_as(conn, "service_role"):
        if count == 1:
            rows = conn.execute(
                "select api_key_id from public.acquire_api_key(%s, 'gemini')", (owner,)
            ).fetchall()
        else:
            rows = conn.execute(
                "select api_key_id from public.acquire_api_keys(%s, 'gemini', p_count => %s)",
                (owner, count),
            ).fetchall()
    return [r["api_key_id"] for r in rows]


def test_concurrent_key_acquires_share_the_keys_evenly_without_deadlock(database, admin, owner):
    for i in range(KEYS):
        admin.execute(
            "select public.add_api_key('gemini', %s, p_owner_id => %s)",
            (f"AIzaSy-concurrent-{i}-{uuid.uuid4().hex}", owner),
        )
    counts = [BULK, 1, BULK, 1, BULK, 1]
    handed: Counter[uuid.UUID] = Counter()
    with (
        connections(database.admin_url, len(counts)) as conns,
        ThreadPoolExecutor(len(counts)) as pool,
    ):
        for _ in range(ROUNDS):
            results = at_once(
                pool,
                [lambda c=c, n=n: acquire(c, owner, n) for c, n in zip(conns, counts, strict=True)],
            )
            for (keys, error), n in zip(results, counts, strict=True):
                assert error is None, error
                assert len(keys) == n
                handed.update(keys)
                if n == BULK:
                    assert set(Counter(keys).values()) == {BULK // KEYS}, keys

    assert sum(handed.values()) == ROUNDS * sum(counts)
    assert len(handed) == KEYS
