"""`orchable monitor add` makes the monitor the database holds and shows its next run, and
the three after it, on its zone's clock; `monitor list` shows it; pause and resume change
its state and schedule; pausing it twice is one line with the code; `run-now --dry-run`
starts an execution that `monitor runs` lists."""

from __future__ import annotations

from orchable.cli.common import wall_clock
from support.cli import next_runs, ok, refused, row_of, run


def test_the_cli_adds_lists_pauses_resumes_and_runs_a_monitor(database, admin, owner):
    def monitor() -> dict:
        return admin.execute(
            "select m.*, m.next_run_at at time zone m.timezone as next_run_local"
            " from public.monitors as m where m.owner_id = %s",
            (owner,),
        ).fetchone()

    added = ok(run(
        database, "monitor", "add", "phone watch",
        "--query", "When will the next phone be released?",
        "--condition", "A release date has been announced",
        "--schedule", "0 9 * * mon-fri", "--timezone", "Europe/Berlin",
        "--notify", "always", "--model", "gemini-2.5-flash", "--owner", str(owner),
    ))  # fmt: skip

    row = monitor()
    assert (row["name"], row["schedule"], row["timezone"]) == (
        "phone watch", "0 9 * * mon-fri", "Europe/Berlin"
    )  # fmt: skip
    assert row["search_query"] == "When will the next phone be released?"
    assert row["condition_description"] == "A release date has been announced"
    assert (row["notify_behavior"], row["config"]) == ("always", {"model": "gemini-2.5-flash"})
    assert row["state"] == "active" and row["next_run_at"] is not None
    assert str(row["id"]) in added
    assert f"next run: {wall_clock(row['next_run_local'])} (Europe/Berlin)" in added
    later = next_runs(admin, "0 9 * * mon-fri", "Europe/Berlin", row["next_run_at"], 3)
    assert f"then: {', '.join(later)}" in added
    assert all(t.endswith(" 09:00") and not t.startswith(("Sat", "Sun")) for t in later)

    listed = ok(run(database, "monitor", "list", "--owner", str(owner)))
    assert row_of(
        listed, "phone watch", "active", "0 9 * * mon-fri (Europe/Berlin)",
        wall_clock(row["next_run_local"]), str(row["id"]),
    ), listed  # fmt: skip

    ok(run(database, "monitor", "pause", "phone watch"))
    assert (monitor()["state"], monitor()["next_run_at"]) == ("paused", None)
    assert row_of(ok(run(database, "monitor", "list")), "phone watch", "paused")
    again = refused(run(database, "monitor", "pause", "phone watch"))
    assert "[OR007]" in again and "not active" in again, again

    resumed = ok(run(database, "monitor", "resume", str(row["id"])))
    row = monitor()
    assert row["state"] == "active" and row["next_run_at"] is not None
    assert f"next run: {wall_clock(row['next_run_local'])}" in resumed

    started = ok(run(database, "monitor", "run-now", "phone watch", "--dry-run"))
    execution = admin.execute(
        "select * from public.monitor_executions where monitor_id = %s", (row["id"],)
    ).fetchone()
    assert execution["dry_run"] and execution["batch_id"] is not None
    assert str(execution["id"]) in started and str(execution["batch_id"]) in started
    assert "dry run" in started

    runs = ok(run(database, "monitor", "runs", "phone watch"))
    assert "started (Europe/Berlin)" in runs
    assert row_of(runs, f"{execution['status']} (dry run)"), runs
