"""`orchable launch NAME` as the postgres role sees every owner's pipelines: a name two
owners both use is ambiguous, and the CLI says so in one line naming the owners, with no
traceback."""

from __future__ import annotations

from support.pipelines import single_stage
from support.users import create_user
from support.workers import orchable


def test_a_pipeline_name_two_owners_share_ends_in_one_line_naming_them(
    database, admin, owner, tmp_path
):
    owners = [owner, create_user(admin)]
    name = f"shared-{owner}"
    for each in owners:
        single_stage(admin, each, name)
    (tmp_path / "inputs.jsonl").write_text('{"question": "one"}\n')

    launched = orchable(
        database, "--log-level", "warning", "launch", name,
        "--inputs", str(tmp_path / "inputs.jsonl"), env={"COLUMNS": "400"},
    )  # fmt: skip

    said = launched.stdout + launched.stderr
    assert launched.returncode == 1, said
    assert "Traceback" not in said
    assert f"several pipelines are named {name!r}" in said
    assert all(str(each) in said for each in owners)
    assert len(said.strip().splitlines()) == 1, said
