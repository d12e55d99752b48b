"""`orchable launch NAME` as the postgres role sees every owner's pipelines: a name two
owners both use is ambiguous, and the CLI says so in one line naming the owners, with no
traceback."""

from __future__ import annotations

import json

from .test_the_cli_applies_launches_approves_and_reports import orchable


def test_a_pipeline_name_two_owners_share_ends_in_one_line_naming_them(admin, new_user, tmp_path):
    owners = [new_user(), new_user()]
    name = f"shared-{owners[0]}"
    for owner in owners:
        definition = {
            "name": name,
            "owner_id": str(owner),
            "entry": "answer",
            "stages": [{"key": "answer", "template": "Answer {{question}}"}],
        }
        admin.execute("select public.upsert_orchestrator(%s::jsonb)", (json.dumps(definition),))
    (tmp_path / "inputs.jsonl").write_text('{"question": "one"}\n')

    launched = orchable(
        "launch", name, "--inputs", str(tmp_path / "inputs.jsonl"), env={"COLUMNS": "400"}
    )

    said = launched.stdout + launched.stderr
    assert launched.returncode == 1, said
    assert "Traceback" not in said
    assert f"several pipelines are named {name!r}" in said
    assert all(str(owner) in said for owner in owners)
    assert len(said.strip().splitlines()) == 1, said
