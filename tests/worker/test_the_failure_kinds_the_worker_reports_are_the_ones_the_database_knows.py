"""The worker reports a failure's kind and the database decides what it means: the two
lists of kinds are one vocabulary (orchable.failure_kinds and worker_rpc.FailureKind), so a
kind added on one side only fails here, not in production as OR010."""

from __future__ import annotations

from orchable.db.worker_rpc import FailureKind


def test_the_failure_kinds_the_worker_reports_are_the_ones_the_database_knows(admin):
    rows = admin.execute("select kind from orchable.failure_kinds").fetchall()
    assert {row["kind"] for row in rows} == {kind.value for kind in FailureKind}
