"""A monitor is named by its id or its name: a name two monitors share, or one no monitor
has, ends the command in one line (the ids of the two), and --owner narrows the look-up
to that user's monitors."""

from __future__ import annotations

from support.cli import ok, refused, run
from support.users import create_user


def test_a_monitor_name_two_monitors_share_ends_in_one_line_naming_their_ids(
    database, admin, owner
):
    other = create_user(admin)
    for each in (owner, other):
        ok(run(
            database, "monitor", "add", "watch", "--query", "q?", "--condition", "c",
            "--schedule", "@daily", "--owner", str(each),
        ))  # fmt: skip
    ids = [r["id"] for r in admin.execute("select id from public.monitors").fetchall()]

    shared = refused(run(database, "monitor", "pause", "watch"))
    assert "several monitors are named 'watch'" in shared
    assert all(str(i) in shared for i in ids), shared
    unknown = refused(run(database, "monitor", "runs", "nothing-of-the-kind"))
    assert "no monitor 'nothing-of-the-kind'" in unknown, unknown

    ok(run(database, "monitor", "pause", "watch", "--owner", str(other)))
    states = {
        r["owner_id"]: r["state"]
        for r in admin.execute("select owner_id, state from public.monitors").fetchall()
    }
    assert states == {owner: "active", other: "paused"}
