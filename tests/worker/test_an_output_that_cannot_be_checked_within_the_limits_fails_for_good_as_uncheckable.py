"""An output that cannot be checked against output_schema within the worker's limits fails
its task for good with OR019 (report_task_failure, output_uncheckable), the call recorded
as invalid_output: one larger than max_checked_output_bytes encoded, and one whose check
has not ended check_timeout_seconds after it began (here a check that never ends until the
test releases it)."""

from __future__ import annotations

import threading

from orchable.settings import ExecutorSettings
from orchable.worker import validation
from orchable.worker.providers.offline import OfflineProvider
from support.tasks import calls
from support.workers import run_single


def test_an_output_that_cannot_be_checked_within_the_limits_fails_for_good_as_uncheckable(
    admin, owner, worker_url, monkeypatch
):
    too_small = ExecutorSettings(default_provider="offline", max_checked_output_bytes=16)
    _, batch_id, row = run_single(
        admin,
        owner,
        worker_url,
        {"offline": OfflineProvider()},
        {"provider": "offline"},
        executor=too_small,
    )
    assert (row["status"], row["error_code"], row["retry_count"]) == ("failed", "OR019", 0)
    assert "too large to check" in row["error_message"], row["error_message"]
    assert [c["outcome"] for c in calls(admin, batch_id)] == ["invalid_output"]

    release = threading.Event()
    monkeypatch.setattr(validation, "output_error", lambda output, schema: release.wait())
    too_slow = ExecutorSettings(default_provider="offline", check_timeout_seconds=0.5)
    try:
        worker, batch_id, row = run_single(
            admin,
            owner,
            worker_url,
            {"offline": OfflineProvider()},
            {"provider": "offline"},
            executor=too_slow,
        )
    finally:
        release.set()
    assert (row["status"], row["error_code"], row["retry_count"]) == ("failed", "OR019", 0)
    assert "within 0.5 s" in row["error_message"], row["error_message"]
    assert worker.failed == 1
