"""The offline provider runs a grounded_search stage (demos, tests): in two passes, as any
model not known to search and judge at once, both recorded, and the provenance grounded on
the offline provider's one synthetic source, https://example.test/offline."""

from __future__ import annotations

from orchable.worker.providers.offline import OfflineProvider
from support.grounded import VERDICT, run_grounded
from support.tasks import calls


def test_a_grounded_search_task_runs_offline_on_its_synthetic_source(admin, owner, worker_url):
    worker, batch_id, row = run_grounded(
        admin, owner, worker_url, {"offline": OfflineProvider()}, {"provider": "offline"}
    )

    assert (row["status"], row["retry_count"]) == ("completed", 0), row["error_message"]
    assert set(row["output_data"]) == set(VERDICT["properties"])
    assert [c["outcome"] for c in calls(admin, batch_id)] == ["success", "success"]
    grounding = row["provenance"]["grounding"]
    assert (grounding["grounded"], grounding["mode"]) == (True, "two_pass")
    [source] = grounding["sources"]
    assert source["uri"] == "https://example.test/offline" and "offline" in source["title"]
    assert (worker.completed, worker.failed) == (1, 0)
