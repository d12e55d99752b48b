"""The worker's connections are the orchable_worker_login role (member of orchable_worker),
not a superuser, with no privilege on the tables it works through, under the statement
timeout its deployment gives the login (README: a role's settings do not pass to its
members, so it is the login's)."""

from __future__ import annotations

import asyncio

from orchable.db.worker_rpc import create_pool
from psycopg.rows import dict_row


def test_the_worker_connects_as_the_least_privilege_worker_login(worker_url):
    async def who() -> dict:
        pool = create_pool(worker_url, max_size=1)
        await pool.open(wait=True, timeout=10)
        try:
            async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
                await cur.execute(
                    "select current_user as name, r.rolsuper, r.rolbypassrls,"
                    " pg_has_role(current_user, 'orchable_worker', 'member') as is_worker,"
                    " has_table_privilege('public.ai_tasks', 'select') as reads_tasks,"
                    " current_setting('statement_timeout') as statement_timeout"
                    " from pg_roles as r where r.rolname = current_user"
                )
                return await cur.fetchone()
        finally:
            await pool.close()

    row = asyncio.run(who())
    assert row == {
        "name": "orchable_worker_login",
        "rolsuper": False,
        "rolbypassrls": False,
        "is_worker": True,
        "reads_tasks": False,
        "statement_timeout": "1min",
    }
