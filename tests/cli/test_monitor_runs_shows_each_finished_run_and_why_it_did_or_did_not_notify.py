"""After an offline worker has run them, `orchable monitor runs` shows a monitor's runs,
newest first: their status (a dry run marked), whether the condition was met, whether
each notified and why, whether the answer was grounded, the change summary and the cost,
as the database settled them; --limit keeps the latest."""

from __future__ import annotations

import pytest
from support.cli import ok, rows, run


@pytest.mark.timeout(120)
def test_monitor_runs_shows_each_finished_run_and_why_it_did_or_did_not_notify(
    database, admin, owner
):
    ok(run(
        database, "monitor", "add", "watch", "--query", "Is the shop open?",
        "--condition", "The shop is open", "--schedule", "@daily", "--owner", str(owner),
    ))  # fmt: skip
    ok(run(database, "monitor", "run-now", "watch", "--dry-run"))
    ok(run(database, "monitor", "run-now", "watch"))
    ok(run(
        database, "worker", "--drain", "--offline", "--default-provider", "offline",
        "--poll-seconds", "0.2",
    ))  # fmt: skip

    executions = admin.execute(
        "select e.* from public.monitor_executions as e join public.monitors as m"
        " on m.id = e.monitor_id where m.owner_id = %s order by e.started_at desc, e.id desc",
        (owner,),
    ).fetchall()
    assert [(e["status"], e["dry_run"]) for e in executions] == [
        ("success", False), ("success", True)
    ], executions  # fmt: skip

    shown = rows(ok(run(database, "monitor", "runs", "watch")))
    expected = [
        [
            "success (dry run)" if e["dry_run"] else "success",
            "yes" if e["condition_met"] else "no",
            f"{'yes' if e['notified'] else 'no'} ({e['notify_reason']})",
            "yes" if e["grounded"] else "no",
            e["change_summary"],
            f"${e['cost_usd']:.4f}",
        ]
        for e in executions  # newest first
    ]
    assert [row[1:] for row in shown] == expected, shown

    latest = rows(ok(run(database, "monitor", "runs", "watch", "--limit", "1")))
    assert latest == shown[:1], latest
