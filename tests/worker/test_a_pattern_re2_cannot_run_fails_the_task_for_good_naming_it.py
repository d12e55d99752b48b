"""`pattern` runs on RE2, which has no backtracking and so no look-arounds or
backreferences: a pattern RE2 cannot compile makes output_schema invalid, and the task
fails for good (no retry can mend the stage), its error naming the pattern."""

from __future__ import annotations

from orchable.worker.providers.offline import OfflineProvider
from support.workers import run_single

LOOKAHEAD = {
    "type": "object",
    "required": ["answer"],
    "properties": {"answer": {"type": "string", "pattern": "^(?=answer)"}},
}


def test_a_pattern_re2_cannot_run_fails_the_task_for_good_naming_it(admin, owner, worker_url):
    worker, _, row = run_single(
        admin, owner, worker_url, {"offline": OfflineProvider()}, {"provider": "offline"}, LOOKAHEAD
    )

    assert (row["status"], row["retry_count"], row["output_data"]) == ("failed", 0, None)
    assert row["error_code"] == "OR028"  # invalid_schema
    assert "'^(?=answer)' is not a 'regex'" in row["error_message"], row["error_message"]
    assert worker.failed == 1
