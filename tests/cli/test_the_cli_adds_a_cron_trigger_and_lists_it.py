"""`orchable triggers add PIPELINE NAME --cron ...` adds the cron trigger the database
holds, with its inputs (inline JSON or a JSON lines file) and config, and shows its next
launch; `triggers list` shows it; a name the owner already uses is one line."""

from __future__ import annotations

from orchable.cli.common import wall_clock
from support.cli import next_runs, ok, refused, row_of, run
from support.pipelines import single_stage


def test_the_cli_adds_a_cron_trigger_and_lists_it(database, admin, owner, tmp_path):
    pipeline = f"digest-{owner}"
    pipeline_id = single_stage(admin, owner, pipeline)

    added = ok(run(
        database, "triggers", "add", pipeline, "nightly", "--cron", "0 2 * * *",
        "--timezone", "America/New_York", "--inputs", '[{"question": "what changed?"}]',
        "--config", '{"ai_settings": {"model": "offline"}}',
    ))  # fmt: skip
    (tmp_path / "inputs.jsonl").write_text('{"question": "a"}\n{"question": "b"}\n')
    ok(run(
        database, "triggers", "add", str(pipeline_id), "hourly", "--cron", "@hourly",
        "--inputs", str(tmp_path / "inputs.jsonl"), "--owner", str(owner),
    ))  # fmt: skip

    rows = {
        r["name"]: r
        for r in admin.execute(
            "select t.*, t.next_run_at at time zone t.timezone as next_run_local"
            " from public.triggers as t where t.orchestrator_id = %s",
            (pipeline_id,),
        ).fetchall()
    }
    nightly, hourly = rows["nightly"], rows["hourly"]
    assert (nightly["kind"], nightly["schedule"], nightly["timezone"], nightly["owner_id"]) == (
        "cron", "0 2 * * *", "America/New_York", owner
    )  # fmt: skip
    assert nightly["inputs"] == [{"question": "what changed?"}]
    assert nightly["config"] == {"ai_settings": {"model": "offline"}}
    assert hourly["inputs"] == [{"question": "a"}, {"question": "b"}]
    assert (hourly["schedule"], hourly["timezone"]) == ("@hourly", "UTC")

    assert str(nightly["id"]) in added
    assert f"next launch: {wall_clock(nightly['next_run_local'])} (America/New_York)" in added
    later = next_runs(admin, "0 2 * * *", "America/New_York", nightly["next_run_at"], 3)
    assert f"then: {', '.join(later)}" in added

    listed = ok(run(database, "triggers", "list", "--owner", str(owner)))
    assert row_of(
        listed, pipeline, "nightly", "cron", "active", "0 2 * * * (America/New_York)",
        wall_clock(nightly["next_run_local"]),
    ), listed  # fmt: skip
    assert row_of(listed, pipeline, "hourly", "@hourly (UTC)"), listed

    twice = refused(run(database, "triggers", "add", pipeline, "nightly", "--cron", "@daily"))
    assert "a trigger named 'nightly' exists [OR003]" in twice, twice
