"""A restart or a network failure cuts every idle connection of a worker's pool at once.
The first dead one its check finds makes the pool check all the others, so the next
caller gets a live connection at once; psycopg_pool alone would hand the dead ones out one
by one, with 1, 2, 4, 8 and 16 s sleeps between them."""

from __future__ import annotations

import asyncio
import uuid

import psycopg
from orchable.db import worker_rpc as rpc
from psycopg.conninfo import make_conninfo
from psycopg_pool import PoolTimeout

IDLE = 6  # dead connections a caller would wait 15 s behind, past the timeout below


async def first_connection_after_a_cut(
    worker_url: str, admin: psycopg.Connection
) -> tuple[int, int]:
    name = f"cut-{uuid.uuid4().hex[:8]}"
    pool = rpc.create_pool(make_conninfo(worker_url, application_name=name), max_size=IDLE)
    await pool.open(wait=True)
    try:
        held = [await pool.getconn() for _ in range(IDLE)]
        for conn in held:
            await pool.putconn(conn)
        await asyncio.sleep(rpc._IdleCheck.IDLE_SECONDS + 0.5)  # idle: checked when taken
        cut = admin.execute(
            "select count(pg_terminate_backend(pid)) as n from pg_stat_activity"
            " where application_name = %s",
            (name,),
        ).fetchone()
        async with pool.connection(timeout=5) as conn:
            alive = await (await conn.execute("select 1")).fetchone()
        return cut["n"] if cut else 0, alive[0] if alive else 0
    finally:
        await pool.close()


def test_a_cut_of_every_idle_connection_is_noticed_at_the_first_dead_one(admin, worker_url):
    try:
        cut, alive = asyncio.run(first_connection_after_a_cut(worker_url, admin))
    except PoolTimeout:
        raise AssertionError("the caller waited out its timeout behind dead connections") from None
    assert (cut, alive) == (IDLE, 1)
